from __future__ import annotations

import re
from collections.abc import Hashable, Iterator

from ..graph import RevisionGraph
from ..history.deploy import DeployContext, bare
from ..lazyre import pattern
from ..memo import summarised
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import KEYED_TABLE, DeployRule, column_of, literal_option, renamed_from, revision, shown

_NOT_NULL_CHECK = pattern(r"[\"`]?(\w+)[\"`]?\s+IS\s+NOT\s+NULL", re.I)


class SetNotNull(DeployRule):
    """
    ## What it does
    Flags `op.alter_column(..., nullable=False)` and `ALTER COLUMN ... SET NOT NULL` on
    an existing table, unless some revision adds a `CHECK (column IS NOT NULL)`
    constraint on that table (the safe recipe's first steps: PostgreSQL 12+ then skips
    the scan). PostgreSQL only.

    Not flagged either when the column is already NOT NULL, as PostgreSQL then checks
    nothing: `existing_nullable=False`, or a column that an `op` call of an earlier
    revision (an ancestor) created `nullable=False` (`create_table`, `add_column`, also in
    a `batch_alter_table`) or made part of a primary key (`primary_key=True`,
    `PrimaryKeyConstraint`, `op.create_primary_key`; dropping the key leaves the column NOT
    NULL) or set NOT NULL (`alter_column(nullable=False)`), when no revision that may run
    between them (not one before that revision, nor a descendant of the one reported)
    makes it nullable or may have made it anew under its name (a rename from or to it, a
    drop, an `add_column` without `nullable=False`; a call
    that sets NOT NULL and renames the column asks of it before the rename, as Alembic
    emits them), also under the name its table had before an `op.rename_table` earlier in
    the same upgrade(); what a
    downgrade() does is undone by the upgrade() a later revision needs (autogenerate's
    downgrade drops every column its upgrade added). Autogenerate writes `nullable=False`
    again on such a column whose type it changes.

    ## Why is this bad?
    SET NOT NULL scans the whole table to prove no row is NULL, holding an ACCESS
    EXCLUSIVE lock that blocks every read and write for the length of the scan.

    ## Example
    ```python
    op.alter_column("users", "email", nullable=False)
    ```

    Use instead, over two revisions:
    ```python
    op.create_check_constraint("users_email_not_null", "users", "email IS NOT NULL", postgresql_not_valid=True)
    # next revision:
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null")
    op.alter_column("users", "email", nullable=False)  # no scan on PostgreSQL 12+
    op.drop_constraint("users_email_not_null", "users")
    ```
    """

    reads = frozenset({"alter_column"})

    code = "MG406"
    name = "set-not-null"
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_check_constraint('ck', 'users', 'email IS NOT NULL', postgresql_not_valid=True)"
                ),
                "0002_r2.py": revision(
                    "op.execute('ALTER TABLE users VALIDATE CONSTRAINT ck')\n"
                    "op.alter_column('users', 'email', nullable=False)",
                    "r2",
                    "r1",
                ),
            }
        ),
        Example(files={"0001_r1.py": revision("op.alter_column('users', 'email', nullable=True)")}),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))"
                ),
                "0002_r2.py": revision(
                    "op.alter_column('users', 'id', type_=sa.BigInteger(), nullable=False)", "r2", "r1"
                ),
            },
            note="primary-key-column",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('domain', sa.Column('max_quota_bytes', sa.BigInteger(), nullable=False,"
                    " server_default='0'))"
                )
                + "\n\ndef downgrade():\n    op.drop_column('domain', 'max_quota_bytes')\n",
                "0002_r2.py": revision(
                    "op.alter_column('domain', 'max_quota_bytes', existing_type=sa.BigInteger(), nullable=False)",
                    "r2",
                    "r1",
                ),
            },
            note="added-not-null-and-dropped-by-the-downgrade",  # Mailu: autogenerate's downgrade
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('user') as batch:\n"
                    "    batch.add_column(sa.Column('quota_bytes_used', sa.Integer(), nullable=False,"
                    " server_default='0'))"
                ),
                "0002_r2.py": revision(
                    "with op.batch_alter_table('user') as batch:\n"
                    "    batch.alter_column('quota_bytes_used', type_=sa.BigInteger(), nullable=False)",
                    "r2",
                    "r1",
                ),
            },
            note="added-not-null-in-a-batch",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('dag_bundle_team', sa.Column('team_id', sa.String(50), nullable=False),\n"
                    "    sa.PrimaryKeyConstraint('team_id'))"
                ),
                "0002_r2.py": revision(
                    "op.alter_column('dag_bundle_team', 'team_id', new_column_name='team_name', nullable=False)",
                    "r2",
                    "r1",
                ),
            },
            note="not-null-already-renamed-in-the-same-call",  # airflow 0096
        ),
        Example(
            files={
                "0001_r1.py": KEYED_TABLE,
                "0002_r2.py": revision(
                    "op.rename_table('tdr', 'tar')\n"
                    "with op.batch_alter_table('tar') as batch_op:\n"
                    "    batch_op.alter_column('dataset_id', nullable=False)",
                    "r2",
                    "r1",
                ),
            },
            note="not-null-under-the-table-s-old-name",  # airflow 0041
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('resource', sa.Column('type', sa.String(255), nullable=False),\n"
                    "    sa.Column('id', sa.Integer(), primary_key=True))"
                ),
                "0002_r2.py": revision("op.alter_column('resource', 'type', nullable=False)", "r2", "r1"),
                "0003_r3.py": revision(
                    "op.alter_column('resource', 'type', new_column_name='old_type')\n"
                    "op.add_column('resource', sa.Column('type', sa.String(255), nullable=True))",
                    "r3",
                    "r2",
                ),
            },
            note="a-descendant-re-makes-the-column",  # gnocchi 9901e5ea4b6e
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": revision("op.alter_column('users', 'email', nullable=False)")},
            flagged=("r1",),
        ),
        Example(
            files={"0001_r1.py": revision('op.execute("ALTER TABLE users ALTER COLUMN email SET NOT NULL")')},
            flagged=("r1",),
            note="raw-sql",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('users', sa.Column('id', sa.Integer()), sa.PrimaryKeyConstraint('id'))"
                ),
                "0002_r2.py": revision(
                    "op.drop_constraint('users_pkey', 'users')\nop.alter_column('users', 'id', nullable=True)",
                    "r2",
                    "r1",
                ),
                "0003_r3.py": revision("op.alter_column('users', 'id', nullable=False)", "r3", "r2"),
            },
            flagged=("r3",),
            note="primary-key-made-nullable",
        ),
        Example(
            files={
                "0001_r1.py": revision("op.alter_column('users', 'id', nullable=False)"),
                "0002_r2.py": revision("op.create_primary_key('users_pkey', 'users', ['id'])", "r2", "r1"),
            },
            flagged=("r1",),  # the key comes after (pypi/warehouse release_classifiers)
            note="primary-key-made-later",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('jus', sa.Column('id', sa.Integer(), nullable=False),\n"
                    "    sa.PrimaryKeyConstraint('id'))"
                ),
                "0002_r2.py": revision(
                    "op.rename_table('jus', 'steps')\n"
                    "op.execute('ALTER TABLE steps RENAME COLUMN id TO old_id')\n"
                    "op.add_column('steps', sa.Column('id', sa.String(), nullable=True))\n"
                    "op.alter_column('steps', 'id', nullable=False)",
                    "r2",
                    "r1",
                ),
            },
            flagged=("r2",),
            note="a-new-column-under-the-old-name-after-a-table-rename",  # letta 416b9d2db10b
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('t', sa.Column('c', sa.Integer()), sa.Column('d', sa.Integer()))"
                ),
                "0002_r2.py": revision("op.alter_column('t', 'c', nullable=False)", "r2", "r1"),
                "0003_r3.py": revision(
                    "op.alter_column('t', 'c', nullable=False)\nop.alter_column('t', 'd', nullable=False)",
                    "r3",
                    "r2",
                ),
            },
            flagged=("r2", "r3"),  # r3's `c` is NOT NULL since r2 (gnocchi 34c517bcc2dd); its `d` is not
            note="set-not-null-again-after-an-earlier-revision",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('t', sa.Column('a', sa.Integer()), sa.Column('b', sa.Integer()))"
                ),
                "0002_r2.py": revision(
                    "op.alter_column('t', 'a', new_column_name='x', existing_nullable=False)\n"
                    "op.alter_column('t', 'b', new_column_name='y')",
                    "r2",
                    "r1",
                ),
                "0003_r3.py": revision(
                    "op.alter_column('t', 'x', type_=sa.BigInteger(), nullable=False)", "r3", "r2"
                ),
                "0004_r4.py": revision(
                    "op.alter_column('t', 'y', type_=sa.BigInteger(), nullable=False)", "r4", "r3"
                ),
            },
            flagged=("r4",),  # the rename says `x` is NOT NULL; of `y` nothing is known
            note="renamed-with-existing-nullable-false",  # group-based-policy cb5b16acbeb0
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        memo = graph.memo
        revisions = graph.revisions.items()
        checked: set[tuple[str, ...]] = set()  # (table, column) a NOT NULL check covers
        altered: set[tuple[str, ...]] = set()  # (table, column) some upgrade() sets NOT NULL
        for _, file in revisions:
            if "create_check_constraint" in file.operation_names:
                checked.update(summarised(memo, "MG406/checks", file, _not_null_checks))
            if "alter_column" in file.upgrade_operation_names:
                altered.update(summarised(memo, "MG406/altered", file, _altered_columns))
        # columns made NOT NULL by an ancestor: asked only of the columns set NOT NULL later
        keyed: dict[tuple[str, str], list[str]] = {}  # (table, column) -> revisions making it so
        for rev_id, file in revisions:
            made = [(bare(table), column.lower()) for table, column in (*file.op_primary, *file.op_not_null)]
            if "alter_column" in file.upgrade_operation_names:  # an earlier SET NOT NULL (gnocchi)
                made += summarised(memo, "MG406/set", file, _set_not_null)
            for pair in made:
                if pair in altered:
                    keyed.setdefault(pair, []).append(rev_id)
        nullable: dict[tuple[str, ...], list[str]] = {}  # made nullable (or anew) -> by which revisions
        if keyed:
            for rev_id, file in revisions:
                if not _CHANGING.isdisjoint(file.upgrade_operation_names):
                    for pair in summarised(memo, "MG406/nullable", file, _made_nullable):
                        nullable.setdefault(pair, []).append(rev_id)
        self._checked = checked
        self._keyed = keyed
        self._nullable = nullable
        self._graph = graph
        self._memo = memo
        yield from super().check_graph(graph)

    def _not_null_before(self, rev_id: str, pair: tuple[str, str]) -> bool:
        """Whether a revision before `rev_id` made the column NOT NULL (created so, part of a
        primary key - dropping the key leaves it so - or set so), and no revision that may
        run between them makes it nullable or anew: only one before that maker, or after
        `rev_id` (gnocchi renames and re-adds the column in a descendant), is left aside."""
        graph = self._graph
        for maker in self._keyed.get(pair, ()):
            if not graph.is_ancestor(maker, rev_id):
                continue
            if all(
                other not in (maker, rev_id)
                and (graph.is_ancestor(rev_id, other) or graph.is_ancestor(other, maker))
                for other in self._nullable.get(pair, ())
            ):
                return True
        return False

    def memo_context(self, rev_id: str, file: RevisionFile) -> Hashable:
        # the NOT NULL checks and earlier primary keys of the history on this revision's columns
        if not self._checked and not self._keyed:
            return frozenset()  # most histories: the revision's operations are not even read
        altered = summarised(self._memo, "MG406/altered", file, _altered_columns)
        return frozenset(
            pair for pair in altered if pair in self._checked or self._not_null_before(rev_id, pair)
        )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name != "alter_column" or operation.option("nullable") != "False":
            return
        if operation.option("existing_nullable") == "False":
            return  # already NOT NULL: PostgreSQL has nothing to check
        column = operation.target.lower()
        for table in (bare(operation.table), *renamed_from(file, operation)):  # its names, latest first
            pair = (table, column)
            if pair in self._checked or self._not_null_before(rev_id, pair):
                return
        column = column_of(operation)
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} sets {column} NOT NULL: PostgreSQL scans the whole table under an "
            "ACCESS EXCLUSIVE lock that blocks every read and write",
            "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later revision, "
            "then SET NOT NULL (no scan on PostgreSQL 12+) and drop the check",
        )


def _not_null_checks(file: RevisionFile) -> tuple[tuple[str, str], ...]:
    """(table, column) of each column a CHECK (column IS NOT NULL) of upgrade() covers."""
    return tuple(
        (bare(o.table), column.lower())
        for o in file.upgrade_operations
        if o.name == "create_check_constraint"
        for column in _NOT_NULL_CHECK.findall(o.option("condition") or "")
    )


_CHANGING = frozenset({"alter_column", "add_column", "drop_column"})


def _made_nullable(file: RevisionFile) -> tuple[tuple[str, str], ...]:
    """(table, column) of each column upgrade() makes nullable, or may have made anew under
    the same name: renamed from or to it, dropped, or added without `nullable=False`
    (warehouse drops `caveats` by a rename, then adds a nullable one). Not downgrade()'s:
    what it does is undone by the upgrade() a later revision needs (autogenerate's
    downgrade drops every column its upgrade added: Mailu's quota columns)."""
    found = []
    for o in file.upgrade_operations:
        table, column = bare(o.table), o.target.lower()
        if o.name == "alter_column":
            if o.option("nullable") == "True":
                found.append((table, column))
            renamed = literal_option(o, "new_column_name", "").lower()
            if renamed:
                # the new name holds this column, NOT NULL when the call says so (Alembic sets
                # NOT NULL before it renames, and a call doing both asks of the column as it
                # was: airflow 0096; or `existing_nullable=False`), else what it was is not
                # known; the old name is gone (but for the call that asks of it)
                if o.option("nullable") != "False":
                    found.append((table, column))
                if not _stays_not_null(o):
                    found.append((table, renamed))
        elif o.name == "drop_column" or (o.name == "add_column" and o.option("nullable") != "False"):
            found.append((table, column))
    return tuple(found)


def _set_not_null(file: RevisionFile) -> tuple[tuple[str, str], ...]:
    """(table, column) of each column upgrade() sets NOT NULL, by the name it has there, and
    by the name a rename gives a column the call says is NOT NULL (`existing_nullable=False`)."""
    found = []
    for o in file.upgrade_operations:
        if o.name != "alter_column" or not o.target:
            continue
        if o.option("nullable") == "False":
            found.append((bare(o.table), o.target.lower()))
        renamed = literal_option(o, "new_column_name", "").lower()
        if renamed and _stays_not_null(o):
            found.append((bare(o.table), renamed))
    return tuple(found)


def _stays_not_null(operation: OpFact) -> bool:
    """Whether the column is NOT NULL after the call, by its own word."""
    return operation.option("nullable") == "False" or (
        operation.option("existing_nullable") == "False" and operation.option("nullable") != "True"
    )


def _altered_columns(file: RevisionFile) -> tuple[tuple[str, str], ...]:
    """(table, column) of each column upgrade() sets NOT NULL: all check_operation reports,
    also under the names its table had before a rename earlier in upgrade()."""
    return tuple(
        (table, o.target.lower())
        for o in file.upgrade_operations
        if o.name == "alter_column" and o.option("nullable") == "False"
        for table in (bare(o.table), *renamed_from(file, o))
    )
