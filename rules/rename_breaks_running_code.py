from __future__ import annotations

from collections.abc import Hashable, Iterator

from ..facts.ops import table_key
from ..graph import RevisionGraph
from ..history.deploy import DeployContext, bare, table_of
from ..lazyre import pattern
from ..memo import summarised
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, column_of, literal_option, revision, shown, where


class RenameBreaksRunningCode(DeployRule):
    """
    ## What it does
    Flags `op.rename_table`, `op.alter_column(..., new_column_name=...)` and the
    RENAME statements of raw SQL in upgrade(), unless the table is new (created earlier
    in the revision, or by an undeployed revision), or the column is: upgrade() added it
    earlier under a temporary name (`new_id`, renamed to `id` once the old `id` is
    dropped; the old release never knew `new_id`, and what breaks it there is the drop,
    MG411's; names the code computes count when spelled alike, `f"{column}_tmp"` in a loop
    over columns: tiled) or adds a new column under the old name after the rename (the running
    release's queries still find a column of that name; whether its values mean what
    they did is the recipe's concern, not this rule's), or a view or a table takes the
    table's old name later in the same revision (a view is the bridge the recipe below
    builds, though writes through a view that joins tables still fail; a table is the
    rebuild SQLite projects write - rename to `_tmp`, create under the old name, copy the
    rows, drop `_tmp` - which keeps the name the running release queries), or a table
    renamed and renamed back (pgadmin mends SQLite's foreign keys that way: neither
    rename is reported, the second renames a name the running release never knew), or
    a rebuilt table swapped in (`hosts` to `hosts_old`, then `hosts_new` - a name made of
    the old one and a suffix or prefix - to `hosts`: neither is reported; another table
    renamed to the old name is), or rows inserted under the old name later in upgrade()
    (a helper miglint does not read made the table again). Not `ALTER TABLE <index> RENAME`,
    which PostgreSQL takes for an index too and which no query notices: a name of an index
    as autogenerate and PostgreSQL make them (`ix_...`, `..._idx`, `..._pkey`, or
    `<table>_..._key` of a table the history creates or renames; pybossa).
    Every dialect.

    ## Why is this bad?
    During a deploy the old release keeps running until the new one replaces it; it
    still queries the old name, and every such query fails from the moment the
    migration commits.

    ## Example
    ```python
    op.alter_column("users", "name", new_column_name="full_name")
    ```

    Use instead: expand, then contract. Add the new column (written by both releases,
    or kept in step by a trigger), backfill it, move the code to it, and drop the old
    column in a later release; for a table, a view under the old name bridges the gap.
    """

    reads = frozenset({"rename_table", "alter_column"})

    code = "MG410"
    in_place = False  # see DeployRule.in_place
    name = "rename-breaks-running-code"
    postgres_only = False
    size_bound = False  # the old release breaks whatever the table's size
    valid = (
        Example(
            files={"0001_r1.py": revision("op.create_table('drafts')\nop.rename_table('drafts', 'posts')")},
            note="new-table",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('item', sa.Column('new_id', sa.Uuid()))\n"
                    "op.drop_column('item', 'id')\n"
                    "op.alter_column('item', 'new_id', new_column_name='id')"
                )
            },
            note="column-added-under-a-temporary-name",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    'op.execute("ALTER TABLE lti_launches RENAME TO old_lti_launches")\n'
                    'op.execute("CREATE VIEW lti_launches AS SELECT id, created FROM event")'
                )
            },
            note="a-view-keeps-the-old-name",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.rename_table('journalists', 'journalists_tmp')\n"
                    "op.create_table('journalists', sa.Column('id', sa.Integer(), primary_key=True))\n"
                    'op.execute("INSERT INTO journalists SELECT id FROM journalists_tmp")\n'
                    "op.drop_table('journalists_tmp')"
                )
            },
            note="a-table-rebuilt-under-its-name",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.alter_column('project', 'state', new_column_name='old_state')\n"
                    "op.add_column('project', sa.Column('state', sa.Integer(), nullable=True))"
                )
            },
            note="a-new-column-takes-the-old-name",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "for table, column in (('runs', 'started'), ('runs', 'ended')):\n"
                    "    op.add_column(table, sa.Column(f'{column}_tmp', sa.DateTime(timezone=True)))\n"
                    "    op.drop_column(table, column)\n"
                    "    op.alter_column(table, f'{column}_tmp', new_column_name=column)"
                )
            },
            note="a-temporary-column-swapped-in-under-computed-names",  # tiled d88e91ea03f9
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('ALTER TABLE \"user\" RENAME TO user_old')\n"
                    "op.execute('ALTER TABLE user_old RENAME TO \"user\"')\n"
                    "op.rename_table('server', 'server_old')\n"
                    "op.rename_table('server_old', 'server')"
                )
            },
            note="renamed-and-renamed-back",  # pgadmin f656e56dfdc8
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.rename_table('hosts', 'hosts_old')\nop.rename_table('hosts_new', 'hosts')"
                )
            },
            note="a-rebuilt-table-swapped-in",  # insights-host-inventory 61c1b152246a
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "tmp = 'temp_docs'\n"
                    "op.create_table(tmp, sa.Column('id', sa.Integer()))\n"
                    "op.execute('DROP TABLE docs')\n"
                    "op.execute(f'ALTER TABLE {tmp} RENAME TO docs')\n"
                    "tmp = 'temp_tags'\n"
                    "op.create_table(tmp, sa.Column('id', sa.Integer()))\n"
                    "op.execute('DROP TABLE tags')\n"
                    "op.execute(f'ALTER TABLE {tmp} RENAME TO tags')"
                )
            },
            note="copies-named-by-a-name-bound-twice",  # langflow 1b8b740a6fa3
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('ALTER TABLE network_hx RENAME TO network_hx_old')\n"
                    "create_history_table('network')\n"
                    "op.execute('INSERT INTO network_hx SELECT * FROM network_hx_old')\n"
                    "op.execute('DROP TABLE network_hx_old')"
                )
            },
            note="made-again-by-a-helper-it-does-not-read",  # pycds 33179b5ae85a
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('app', sa.Column('short_name', sa.Text, unique=True))"
                ),
                "0002_r2.py": revision(
                    "op.execute('ALTER TABLE app_short_name_key RENAME TO project_short_name_key')\n"
                    "op.execute('ALTER TABLE ix_app_name RENAME TO ix_app_title')",
                    "r2",
                    "r1",
                ),
            },
            note="alter-table-renames-an-index",  # pybossa
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": revision("op.alter_column('users', 'name', new_column_name='full_name')")},
            flagged=("r1",),
        ),
        Example(
            files={"0001_r1.py": revision("op.rename_table('users', 'accounts')")},
            flagged=("r1",),
            note="table",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.rename_table('users', 'accounts')\n"
                    "op.create_table('users_archive', sa.Column('id', sa.Integer(), primary_key=True))"
                )
            },
            flagged=("r1",),
            note="another-table-does-not-keep-the-name",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.rename_table('workflow_tag', 'workflow_tag_link')\n"
                    "op.rename_table('tag', 'workflow_tag')"
                )
            },
            flagged=("r1", "r1"),
            note="another-table-renamed-to-the-old-name",  # tracecat 5ce891523a7c
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "if op.get_bind().engine.name == 'sqlite':\n"
                    "    op.execute('CREATE TABLE tmp_leases AS SELECT id, tenant_id AS project_id FROM leases')\n"
                    "    op.execute('DROP TABLE leases')\n"
                    "    op.execute('ALTER TABLE tmp_leases RENAME TO leases')\n"
                    "    return\n"
                    "op.alter_column('leases', 'tenant_id', new_column_name='project_id')"
                )
            },
            flagged=("r1",),
            note="a-sqlite-only-rebuild-leaves-the-postgresql-rename",
        ),
        Example(
            files={"0001_r1.py": revision("op.execute('ALTER TABLE api_key RENAME TO api_keys')")},
            flagged=("r1",),
            note="a-table-named-like-a-key",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        # the tables the history makes or renames: `<table>_..._key` is a unique key's index.
        # Kept in the memo: a run after one change reads that file's operations alone.
        self._memo = graph.memo
        self._tables = frozenset(
            table
            for _, file in graph.revisions.items()
            if not file.upgrade_operation_names.isdisjoint(("create_table", "rename_table"))
            for table in summarised(self._memo, "MG410/tables", file, _tables_named)
        )
        yield from super().check_graph(graph)

    def memo_context(self, rev_id: str, file: RevisionFile) -> Hashable:
        if "rename_table" not in file.upgrade_operation_names:
            return ()
        renamed = summarised(self._memo, "MG410/renamed-by-sql", file, _renamed_by_sql)
        return tuple(sorted(name for name in renamed if _an_index(str(name), self._tables)))

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        said = ""
        if operation.name == "rename_table":
            if _name_taken_again(file, operation):
                return  # a view bridges, or the table is rebuilt: the old name still answers
            if operation.via == "sql" and _an_index(
                bare(operation.table), getattr(self, "_tables", frozenset())
            ):
                return  # ALTER TABLE on an index renames the index: no query names it
            table = f"table {operation.table}" if operation.table else where(operation)
            what = f"renames {table} to {operation.option('new_table_name') or 'a new name'}"
            if operation.via == "sql":  # the statement says it all: not "RENAME TABLE t renames table t"
                said = f"ALTER TABLE {operation.table} RENAME TO {operation.option('new_table_name')}"
        elif operation.name == "alter_column" and operation.option("new_column_name") not in (None, "None"):
            if _added(file, operation, after=False):
                return  # a column this upgrade() added: the running release never knew its name
            if _added(file, operation, after=True):
                return  # a new column takes the old name: the running release's queries still find it
            new = literal_option(operation, "new_column_name", "a name computed at run time")
            what = f"renames {'column ' * bool(operation.target)}{column_of(operation)} to {new}"
            if operation.via == "sql":
                said = f"ALTER TABLE {operation.table} RENAME COLUMN {operation.target} TO {new}"
        else:
            return
        yield self.report(
            rev_id,
            file,
            operation,
            f"{said if operation.via == 'sql' else f'{shown(operation)} {what}'}: the release still running"
            " during the deploy uses the old name, "
            "and its queries fail until the new code is out",
            "expand and contract: add the new name beside the old one, move the code, "
            "and drop the old name in a later release",
        )


def _tables_named(file: RevisionFile) -> tuple[str, ...]:
    """The tables upgrade() creates or renames (by their old names)."""
    return tuple(
        bare(o.table)
        for o in file.upgrade_operations
        if o.name in ("create_table", "rename_table") and o.table
    )


def _renamed_by_sql(file: RevisionFile) -> tuple[str, ...]:
    """What upgrade()'s raw `ALTER TABLE ... RENAME` statements rename."""
    return tuple(
        bare(o.table) for o in file.upgrade_operations if o.name == "rename_table" and o.via == "sql"
    )


def _an_index(name: str, tables: frozenset[str]) -> bool:
    """Whether the name `ALTER TABLE <name> RENAME` renames is an index's (PostgreSQL takes
    ALTER TABLE for an index too: pybossa renames `app_short_name_key`), which no query
    names: by the names autogenerate and PostgreSQL give indexes (`ix_...`, `..._idx`,
    `<table>_pkey`), or `<table>_..._key` for a table the history makes or renames (a unique key's)."""
    if name.startswith(("ix_", "idx_")) or name.endswith(("_idx", "_pkey")):
        return True
    return name.endswith("_key") and any(name.startswith(f"{table}_") for table in tables)


def _added(file: RevisionFile, rename: OpFact, after: bool) -> bool:
    """Whether upgrade() adds a column under the renamed one's name before the rename (a
    new column under a temporary name, given the old one's name once the old one is
    dropped) or, `after`, after it (funnel's `state` -> `old_state`, then a new `state`:
    queries of the name still run)."""
    target = _column_named(rename)
    if not target:
        return False  # a computed name: which column it is is not known
    where = (table_of(rename), target)
    at = (rename.span.line, rename.span.column)
    return any(
        o.name == "add_column"
        and (table_of(o), _column_named(o)) == where
        and ((o.span.line, o.span.column) > at if after else (o.span.line, o.span.column) < at)
        for o in file.upgrade_operations
    )


def _column_named(operation: OpFact) -> str:
    """The operation's column, lower-case; one the code names (`f"{column}_tmp"` in a loop
    over columns: tiled), by one spelling of its expression (facts/ops.py table_key)."""
    return operation.target.lower() or table_key(operation.option("name_as_written") or "")


def _name_taken_again(file: RevisionFile, rename: OpFact) -> bool:
    """Whether upgrade() creates a view (hypothesis/lms) or, after the rename, a table
    (securedrop's rebuilds) under the renamed table's old name, or renames a table back to
    it; or whether the renamed table got its name earlier in upgrade() (pgadmin: `user` to
    `user_old` and back, to mend SQLite's foreign keys): the running release never knew
    that name."""
    old = bare(rename.table)
    if not old:
        return False
    new = bare(rename.option("new_table_name") or "")
    at = (rename.span.line, rename.span.column)
    return any(
        s.entry == "upgrade"
        and bare(s.target) == old
        and (
            s.kind == "CREATE VIEW"
            # rows written to the old name after the rename: something miglint does not read
            # made it again (pycds: a helper of its migration tree creates the history table)
            or (s.kind == "INSERT" and (s.span.line, s.span.column) > at)
        )
        for s in file.sql
    ) or any(
        (after and o.name == "create_table" and bare(o.table) == old)
        or (
            o.name == "rename_table"
            and bare(o.option("new_table_name") or "") == old
            # renamed back (another table renamed to the old name is no bridge: tracecat's
            # `tag` to `workflow_tag` leaves the join table's queries failing), or named so
            # earlier in upgrade(), or a replacement built under the old name and a suffix
            # renamed into it (host-inventory's `hosts_new` to `hosts`, after `hosts` to
            # `hosts_old`: the swap of a rebuilt table)
            and (
                (after and (bare(o.table) == new or _replacement(old, bare(o.table))))
                or (o.span.line, o.span.column) < at
            )
        )
        or (
            # this rename is that swap's second half: its table is the replacement, and
            # the name it takes was renamed away earlier in upgrade()
            not after and o.name == "rename_table" and bare(o.table) == new and _replacement(new, old)
        )
        for o in file.upgrade_operations
        for after in ((o.span.line, o.span.column) > at,)
    )


def _replacement(name: str, other: str) -> bool:
    """Whether `other` is named as a copy built to replace `name`: `hosts_new`, `hosts_tmp`,
    `new_hosts`, `hosts_partitioned`, `hosts_v2`. Not any name that starts with it: Mycodo
    renames `dashboard` to `widget` and `dashboard_layout` to `dashboard`, another table."""
    if other.startswith(name + "_"):
        return _COPY_SUFFIX.fullmatch(other[len(name) + 1 :]) is not None
    if other.endswith("_" + name):
        return other[: -len(name) - 1] in ("new", "tmp", "temp")
    return False


_COPY_SUFFIX = pattern(r"new|tmp|temp|copy|next|partitioned|rebuilt|migrated|v\d+")
