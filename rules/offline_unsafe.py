from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, RevisionFile
from ..rule import Example, FileRule

_HEADER = (
    "from alembic import context, op\nimport sqlalchemy as sa\n\nrevision = 'r1'\ndown_revision = None\n\n\n"
)


class OfflineUnsafe(FileRule):
    """
    ## What it does
    Flags what `upgrade()` and `downgrade()` (and the module functions they call) ask
    of a live database without a `context.is_offline_mode()` guard: an inspector
    (`sa.inspect(bind)`, `inspect(conn)`, `Inspector.from_engine(...)`), reflection
    (`autoload_with=`, `metadata.reflect(bind)`), and a query's result
    (`.fetchone()`, `.fetchall()`, `.scalar()`, `.first()`, `.all()`, ... on
    `conn.execute(...)`, `session.query(...)` or a name holding one; `for row in
    conn.execute(...)`). The finding is at the call and names the function holding it.
    Off by default; on when `[tool.miglint] offline = true` (the project generates SQL
    scripts with `alembic upgrade --sql`).

    An `if` whose test asks `context.is_offline_mode()` or a migration context's
    `.as_sql` (directly, through a name, or a module function returning it) covers
    both its branches, as does an earlier `if context.is_offline_mode(): return` (or
    `raise`, or `assert not context.is_offline_mode()`) for what follows. `op.get_bind()`
    alone is not flagged: offline it is a mock connection that still knows its
    dialect (`op.get_bind().dialect.name` works) and writes what it executes to the script.
    Nor is a result read on a connection of Python's `sqlite3` module (`connection =
    sqlite3.connect(path)` in the same function, a cursor of it): a file of its own,
    there in both modes.

    ## Why is this bad?
    In `--sql` mode there is no database: the mock connection returns no results and
    cannot be inspected. The revision fails with AttributeError or
    NoInspectionAvailable, or worse, takes the branch meant for "nothing found" and
    writes a script that does something else than the online upgrade would.

    ## Example
    ```python
    def upgrade():
        bind = op.get_bind()
        if "legacy" in sa.inspect(bind).get_table_names():
            op.drop_table("legacy")
    ```

    Use instead:
    ```python
    def upgrade():
        if context.is_offline_mode():
            op.execute("DROP TABLE IF EXISTS legacy")
            return
        bind = op.get_bind()
        if "legacy" in sa.inspect(bind).get_table_names():
            op.drop_table("legacy")
    ```
    """

    code = "MG505"
    name = "offline-unsafe"
    severity = "warning"
    default_enabled = False
    enabled_by = "offline"
    valid = (
        Example(
            files={
                "0001_r1.py": _HEADER + "def upgrade():\n"
                "    if context.is_offline_mode():\n"
                "        raise RuntimeError('run this revision online')\n"
                "    count = op.get_bind().execute(sa.text('SELECT count(*) FROM t')).scalar()\n"
            },
            note="early-exit",
        ),
        Example(
            files={
                "0001_r1.py": _HEADER + "def _backfill(bind):\n"
                "    for row in bind.execute(sa.text('SELECT id FROM t')):\n"
                "        pass\n\n\n"
                "def upgrade():\n"
                "    ctx = op.get_context()\n"
                "    if not ctx.as_sql:\n"
                "        _backfill(op.get_bind())\n"
                "    if op.get_bind().dialect.name == 'postgresql':\n"
                "        op.execute('CREATE EXTENSION IF NOT EXISTS citext')\n"
            },
            note="guarded-helper-and-dialect",
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": _HEADER + "def upgrade():\n"
                "    bind = op.get_bind()\n"
                "    if 'legacy' in sa.inspect(bind).get_table_names():\n"
                "        op.drop_table('legacy')\n"
            },
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": _HEADER + "def _ids(bind):\n"
                "    result = bind.execute(sa.text('SELECT id FROM t'))\n"
                "    return [row.id for row in result.fetchall()]\n\n\n"
                "def upgrade():\n"
                "    ids = _ids(op.get_bind())\n\n\n"
                "def downgrade():\n"
                "    if context.is_offline_mode():\n"
                "        return\n"
                "    _ids(op.get_bind())\n"
            },
            flagged=("r1",),
            note="helper-of-upgrade",
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if not file.looks_like_revision:
            return
        for use in file.offline_uses:
            where = (
                f"{use.function}()"
                if use.function == use.entry
                else f"{use.function}() (run by {use.entry}())"
            )
            yield self.diagnostic(
                file.path,
                use.span,
                f"{use.what} in {where} needs a live database: `alembic {_command(use.entry)} --sql` "
                "has no results to read and nothing to inspect",
                help="put it under `if not context.is_offline_mode():`, or stop early with "
                "`if context.is_offline_mode(): raise ...`",
                revisions=(file.revision_id,) if file.revision_id else (),
            )


def _command(entry: str) -> str:
    return "downgrade" if entry.startswith("downgrade") else "upgrade"
