from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..model import Diagnostic, Edit, Fix, RevisionFile
from ..rule import WARNING, Example, FileRule


def _listed(text: str) -> tuple[str, ...]:
    """The ids of a docstring `Revises:` line, as Alembic's template writes them."""
    ids = tuple(part.strip() for part in text.replace("(", "").replace(")", "").split(","))
    ids = tuple(i.strip("'\"") for i in ids if i)
    # what people write for "no parent": monasca writes `Revises: N/A` on its base, CodeChecker
    # `Revises: <None>`
    return () if len(ids) <= 1 and (not ids or ids[0].lower().strip("<>") in _NOTHING) else ids


_NOTHING = frozenset({"none", "base", "n/a", "-"})


def _unquoted(text: str) -> str:
    """`'15'` -> `15`: a docstring line may quote the id, as `Revises:` lines are read."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


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

    ## Fix safety
    Rewriting a docstring line from the variables is safe: Alembic never reads it. The
    `Revises:` line is rewritten only when every revision `down_revision` names exists;
    a missing parent (MG103) is never copied into the docstring. When `down_revision`
    names no revision and the docstring's `Revises:` names an existing one, the
    docstring is probably right, and the fix sets `down_revision` to it instead
    (in the literal's own quotes). That changes the graph, so it is unsafe: applied
    only with `--unsafe-fixes`, after checking that the docstring is the one to trust.
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
        Example(
            files={
                "0001_a.py": '"""first\n\nRevision ID: a\nRevises: N/A\n"""\nrevision = "a"\ndown_revision = None\n'
            },
            note="no-parent-written-n-a",  # monasca
        ),
        Example(
            files={
                "0001_a.py": '"""first\n\nRevision ID: a\nRevises: <None>\n"""\nrevision = "a"\ndown_revision = None\n'
            },
            note="no-parent-in-angle-brackets",  # CodeChecker
        ),
        Example(
            history=("14",),
            files={
                "0015_b.py": '"""quoted\n\nRevision ID: \'15\'\nRevises: \'14\'\n"""\nrevision = "15"\ndown_revision = "14"\n'
            },
            note="quoted-ids",  # SurfSense writes its numeric ids quoted in both lines
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

    def check_files(self, files: Sequence[RevisionFile], shared: dict[str, Any]) -> Iterator[Diagnostic]:
        self.known: set[str] = {f.revision_id for f in files if f.revision_id}
        # A revision whose id cannot be read (computed, or a file that does not parse) could
        # be any parent: then a parent not among the known ids is not known to be missing.
        self.complete = not any(
            f.problem is not None or (f.looks_like_revision and not f.revision_id) for f in files
        )
        yield from super().check_files(files, shared)

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if file.problem is not None:
            return
        rev_id = file.revision_id
        doc_id = file.doc_revision_id
        if doc_id is not None and rev_id is not None and _unquoted(doc_id.text) != rev_id:
            yield self.diagnostic(
                file.path,
                doc_id.span,
                f"docstring says Revision ID {doc_id.text!r} but `revision` is {rev_id!r}",
                help=f"set the docstring line to 'Revision ID: {rev_id}'",
                revisions=(rev_id,),
                fix=Fix(
                    "rewrite the docstring's Revision ID from `revision`",
                    (Edit(file.path, doc_id.span, f" {rev_id}" if doc_id.tight else rev_id),),
                ),
            )
        down = file.down_revision
        doc_revises = file.doc_revises
        if doc_revises is None or down is None or down.is_dynamic:
            return
        listed = _listed(doc_revises.text)
        if set(listed) == set(down.ids):
            return
        expected = ", ".join(down.ids)
        shown = ", ".join(down.ids) or "None"
        known: set[str] = getattr(self, "known", set())
        missing = [i for i in down.ids if i not in known]
        help_text = f"set the docstring line to 'Revises: {expected}'"
        fix: Fix | None = Fix(
            "rewrite the docstring's Revises from `down_revision`",
            (
                Edit(
                    file.path,
                    doc_revises.span,
                    f" {expected}" if doc_revises.tight and expected else expected,
                ),
            ),
        )
        if missing:
            # The variable names no revision: copying it would make the docstring wrong too.
            fix = None
            names = ", ".join(repr(m) for m in missing)
            complete = getattr(self, "complete", False)
            help_text = (
                f"`down_revision` names {names}, which is no revision here (see MG103)"
                if complete
                else f"`down_revision` names {names}, which no revision miglint could read is"
            )
            if complete and len(listed) == 1 and listed[0] in known and down.shape == "str":
                help_text += f"; the docstring's {listed[0]!r} is one: set down_revision = {listed[0]!r}"
                fix = Fix(
                    f"set down_revision to the docstring's {listed[0]!r}",
                    (Edit(file.path, down.span, listed[0], literal=True),),
                    safe=False,
                )
        yield self.diagnostic(
            file.path,
            doc_revises.span,
            f"docstring says Revises {doc_revises.text or '(nothing)'!r} but `down_revision` is {shown}",
            help=help_text,
            revisions=(rev_id,) if rev_id else (),
            fix=fix,
        )
