from __future__ import annotations

from collections.abc import Iterator

from ..facts.ops import bare
from ..graph import RevisionGraph
from ..history.deploy import on_postgres
from ..model import Diagnostic
from ..rule import WARNING, Example, GraphRule
from ._inverse import readable_downgrade, revision

_TABLE = "op.create_table('posts', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('state', {}))"


class EnumTypeNotDropped(GraphRule):
    """
    ## What it does
    Flags a PostgreSQL ENUM type that upgrade() creates and downgrade() never drops. A type
    is created by an `sa.Enum(..., name=...)` or `postgresql.ENUM(...)` column of
    `op.create_table` (unless `create_type=False` or `native_enum=False`; `sa.Enum(MyEnum)`
    without `name=` is named after the class in lower case, as SQLAlchemy names it), by
    `CREATE TYPE ... AS ENUM` in `op.execute`, or by `.create(bind)` on an Enum (named, or
    a variable bound to one). `op.add_column` creates no type: its ALTER TABLE fails unless
    the type exists. A type is dropped by `DROP TYPE` or `.drop(bind)` on an Enum. Only
    where the dialect is PostgreSQL or unknown (`dialect`, `versions/<dialect>/`, a SQLite
    `PRAGMA` in upgrade()).

    Not reported: a create that asks the database first (`.create(bind, checkfirst=True)`,
    `postgresql.ENUM(...).create(bind)`, whose checkfirst is True unless given False, a DO
    block that looks in pg_type), since the type left behind does not make it fail; a
    type upgrade() itself drops or renames first (the usual way to change an enum's values
    re-creates a type that existed before); a type whose name is not a literal; a revision
    whose downgrade() is missing or empty (MG503's case), raises, runs SQL miglint cannot
    read, or calls `.drop(...)` on something that is not a known Enum (a loop over the
    types).

    ## Why is this bad?
    Alembic does not drop the type with the table that used it: after a downgrade the type is
    still there, and the next `alembic upgrade` fails with `type "post_state" already exists`.

    ## Example
    ```python
    def upgrade():
        op.create_table("posts", sa.Column("state", sa.Enum("draft", "live", name="post_state")))

    def downgrade():
        op.drop_table("posts")
    ```

    Use instead:
    ```python
    def downgrade():
        op.drop_table("posts")
        sa.Enum(name="post_state").drop(op.get_bind())  # or op.execute("DROP TYPE post_state")
    ```
    """

    code = "MG501"
    name = "enum-type-not-dropped"
    severity = WARNING
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    _TABLE.format("sa.Enum('draft', 'live', name='post_state')"),
                    "op.drop_table('posts')\nsa.Enum(name='post_state').drop(op.get_bind())",
                )
            },
            note="drop-method",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "levels.create(op.get_bind())\nop.add_column('posts', sa.Column('level', levels))",
                    "op.drop_column('posts', 'level')",
                    header="from sqlalchemy.dialects import postgresql\n"
                    "levels = postgresql.ENUM('public', 'private', name='visibility_levels')",
                )
            },
            note="postgresql-enum-create-checks-first",  # FitTrackee: checkfirst=True is its default
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute(\"CREATE TYPE post_state AS ENUM ('draft', 'live')\")",
                    "op.execute('DROP TYPE post_state')",
                )
            },
            note="sql",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "post_state.create(op.get_bind())\n" + _TABLE.format("post_state"),
                    "op.drop_table('posts')\npost_state.drop(op.get_bind())",
                    header="from sqlalchemy.dialects import postgresql\n"
                    "post_state = postgresql.ENUM('draft', 'live', name='post_state', create_type=False)",
                )
            },
            note="variable",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    _TABLE.format("sa.Enum('draft', 'live', name='post_state', native_enum=False)"),
                    "op.drop_table('posts')",
                )
            },
            note="not-native",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('ALTER TYPE post_state RENAME TO post_state_old')\n"
                    "op.execute(\"CREATE TYPE post_state AS ENUM ('draft', 'live', 'gone')\")\n"
                    "op.execute('DROP TYPE post_state_old')",
                    "op.execute('ALTER TYPE post_state RENAME TO post_state_old')\n"
                    "op.execute(\"CREATE TYPE post_state AS ENUM ('draft', 'live')\")\n"
                    "op.execute('DROP TYPE post_state_old')",
                )
            },
            note="values-changed",
        ),
        Example(
            files={
                "0001_r1.py": revision(_TABLE.format("sa.Enum('draft', 'live', name='post_state')"), "pass")
            },
            note="downgrade-empty",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "sa.Enum('draft', 'live', name='post_state').create(op.get_bind(), checkfirst=True)",
                    "op.drop_column('posts', 'state')",
                )
            },
            note="checkfirst",
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "levels.create(op.get_bind(), checkfirst=False)\n"
                    "op.add_column('posts', sa.Column('level', levels))",
                    "op.drop_column('posts', 'level')",
                    header="from sqlalchemy.dialects import postgresql\n"
                    "levels = postgresql.ENUM('public', 'private', name='visibility_levels')",
                )
            },
            flagged=("r1",),
            note="postgresql-enum-told-not-to-check",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    _TABLE.format("sa.Enum('draft', 'live', name='post_state')"), "op.drop_table('posts')"
                )
            },
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute(\"CREATE TYPE post_state AS ENUM ('draft', 'live')\")\n"
                    "op.add_column('posts', sa.Column('state', postgresql.ENUM(name='post_state', create_type=False)))",
                    "op.drop_column('posts', 'state')",
                    header="from sqlalchemy.dialects import postgresql",
                )
            },
            flagged=("r1",),
            note="sql-create",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        if not on_postgres(graph):
            return
        for rev_id in sorted(graph.revisions):
            file = graph.revisions[rev_id]
            if not any(e.name == "create_enum" and e.entry == "upgrade" for e in file.enums):
                continue
            if not readable_downgrade(file):
                continue
            upgrade = [e for e in file.enums if e.entry == "upgrade"]
            downgrade = [e for e in file.enums if e.entry == "downgrade"]
            if any(e.name == "drop_enum" and not e.target for e in downgrade):
                continue  # a drop of a type miglint cannot name
            existed = {bare(e.target) for e in upgrade if e.name in ("drop_enum", "rename_enum")}
            removed = {bare(e.target) for e in downgrade if e.name in ("drop_enum", "rename_enum")}
            reported: set[str] = set()
            for fact in upgrade:
                key = bare(fact.target)
                if (
                    fact.name != "create_enum"
                    or not key
                    or key in existed | removed | reported
                    or fact.guarded
                ):
                    continue
                reported.add(key)
                used_by = f" (for table {fact.table})" if fact.table else ""
                yield self.diagnostic(
                    file.path,
                    fact.span,
                    f"upgrade() creates the ENUM type {fact.target}{used_by} and downgrade() does not drop it: "
                    f'after a downgrade the next upgrade fails with `type "{fact.target}" already exists`',
                    help=f"drop it in downgrade(), after the tables that use it: "
                    f'sa.Enum(name="{fact.target}").drop(op.get_bind()) or op.execute("DROP TYPE {fact.target}")',
                    revisions=(rev_id,),
                )
