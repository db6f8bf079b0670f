from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, RevisionFile
from ..rule import Example, FileRule

_HEADER = "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'r1'\ndown_revision = None\n\n"
_UPGRADE = "\ndef upgrade():\n    op.add_column('t', sa.Column('a', sa.Integer()))\n"


class ProxyAtImport(FileRule):
    """
    ## What it does
    Flags `op.<anything>` and `context.<anything>` (Alembic's proxies, under whatever
    name the file imported them) that run while the version file is imported: in the
    module's own statements or a class body, outside every function. A use inside a
    `try` whose handler catches NameError, AttributeError, Exception or everything is
    the file's own way of surviving the import, and is not flagged. Nor is a method only
    named, not called (`add_col = op.add_column`, then `add_col(...)` in upgrade(): zato):
    Alembic makes those functions when it imports `alembic.op`, and only a call raises;
    reading a value (`context.config`) or an attribute the proxy's class lacks is flagged.

    ## Why is this bad?
    `op` and `context` exist only while a migration runs. Alembic imports every version
    file to build the history for `alembic heads`, `history`, `current`, `check` and
    `revision` (without `--autogenerate`), and there `op.get_bind()` raises NameError
    ("the proxy object has not yet been established") and `context.config`
    AttributeError: none of these commands works for the whole project, and a new
    revision cannot be made. `alembic upgrade` still runs (it imports the files inside
    the migration), which is why it goes unnoticed.

    ## Example
    ```python
    bind = op.get_bind()
    is_sqlite = bind.dialect.name == "sqlite"

    def upgrade():
        if not is_sqlite:
            op.create_index("ix_t_a", "t", ["a"])
    ```

    Use instead: ask inside the function that needs it:
    ```python
    def upgrade():
        if op.get_bind().dialect.name != "sqlite":
            op.create_index("ix_t_a", "t", ["a"])
    ```
    """

    code = "MG507"
    name = "proxy-at-import"
    severity = "warning"
    memo = True  # reads the file's own facts only
    valid = (
        Example(files={"0001_r1.py": _HEADER + _UPGRADE}),
        Example(
            files={
                "0001_r1.py": _HEADER
                + "try:\n    is_sqlite = op.get_context().dialect.name == 'sqlite'\nexcept NameError:\n"
                "    is_sqlite = False\n" + _UPGRADE
            },
            note="survives-the-import",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": _HEADER + "bind = op.get_bind()\n" + _UPGRADE}, flagged=("r1",)),
        Example(
            files={
                "0001_r1.py": _HEADER.replace("import op", "import context")
                + "url = context.config.get_main_option('sqlalchemy.url')\n"
                + _UPGRADE.replace("    op.", "    pass  # ")
            },
            flagged=("r1",),
            note="context",
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        lines: set[int] = set()
        for use in file.import_time_uses:
            if use.span.line in lines:
                continue  # one finding a line: `op.get_context().bind if op.get_bind() ...`
            lines.add(use.span.line)
            yield self.diagnostic(
                file.path,
                use.span,
                f"{use.what} is used while the file is imported, outside any function: `alembic heads`, "
                f"`history`, `check` and `revision` import every revision with no migration running, "
                f"and there it raises {'NameError' if use.called else 'AttributeError'}",
                help="move it into upgrade() / downgrade(), or a function they call",
                revisions=(file.revision_id,) if file.revision_id else (),
            )
