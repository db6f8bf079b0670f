from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, Edit, Fix, RevisionFile
from ..rule import WARNING, Example, FileRule


def _listed(text: str) -> tuple[str, ...]:
    """The ids of a docstring `Revises:` line, as Alembic's template writes them."""
    ids = tuple(part.strip() for part in text.replace("(", "").replace(")", "").split(","))
    ids = tuple(i.strip("'\"") for i in ids if i)
    return () if ids in ((), ("None",), ("<base>",)) else ids


class HeaderMismatch(FileRule):
    """
    ## What it does
    Flags a module docstring whose `Revision ID:` or `Revises:` line disagrees with
    the `revision` / `down_revision` variables.

    ## Why is this bad?
    Alembic reads only the variables; people read the docstring. When a file is
    copied or re-parented by hand, the docstring keeps the old ids and misleads
    every reviewer who follows the chain by reading headers. It is a warning: Alembic
    never reads the docstring, so upgrades are not at risk (`fail-on = "warning"` makes
    it fail the run).

    ## Example
    ```python
    \"\"\"add email

    Revision ID: 8d2e4b6a1c03
    Revises: 1111aaaa2222
    \"\"\"
    revision = "8d2e4b6a1c03"
    down_revision = "3f1c2a9e7b10"
    ```

    Use instead:
    ```python
    \"\"\"add email

    Revision ID: 8d2e4b6a1c03
    Revises: 3f1c2a9e7b10
    \"\"\"
    ```
    """

    code = "MG106"
    name = "header-mismatch"
    severity = WARNING  # Alembic never reads the docstring: the upgrade is not at risk
    fixable = True

    valid = (
        Example(history=("a", "b<-a", "c<-a", "m<-b,c")),
        Example(
            files={
                "0001_a.py": '"""first\n\nRevision ID: a\nRevises: None\n"""\nrevision = "a"\ndown_revision = None\n'
            }
        ),
    )
    invalid = (
        Example(
            history=("a", "b<-a"),
            files={
                "0003_c.py": '"""c\n\nRevision ID: c\nRevises: a\n"""\nrevision = "c"\ndown_revision = "b"\n'
            },
            flagged=("c",),
        ),
        Example(
            history=("a",),
            files={
                "0002_b.py": '"""copied\n\nRevision ID: a\nRevises:\n"""\nrevision = "b"\ndown_revision = "a"\n'
            },
            flagged=("b", "b"),
            note="both lines drifted",
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if file.problem is not None:
            return
        rev_id = file.revision_id
        doc_id = file.doc_revision_id
        if doc_id is not None and rev_id is not None and doc_id.text != rev_id:
            yield self.diagnostic(
                file.path,
                doc_id.span,
                f"docstring says Revision ID {doc_id.text!r} but `revision` is {rev_id!r}",
                help=f"set the docstring line to 'Revision ID: {rev_id}'",
                revisions=(rev_id,),
                fix=Fix(
                    "rewrite the docstring's Revision ID from `revision`",
                    (Edit(file.path, doc_id.span, rev_id),),
                ),
            )
        down = file.down_revision
        doc_revises = file.doc_revises
        if doc_revises is None or down is None or down.is_dynamic:
            return
        if set(_listed(doc_revises.text)) != set(down.ids):
            expected = ", ".join(down.ids)
            shown = ", ".join(down.ids) or "None"
            yield self.diagnostic(
                file.path,
                doc_revises.span,
                f"docstring says Revises {doc_revises.text or '(nothing)'!r} but `down_revision` is {shown}",
                help=f"set the docstring line to 'Revises: {expected}'",
                revisions=(rev_id,) if rev_id else (),
                fix=Fix(
                    "rewrite the docstring's Revises from `down_revision`",
                    (Edit(file.path, doc_revises.span, expected),),
                ),
            )
