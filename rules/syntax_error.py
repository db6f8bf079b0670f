from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, RevisionFile
from ..rule import Example, FileRule


class SyntaxError_(FileRule):
    """
    ## What it does
    Flags a version file that cannot be read as Python: a syntax error, bytes that
    are not valid in the file's encoding, or a bad coding declaration.

    ## Why is this bad?
    Alembic imports every version file; one that does not parse stops every
    `alembic` command, `upgrade` included. miglint still lints the other files, and a
    file whose error is below its header (a Python 2 `print` in a body) keeps its
    revision in the graph, read from the part before its first def or class: its
    children are not reported for a missing parent, nor counted as extra heads.

    ## Example
    ```python
    def upgrade():
        op.add_column("users", sa.Column("email", sa.String())
    ```

    Use instead:
    ```python
    def upgrade():
        op.add_column("users", sa.Column("email", sa.String()))
    ```
    """

    code = "MG001"
    name = "syntax-error"

    valid = (Example(history=("a", "b<-a")),)
    invalid = (
        Example(
            history=("a",),
            files={"0002_b.py": "revision = 'b'\ndown_revision = 'a'\n\ndef upgrade(:\n    pass\n"},
            flagged=("b",),
        ),
        Example(files={"0001_a.py": b"revision = 'caf\xe9'\n"}, flagged=("0001_a.py",), note="latin-1 byte"),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if file.problem is not None:
            yield self.diagnostic(
                file.path,
                file.problem.span,
                file.problem.message,
                help="fix the file so that Python can import it: Alembic cannot load it either",
            )
