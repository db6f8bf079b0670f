from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, RevisionFile
from ..rule import Example, FileRule

# alembic.script.revision._revision_illegal_chars
ILLEGAL_CHARACTERS = ("@", "-", "+", ":")


class IllegalRevisionId(FileRule):
    """
    ## What it does
    Flags a revision id that Alembic rejects: one containing `@`, `-`, `+` or `:`,
    an empty or blank one, or a `revision` that is not a single string.

    ## Why is this bad?
    Those characters are Alembic's revision-expression syntax (`label@head`,
    `head-1`, `+2`, `a:b`); Alembic refuses to load such a revision.

    ## Example
    ```python
    revision = "add-users-table"
    ```

    Use instead:
    ```python
    revision = "add_users_table"
    ```
    """

    code = "MG109"
    name = "illegal-revision-id"

    valid = (Example(history=("add_users_table", "20251011_baseline_v106<-add_users_table")),)
    invalid = (
        Example(history=("add-users-table",), flagged=("add-users-table",)),
        Example(history=("a", "b:1<-a"), flagged=("b:1",)),
        Example(files={"0001_a.py": "revision = ''\ndown_revision = None\n"}, flagged=("0001_a.py",)),
        Example(files={"0001_a.py": "revision = ('a', 'b')\ndown_revision = None\n"}, flagged=("0001_a.py",)),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        value = file.revision
        if file.problem is not None or value is None or value.is_dynamic:
            return
        if value.shape != "str":
            yield self.diagnostic(
                file.path,
                value.span,
                f"`revision` must be one string, not a {value.shape}",
                help="give each revision one id; a merge lists its parents in down_revision",
            )
            return
        rev_id = value.ids[0]
        if not rev_id.strip():
            yield self.diagnostic(
                file.path, value.span, "revision id is empty", help="generate an id with `alembic revision`"
            )
            return
        bad = sorted(set(rev_id) & set(ILLEGAL_CHARACTERS))
        if bad:
            suggestion = rev_id
            for char in ILLEGAL_CHARACTERS:
                suggestion = suggestion.replace(char, "_")
            yield self.diagnostic(
                file.path,
                value.span,
                f"revision id {rev_id!r} contains {' '.join(repr(c) for c in bad)}, "
                "which Alembic reserves for revision expressions",
                help=f"rename it, e.g. {suggestion!r}, and update down_revision in its children",
                revisions=(rev_id,),
            )
