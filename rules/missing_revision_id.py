from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, RevisionFile, Span
from ..rule import Example, FileRule


class MissingRevisionId(FileRule):
    """
    ## What it does
    Flags a `.py` file in a versions directory that defines `upgrade()` or
    `downgrade()` but assigns no `revision` variable.

    ## Why is this bad?
    Alembic loads every `.py` file of a versions directory and stops with
    "Could not determine revision id from filename" when one has no `revision`.
    A module without `upgrade`/`downgrade` is taken to be a helper and not flagged.

    ## Example
    ```python
    down_revision = "3f1c2a9e7b10"

    def upgrade():
        ...
    ```

    Use instead:
    ```python
    revision = "8d2e4b6a1c03"
    down_revision = "3f1c2a9e7b10"
    ```
    """

    code = "MG002"
    name = "missing-revision-id"

    valid = (
        Example(history=("a",), files={"_helpers.py": "def add_audit_columns(op):\n    pass\n"}),
        Example(history=("a",), files={"__init__.py": ""}),
    )
    invalid = (
        Example(
            history=("a",),
            files={"0002_b.py": "down_revision = 'a'\n\ndef upgrade():\n    pass\n"},
            flagged=("0002_b.py",),
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if file.problem is None and file.revision is None and (file.has_upgrade or file.has_downgrade):
            anchor = file.down_revision.span if file.down_revision else Span.point(1)
            yield self.diagnostic(
                file.path,
                anchor,
                "version file defines upgrade()/downgrade() but no `revision` variable",
                help="add `revision = '<id>'` (a new id: `alembic revision` makes one), "
                "or move a helper module out of the versions directory",
            )
