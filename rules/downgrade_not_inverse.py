from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from ..facts.ops import bare
from ..graph import RevisionGraph
from ..memo import RuleMemo, summarised
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import WARNING, Example, FileRule
from ..sql.source import computed
from ._inverse import readable_downgrade, revision

_CONSTRAINTS = frozenset({
    "create_foreign_key", "create_check_constraint", "create_unique_constraint", "create_primary_key",
    "create_exclude_constraint",
})  # fmt: skip
_INVERSE = {
    "create_table": "drop_table", "add_column": "drop_column", "create_index": "drop_index",
    **dict.fromkeys(_CONSTRAINTS, "drop_constraint"),
}  # fmt: skip
_CREATES = {"column": ("add_column",), "index": ("create_index",), "constraint": tuple(sorted(_CONSTRAINTS))}
_TYPED = {
    "foreignkey": "create_foreign_key", "unique": "create_unique_constraint", "check": "create_check_constraint",
    "primary": "create_primary_key",
}  # fmt: skip
_HELP_DROP = {
    "table": 'op.drop_table("{name}")', "column": 'op.drop_column("{table}", "{name}")',
    "index": 'op.drop_index("{name}", table_name="{table}")', "constraint": 'op.drop_constraint("{name}", "{table}")',
}  # fmt: skip


_CONVENTION_PREFIXES = ("ck", "uq", "fk", "pk")
_ALEMBIC_SCRATCH = "_alembic_tmp_"  # the table batch_alter_table copies a table into


def _kind(name: str) -> str:
    if name in ("create_table", "drop_table"):
        return "table"
    if name in ("add_column", "drop_column"):
        return "column"
    if name in ("create_index", "drop_index"):
        return "index"
    return "constraint"


class DowngradeNotInverse(FileRule):
    """
    ## What it does
    Flags an object that upgrade() creates (table, column, index, constraint) and downgrade()
    does not remove, or one that upgrade() drops and downgrade() does not restore, naming
    each. Objects are compared by kind, table and name, from the `op` / `batch_op` calls and
    the SQL of both functions; an index by its name alone (DROP INDEX names no table), a
    constraint without the `ck_<table>_` / `fk_<table>_`... prefix a naming convention adds
    to the name given to `create_check_constraint("valid_x", ...)`. A unique or primary key
    constraint downgrade() adds restores the index of its name (PostgreSQL backs it with one).

    What else counts as undone: a table downgrade() drops takes its columns, indexes and
    constraints with it, and its partitions (`CREATE TABLE ... PARTITION OF`); a column it
    drops takes that table's indexes and constraints (miglint does not know which columns
    they cover). A table downgrade() creates restores what upgrade() dropped of it, a column
    it adds may bring its own index, unique or foreign key, and a constraint of the same type
    (`type_=`) that it creates on the table restores one upgrade() dropped under another name
    (the database's `files_ibfk_3` replaced by a conventional name). An index a constraint
    was made with (`ADD CONSTRAINT ... UNIQUE USING INDEX ix`) belongs to the constraint from
    then on: dropping the constraint drops it, and only the constraint is compared.

    Not reported, because the comparison would guess: a revision whose downgrade() is missing
    or empty (MG503's case), raises, or runs SQL miglint cannot read, or a revision that
    runs a schema operation of the project's own (`op.drop_table_if_exists(...)`, registered
    with `Operations.register_operation`: what it does is not read); objects whose names are
    not literals (and a downgrade() call with a computed name may undo any object of its
    kind, one with a computed table the object of its name on any table); an object both created and dropped in upgrade() (a temporary table, an index
    rebuilt), and a `CREATE TEMP TABLE`, gone when the session ends; Alembic's batch scratch
    table `_alembic_tmp_<table>`, which an upgrade() drops when a failed batch operation left
    it behind on SQLite (no release had it); tables renamed in either function, and columns of a table whose columns are
    renamed; a table downgrade() drops too (the application creates it, as JupyterHub's
    `create_all` does). A drop with `IF EXISTS` is still reported: the guard makes it safe
    to run twice; it does not say that no revision made the object. Unnamed constraints are MG502's, and ENUM types MG501's.

    What the history says counts too: an object upgrade() drops that the revisions before it
    already dropped (the last of them to touch it dropped it: a defensive `IF EXISTS` drop, a
    no-op where the history ran), and a column or table it creates that they already made (a
    repair behind `if not column_exists(...)`), are not this revision's to undo (faraday). An
    index or constraint made again is still reported: it is dropped and made again under its
    name to change its definition, the drop often in a helper that is not read (rucio). An
    object no revision made is still reported: it may predate the history.

    ## Why is this bad?
    `alembic downgrade` is what a failed deploy runs. One that leaves a column or index
    behind makes the next `alembic upgrade` fail with "already exists"; one that does not
    restore what upgrade() dropped leaves the code of the previous release without it.

    ## Example
    ```python
    def upgrade():
        op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True))
        op.create_index("ix_users_email", "users", ["email"])

    def downgrade():
        op.drop_table("posts")
    ```

    Use instead:
    ```python
    def downgrade():
        op.drop_index("ix_users_email", table_name="users")
        op.drop_table("posts")
    ```
    """

    code = "MG504"
    name = "downgrade-not-inverse"
    severity = WARNING
    memo = True  # reads the file's own facts only
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('ALTER TABLE users RENAME CONSTRAINT uq_email TO uq_email_old')\n"
                    "op.create_index('uq_email', 'users', ['email', 'org'], unique=True)\n"
                    "op.execute('ALTER TABLE users ADD CONSTRAINT uq_email UNIQUE USING INDEX uq_email')",
                    "op.drop_constraint('uq_email', 'users')\n"
                    "op.execute('ALTER TABLE users RENAME CONSTRAINT uq_email_old TO uq_email')",
                )
            },
            note="the-constraint-owns-the-index-it-was-made-with",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('posts', sa.Column('id', sa.Integer()))\n"
                    "op.create_index(op.f('ix_posts_id'), 'posts', ['id'])\n"
                    "op.add_column('users', sa.Column('bio', sa.Text()))\n"
                    "op.drop_index('ix_users_name', table_name='users')",
                    "op.create_index('ix_users_name', 'users', ['name'])\n"
                    "op.drop_column('users', 'bio')\n"
                    "op.drop_table('posts')",
                )
            },
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('users', sa.Column('bio', sa.Text()))",
                    "raise NotImplementedError('irreversible')",
                )
            },
            note="raises",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)')",
                    "op.execute('ALTER TABLE users DROP CONSTRAINT users_email_key')",
                )
            },
            note="sql",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "for name in ('a', 'b'):\n    op.create_table(name, sa.Column('id', sa.Integer()))\n"
                    "op.create_index('ix_c', 'c', ['id'])",
                    "for name in ('a', 'b'):\n    op.drop_table(name)\nop.drop_index(INDEX, table_name='c')",
                )
            },
            note="computed-names",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "for index_name in INVALID_INDEXES:\n"
                    "    op.execute(sa.text(f'DROP INDEX IF EXISTS {index_name}'))\n"
                    "op.add_column('t', sa.Column('c', sa.Integer()))",
                    "op.drop_column('t', 'c')",
                )
            },
            note="a-name-an-f-string-computes",  # quay b1a79fa8e630
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.drop_table('api_tokens')\nop.add_column('skill', sa.Column('c', sa.Integer()))",
                    "op.drop_column('skill', 'c')\nop.drop_table('api_tokens')",
                )
            },
            note="a-table-the-application-makes",  # jupyterhub: create_all at start
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.drop_table_if_exists('summary')\nop.create_table('summary', sa.Column('id', sa.Integer()))",
                    "op.drop_table_if_exists('summary')\nop.create_table('summary', sa.Column('n', sa.Integer()))",
                )
            },
            note="a-project-s-own-operation",  # pycds: Operations.register_operation
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "for table in TABLES:\n    op.add_column(table, sa.Column('expired_id', sa.Text()))",
                    "for table in reversed(TABLES):\n    op.drop_column(table, 'expired_id')",
                    header="TABLES = [\n    'package_revision',\n    'group_revision',\n]",
                )
            },
            note="a-loop-in-reverse",  # ckan 039: the same names, downgrade() in reverse order
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "for table in TABLES:\n    op.add_column(table, sa.Column('expired_id', sa.Text()))",
                    "for table in tables_of(bind):\n    op.drop_column(table, 'expired_id')",
                    header="TABLES = ('package_revision', 'group_revision')",
                )
            },
            note="a-table-the-code-computes",  # the column dropped from tables miglint cannot name
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('CREATE TEMP TABLE _daily ON COMMIT DROP AS SELECT 1 AS day')\n"
                    "op.execute('CREATE TEMPORARY TABLE counts AS SELECT 1 AS n')\n"
                    "op.execute('DROP TABLE counts')\n"
                    "op.add_column('t', sa.Column('c', sa.Integer()))",
                    "op.drop_column('t', 'c')",
                )
            },
            note="a-temporary-table",  # backend.ai bd1bf0524350
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.drop_table('_alembic_tmp_docs')\n"
                    "with op.batch_alter_table('docs') as batch_op:\n"
                    "    batch_op.add_column(sa.Column('slug', sa.String(50)))",
                    "with op.batch_alter_table('docs') as batch_op:\n    batch_op.drop_column('slug')",
                )
            },
            note="alembic-batch-scratch-table",  # langflow 260dbcc8b680: left over on SQLite
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('rule', sa.Column('note', sa.Text()))", "op.drop_column('rule', 'note')"
                ),
                "0002_r2.py": revision(
                    "if not column_exists('rule', 'note'):\n    op.add_column('rule', sa.Column('note', sa.Text()))",
                    rev="r2",
                    down="r1",
                ),
            },
            note="a-repair-of-what-an-earlier-revision-made",  # faraday aa56852fa76d
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_check_constraint('ck_vuln_risk', 'vuln', 'risk >= 0')",
                    "op.drop_constraint('ck_vuln_risk', 'vuln')",
                ),
                "0002_r2.py": revision(
                    "op.execute('ALTER TABLE vuln DROP CONSTRAINT IF EXISTS ck_vuln_risk')",
                    "op.create_check_constraint('ck_vuln_risk', 'vuln', 'risk >= 0')",
                    rev="r2",
                    down="r1",
                ),
                "0003_r3.py": revision(
                    "op.execute('ALTER TABLE vuln DROP CONSTRAINT IF EXISTS ck_vuln_risk')",
                    rev="r3",
                    down="r2",
                ),
            },
            note="a-drop-of-what-an-earlier-revision-dropped",  # faraday 3eb96406e88d
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('DROP INDEX IF EXISTS \"ix_package_name\"')",
                    "op.execute('ALTER TABLE package ADD CONSTRAINT \"ix_package_name\" UNIQUE (name)')",
                )
            },
            note="an-index-restored-as-the-unique-constraint-it-backs",  # pkgdb2 27924040e3ad
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('posts', sa.Column('id', sa.Integer()))\n"
                    "op.create_index('ix_users_email', 'users', ['email'])",
                    "op.drop_table('posts')",
                )
            },
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.drop_column('users', 'legacy')\nop.add_column('users', sa.Column('bio', sa.Text()))",
                    "op.drop_column('users', 'bio')",
                )
            },
            flagged=("r1",),
            note="not-restored",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('rule', sa.Column('note', sa.Text()))", "op.drop_column('rule', 'note')"
                ),
                "0002_r2.py": revision(
                    "op.drop_table('rule')", "op.create_table('rule')", rev="r2", down="r1"
                ),
                "0003_r3.py": revision(
                    "op.create_table('rule', sa.Column('id', sa.Integer()))",
                    "op.drop_table('rule')",
                    rev="r3",
                    down="r2",
                ),
                "0004_r4.py": revision(
                    "op.add_column('rule', sa.Column('note', sa.Text()))\nop.create_index('ix_rule_id', 'rule', ['id'])",
                    "op.drop_index('ix_rule_id', table_name='rule')",
                    rev="r4",
                    down="r3",
                ),
            },
            flagged=("r4",),
            note="added-again-after-its-table-was-made-anew",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_check_constraint('ck_kind', 'identities', \"kind in ('a')\")",
                    "op.drop_constraint('ck_kind', 'identities')",
                ),
                "0002_r2.py": revision(
                    "try_drop_constraint('ck_kind', 'identities')\n"
                    "op.create_check_constraint('ck_kind', 'identities', \"kind in ('a', 'b')\")",
                    "op.create_check_constraint('ck_kind', 'identities', \"kind in ('a')\")",
                    rev="r2",
                    down="r1",
                ),
            },
            flagged=("r2",),
            note="a-constraint-made-again-with-a-new-definition",  # rucio d1189a09c6e0
        ),
    )

    def check_files(self, files: Sequence[RevisionFile], shared: dict[str, Any]) -> Iterator[Diagnostic]:
        return self.check_files_memoised(files, shared, None)

    def check_files_memoised(
        self, files: Sequence[RevisionFile], shared: dict[str, Any], memo: RuleMemo | None
    ) -> Iterator[Diagnostic]:
        """Each file's findings (from the memo when its bytes did not change), less those the
        history settles (see the docstring): asked only where a file has findings."""
        history = _History(shared.get("graph"), memo)
        for file in files:
            if memo is None:
                found = tuple(self.check_file(file))
            else:
                found = tuple(
                    memo.findings(self.code, file.path, (), functools.partial(self.check_file, file))
                )
            if found:
                yield from history.kept(file, found)

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        upgrade = [o for o in file.operations if o.entry == "upgrade"]
        if not upgrade or not readable_downgrade(file):
            return
        downgrade = [o for o in file.operations if o.entry == "downgrade"]
        renamed = _renamed_tables(file.operations)
        column_renames = {
            bare(o.table) for o in file.operations if o.name == "alter_column" and o.option("new_column_name")
        }
        # a TEMPORARY table is gone when the session ends: nothing for downgrade() to drop,
        # nor, when upgrade() drops it itself, to restore
        temporary = {bare(o.table) for o in upgrade if o.name == "create_table" and o.option("temporary")}
        # Alembic's own batch scratch table (`_alembic_tmp_<table>`), a leftover of a batch
        # operation that failed half-way on SQLite: no release ever had it (langflow)
        temporary |= {bare(o.table) for o in upgrade if bare(o.table).startswith(_ALEMBIC_SCRATCH)}
        if temporary:
            upgrade = [o for o in upgrade if bare(o.table) not in temporary]
        keyed = [(fact, _key(fact)) for fact in upgrade]  # each fact's key worked out once
        created = {_same(key) for fact, key in keyed if fact.name in _INVERSE}
        dropped = {_same(key) for fact, key in keyed if fact.name in _INVERSE.values()}
        undone = Inverse(downgrade)
        parents = {bare(o.table): bare(o.option("inherits") or "") for o in upgrade if o.option("inherits")}
        # `ADD CONSTRAINT ... UNIQUE USING INDEX ix`: the constraint owns the index from then
        # on, and its DROP CONSTRAINT drops the index (h): the constraint is what is undone
        absorbed = {bare(o.option("using_index") or "").lower() for o in upgrade if o.option("using_index")}
        seen: set[tuple[str, str, str]] = set()
        for fact, key in keyed:
            kind, table, name = key
            if not name or key in seen or table in renamed or (kind == "column" and table in column_renames):
                continue
            if kind == "index" and fact.name == "create_index" and name in absorbed:
                continue
            if kind == "table" and parents.get(table) in undone.tables_dropped:
                continue  # a partition or child table: DROP TABLE of its parent drops it
            if fact.name in _INVERSE and _same(key) not in dropped and not undone.removes(key):
                seen.add(key)
                yield self._report(file, fact, key, "creates", "drop")
            elif (
                fact.name in _INVERSE.values()
                and _same(key) not in created
                and not undone.restores(key, fact)
                # downgrade() drops it too: the application makes it (create_all: jupyterhub)
                and not (kind == "table" and table in undone.tables_dropped)
            ):
                seen.add(key)
                yield self._report(file, fact, key, "drops", "re-create")

    def _report(
        self, file: RevisionFile, fact: OpFact, key: tuple[str, str, str], did: str, undo: str
    ) -> Diagnostic:
        kind = key[0]
        table = fact.table.rsplit(".", 1)[-1] if fact.table else ""
        target = fact.target if kind != "table" else fact.table
        where = f" of table {table}" if kind in ("column", "index", "constraint") and table else ""
        if undo == "drop":
            how = _HELP_DROP[kind].format(name=target, table=table or "<table>")
            help = f"drop it in downgrade(), in the reverse order of upgrade(): {how}"
        else:
            help = f"re-create it in downgrade() as it was before upgrade() (the {kind}'s definition from the revision that made it)"
        why = ""
        if kind == "column" and undo == "drop":
            miscalled = _batch_drop_naming_the_table(file, key)
            if miscalled is not None:
                # the author sees a drop_column of the column in downgrade(): say why it is not one
                why = (
                    f": downgrade()'s batch_op.drop_column() at line {miscalled.span.line} names the "
                    f"table too, and a batch operation takes the column alone (TypeError when it runs)"
                )
                help = f"drop_column({target!r}) inside the batch_alter_table({table!r}) block"
        return self.diagnostic(
            file.path,
            fact.span,
            f"upgrade() {did} {kind} {target}{where} and downgrade() does not "
            f"{'drop' if undo == 'drop' else 'restore'} it{why}",
            help=help,
            revisions=(file.revision_id,) if file.revision_id else (),
        )


def _batch_drop_naming_the_table(file: RevisionFile, key: tuple[str, str, str]) -> OpFact | None:
    """downgrade()'s `batch_op.drop_column(table, column)` of the column `key` names, if any."""
    _, table, column = key
    for fact in file.operations:
        if (
            fact.entry == "downgrade"
            and fact.name == "drop_column"
            and fact.via == "batch_op"
            and bare(fact.table) == table
            and bare(fact.option("second_argument") or "") == column
        ):
            return fact
    return None


class Inverse:
    """What downgrade() removes and creates, with the calls whose names it cannot read."""

    def __init__(self, downgrade: list[OpFact]):
        keyed = [(o.name, _key(o)) for o in downgrade]
        self.keys = {(name, key[1], key[2]) for name, key in keyed}
        self.names = {(name, key[2]) for name, key in keyed}  # DROP INDEX names no table
        self.unknown = {name for name, key in keyed if not key[2]}
        # a call whose table the code computes (`op.drop_column(table, "expired_id")` in a
        # loop): it may be on any table, so it undoes the name on every one
        self.any_table = {(name, key[2]) for name, key in keyed if key[2] and not key[1]}
        self.tables_dropped = {bare(o.table) for o in downgrade if o.name == "drop_table"}
        self.tables_created = {bare(o.table) for o in downgrade if o.name == "create_table"}
        self.columns_dropped = {bare(o.table) for o in downgrade if o.name == "drop_column"}
        # a Column(..., sa.ForeignKey(...), index=True, unique=True) brings its own
        self.columns_added = {bare(o.table) for o in downgrade if o.name == "add_column"}
        self.constraints_created: dict[str, set[str]] = {}
        for o in downgrade:
            if o.name in _CONSTRAINTS:
                self.constraints_created.setdefault(bare(o.table), set()).add(o.name)

    def removes(self, key: tuple[str, str, str]) -> bool:
        kind, table, name = key
        if table in self.tables_dropped or "drop_table" in self.unknown:
            return True
        if kind == "table":
            return False
        drop = {"column": "drop_column", "index": "drop_index", "constraint": "drop_constraint"}[kind]
        if drop in self.unknown or (drop, table, name) in self.keys:
            return True
        if kind != "column" and (table in self.columns_dropped or (drop, "", name) in self.keys):
            return True  # DROP INDEX names no table, nor does drop_constraint("name") without one
        return (drop, name) in self.any_table or (
            (drop, name) in self.names and (kind == "index" or not table)
        )

    def restores(self, key: tuple[str, str, str], fact: OpFact) -> bool:
        kind, table, name = key
        if table in self.tables_created or "create_table" in self.unknown:
            return True
        if kind == "table":
            return False
        creates = _CREATES[kind]
        if any(c in self.unknown for c in creates) or (kind != "column" and table in self.columns_added):
            return True
        if kind == "index" and any(
            (c, name) in self.names for c in ("create_unique_constraint", "create_primary_key")
        ):
            return (
                True  # PostgreSQL backs a unique or primary key constraint with an index of its name (pkgdb2)
            )
        if kind == "constraint":
            # a constraint of its type re-created on its table under another name (the database's
            # name, `files_ibfk_3`, replaced by a conventional one) restores what the code relies on
            typed = _TYPED.get((fact.option("type_") or "").strip("'\""))  # the keyword's source text
            if any(c in self.constraints_created.get(table, ()) for c in ((typed,) if typed else creates)):
                return True
        return any(
            (c, table, name) in self.keys
            or (c, name) in self.any_table
            or ((c, name) in self.names and (kind == "index" or not table))
            for c in creates
        )


def _key(fact: OpFact) -> tuple[str, str, str]:
    """(kind, bare table, bare lower-case name); a table's name is the table. A name SQL
    reading could not resolve (a placeholder) is no name; a constraint's name is taken without
    the `ck_<table>_` of SQLAlchemy's naming convention, which prefixes the name given to
    create_check_constraint("valid_x", ...) while the drop names ck_<table>_valid_x."""
    kind = _kind(fact.name)
    table = bare(fact.table)
    name = table if kind == "table" else bare(fact.target)
    if computed(fact.target) or computed(fact.table):
        return kind, table, ""
    if kind == "constraint" and table:
        for prefix in _CONVENTION_PREFIXES:
            if name.startswith(f"{prefix}_{table}_"):
                name = name[len(prefix) + len(table) + 2 :]
                break
    return kind, table, name


def _same(key: tuple[str, str, str]) -> tuple[str, str, str]:
    """What identifies the object: an index by its name alone (DROP INDEX names no table;
    PostgreSQL index names are unique in their schema)."""
    return (key[0], "", key[2]) if key[0] == "index" else key


def _renamed_tables(operations: tuple[OpFact, ...]) -> set[str]:
    found = set()
    for o in operations:
        if o.name == "rename_table":
            found |= {bare(o.table), bare(o.option("new_table_name") or "")}
    return found


class _History:
    """What the revisions before one did last to each object its findings name: made or
    dropped (their upgrade() facts, keyed as the findings are), read on the first question."""

    def __init__(self, graph: RevisionGraph | None, memo: RuleMemo | None) -> None:
        self.graph = graph
        self.memo = memo
        # object -> revision -> what its upgrade() did to it last
        self._events: dict[tuple[str, str, str], dict[str, str]] | None = None

    def _touched(self, file: RevisionFile) -> tuple[tuple[str, ...], ...]:
        return summarised(self.memo, "MG504/touched", file, _touched)  # type: ignore[return-value]

    def kept(self, file: RevisionFile, found: Sequence[Diagnostic]) -> Iterator[Diagnostic]:
        rev_id = file.revision_id
        if self.graph is None or not rev_id or rev_id not in self.graph.revisions:
            yield from found
            return
        settled = {
            (int(line), int(column))
            for event, kind, table, name, line, column in self._touched(file)
            if (event == "dropped" or kind in _REPAIRED) and self._last(rev_id, (kind, table, name)) == event
        }
        for diagnostic in found:
            if (diagnostic.span.line, diagnostic.span.column) not in settled:
                yield diagnostic

    def _last(self, rev_id: str, key: tuple[str, str, str]) -> str:
        """What the last revision before `rev_id` to touch the object did to it, or ""."""
        graph = self.graph
        assert graph is not None
        if self._events is None:
            self._events = {}
            for other, record in graph.revisions.items():
                if not _TOUCHING.isdisjoint(record.upgrade_operation_names):
                    for event, kind, table, name, _, _ in self._touched(record):
                        self._events.setdefault((kind, table, name), {})[other] = event  # its last
        events = self._events.get(key, {})
        before = graph.earlier(rev_id, events)
        if not before:
            return ""
        kind, table, _ = key
        if kind in ("column", "constraint") and table:
            # its table made or dropped since: what it holds now is not known (create_table's
            # columns are not read)
            remade = graph.earlier(rev_id, self._events.get(("table", table, table), {}))
            order = graph.topological_order or {}
            if remade and order.get(remade[-1], 0) > order.get(before[-1], 0):
                return ""
        return events[before[-1]]


_TOUCHING = frozenset(_INVERSE) | frozenset(_INVERSE.values())
# what an upgrade() makes again only as a repair: an index or constraint is dropped and made
# again under its name to change its definition, the drop often in a helper of the project's
# that is not read (rucio's try_drop_constraint): made again, it is this revision's
_REPAIRED = frozenset({"column", "table"})


def _touched(file: RevisionFile) -> Iterator[tuple[str, str, str, str, str, str]]:
    """("made" | "dropped", kind, table, name, line, column) of each object upgrade() makes or
    drops, in order, keyed as _same(_key(fact)); at the fact's place (where a finding is)."""
    for fact in file.upgrade_operations:
        if fact.name in _TOUCHING:
            key = _same(_key(fact))
            if key[2]:
                event = "made" if fact.name in _INVERSE else "dropped"
                yield (event, *key, str(fact.span.line), str(fact.span.column))
