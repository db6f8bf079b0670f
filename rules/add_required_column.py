from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext, bare
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import ERROR, Example
from ._deploy_rule import DeployRule, column_of, is_true, revision, shown


class AddRequiredColumn(DeployRule):
    """
    ## What it does
    Flags `op.add_column` / `batch_op.add_column` / `ADD COLUMN` of a NOT NULL column
    (`nullable=False`) without a `server_default`, on an existing table. An identity,
    sequence or computed column fills every row and is not flagged. A client-side
    `default=` does not count: the database never sees it. Not flagged after a
    `TRUNCATE` of the table or a `DELETE FROM` it without WHERE earlier in upgrade()
    (open-event-server empties `notifications` first), also under the name it had before
    a rename in between (airflow empties `callback_request`, then renames it
    `callback`): the table has no rows then. Nor in `batch_alter_table(...,
    recreate="always")` with a client-side `default=`: Alembic copies the table with
    INSERT ... SELECT, which fills the new column of every row with it (cloudkitty). (A row
    another session inserts between the DELETE and the ALTER would still fail it; on a
    table written while the deploy runs, TRUNCATE, which locks it, is the safe form.)
    PostgreSQL only.

    ## Why is this bad?
    The existing rows have no value for the column: on a table with rows PostgreSQL
    refuses the statement ("column contains null values") and the deploy fails, though
    it passed on the empty tables of development and CI.

    ## Example
    ```python
    op.add_column("users", sa.Column("plan", sa.String(), nullable=False))
    ```

    Use instead:
    ```python
    op.add_column("users", sa.Column("plan", sa.String(), nullable=False, server_default="free"))
    ```
    or add it nullable, backfill it, and set NOT NULL in a later revision.
    """

    reads = frozenset({"add_column"})

    code = "MG404"
    in_place = False  # see DeployRule.in_place
    name = "add-required-column"
    severity = ERROR
    size_bound = False  # one row is enough to fail
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('users', sa.Column('plan', sa.String(), nullable=False, server_default='free'))"
                )
            }
        ),
        Example(files={"0001_r1.py": revision("op.add_column('users', sa.Column('plan', sa.String()))")}),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('delete from notifications')\n"
                    "op.execute('TRUNCATE audit, users')\n"
                    "op.add_column('notifications', sa.Column('content_id', sa.Integer(), nullable=False))\n"
                    "op.add_column('users', sa.Column('plan', sa.String(), nullable=False))"
                )
            },
            note="emptied-first",  # open-event-server a02007782ba2
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('DELETE FROM callback_request')\n"
                    "op.rename_table('callback_request', 'callback')\n"
                    "op.add_column('callback', sa.Column('kind', sa.String(20), nullable=False))"
                )
            },
            note="emptied-then-renamed",  # airflow 0093
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('s', recreate='always') as batch_op:\n"
                    "    batch_op.add_column(sa.Column('active', sa.Boolean, nullable=False, default=True))"
                )
            },
            note="batch-recreate-always-with-a-default",  # cloudkitty 4d69395f
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('users', sa.Column('plan', sa.String(), nullable=False))"
                )
            },
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('DELETE FROM users WHERE active = false')\n"
                    "op.execute('TRUNCATE audit')\n"
                    "op.add_column('users', sa.Column('plan', sa.String(), nullable=False))"
                )
            },
            flagged=("r1",),
            note="rows-left-by-a-delete-with-where",
        ),
        Example(
            files={"0001_r1.py": revision('op.execute("ALTER TABLE users ADD COLUMN plan text NOT NULL")')},
            flagged=("r1",),
            note="raw-sql",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('DELETE FROM callback_request')\n"
                    "op.rename_table('callback', 'callback_old')\n"
                    "op.rename_table('callback_request', 'callback_new')\n"
                    "op.add_column('callback_old', sa.Column('kind', sa.String(20), nullable=False))"
                )
            },
            flagged=("r1",),
            note="another-table-renamed",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('s') as batch_op:\n"
                    "    batch_op.add_column(sa.Column('active', sa.Boolean, nullable=False, default=True))"
                )
            },
            flagged=("r1",),
            note="batch-altered-in-place-with-a-client-default",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if (
            operation.name != "add_column"
            or operation.option("nullable") != "False"
            or operation.option("server_default") not in (None, "None")
            or is_true(operation.option("generated"))
        ):
            return
        if "recreate_always" in operation.blocks and operation.option("client_default") == "True":
            return  # copied into a new table, INSERT ... SELECT: the default fills every row (cloudkitty)
        if _emptied_before(file, operation):
            return  # TRUNCATE / DELETE FROM the table without WHERE earlier in upgrade(): no row to fail on
        column = column_of(operation)
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} adds {column} NOT NULL without a server_default: on a table with rows "
            "PostgreSQL refuses it (column contains null values) and the deploy fails",
            "give it a server_default, or add it nullable, backfill it, and set NOT NULL in a later revision",
        )


def _emptied_before(file: RevisionFile, operation: OpFact) -> bool:
    """Whether upgrade() truncates the table, or deletes all its rows, before the call: under
    its name, or under the name it had before a rename that came after (airflow 0093:
    `DELETE FROM callback_request`, then rename_table to `callback`)."""
    at = (operation.span.line, operation.span.column)
    names = {bare(operation.table)}
    earlier = [o for o in file.upgrade_operations if (o.span.line, o.span.column) < at]
    for o in reversed(earlier):  # the names the table had, from the call back to the top
        if o.name == "empty_table" and bare(o.table) in names:
            return True
        if o.name == "rename_table" and bare(o.option("new_table_name") or "") in names:
            names.add(bare(o.table))
        elif o.name in ("create_table", "drop_table") and bare(o.table) in names:
            return False  # made or dropped under that name: its rows are not those deleted earlier
    return False
