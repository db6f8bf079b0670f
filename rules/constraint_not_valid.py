from __future__ import annotations

from collections.abc import Iterator

from ..history.deploy import DeployContext, bare
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, is_true, revision, shown, where


class ConstraintNotValid(DeployRule):
    """
    ## What it does
    Flags `op.create_foreign_key` / `op.create_check_constraint` (and `ADD CONSTRAINT
    ... FOREIGN KEY / CHECK` in raw SQL) on an existing table without
    `postgresql_not_valid=True` / `NOT VALID`. PostgreSQL only.

    Also `op.add_column` (and `batch_op.add_column`) of a Column given a `ForeignKey(...)`
    (`sa.ForeignKey`, `ForeignKey` imported by name, `sa.schema.ForeignKey`; named or not):
    Alembic adds the column, then the key by a statement of its own, `ALTER TABLE orders
    ADD FOREIGN KEY(customer_id) REFERENCES customers (id)`, which checks every row like
    `create_foreign_key` does: the new column holds NULL in every row, and PostgreSQL
    still reads the whole table to find that out. In the revision's transaction that
    check runs under the ACCESS EXCLUSIVE lock the ADD COLUMN took, so reads of the
    table wait too. A
    `ForeignKey(..., postgresql_not_valid=True)` is added NOT VALID and is not reported.
    Inside `batch_alter_table` the same two statements run on PostgreSQL (the default
    `recreate="auto"` rebuilds the table only on SQLite, where no PostgreSQL rule looks).
    The one-statement SQL `ALTER TABLE orders ADD COLUMN customer_id integer REFERENCES
    customers (id)`, without a DEFAULT, is not reported: PostgreSQL marks that key valid
    without a scan, every row holding NULL. With a DEFAULT (even `DEFAULT NULL`), a
    serial type or a generated value it checks every row, and is reported (both checked
    on PostgreSQL 15).

    Also a `VALIDATE CONSTRAINT` that runs in the transaction whose ADD CONSTRAINT ... NOT
    VALID made the constraint (same revision, no COMMIT or `autocommit_block()` between, env.py
    not committing each statement): the ADD's locks are held to the end of the transaction,
    so the scan runs under them after all.

    ## Why is this bad?
    Adding the constraint checks every existing row while holding the lock: SHARE ROW
    EXCLUSIVE on both tables for a foreign key, ACCESS EXCLUSIVE for a check. Writes
    (and, for a check, reads) wait for the whole scan. NOT VALID adds it at once
    (new rows are checked), and `VALIDATE CONSTRAINT` later scans under a lock that
    blocks neither reads nor writes.

    ## Example
    ```python
    op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"])
    op.add_column("orders", sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id")))
    ```

    Use instead:
    ```python
    op.create_foreign_key("orders_user_fk", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)
    op.add_column("orders", sa.Column("customer_id", sa.Integer()))
    op.create_foreign_key(
        "orders_customer_fk", "orders", "customers", ["customer_id"], ["id"], postgresql_not_valid=True
    )
    # next revision:
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk")
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk")
    ```
    """

    reads = frozenset({"create_foreign_key", "create_check_constraint", "add_column", "validate_constraint"})

    code = "MG408"
    name = "constraint-not-valid"
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key('fk_u', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)"
                ),
                "0002_r2.py": revision(
                    "op.execute('ALTER TABLE orders VALIDATE CONSTRAINT fk_u')", "r2", "r1"
                ),
            },
            note="validated-in-a-later-revision",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key('fk_u', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)\n"
                    "with op.get_context().autocommit_block():\n"
                    "    op.execute('ALTER TABLE orders VALIDATE CONSTRAINT fk_u')"
                )
            },
            note="validated-after-the-add-committed",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)\n"
                    "op.execute('ALTER TABLE orders ADD CONSTRAINT ck CHECK (total >= 0) NOT VALID')"
                )
            }
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True))\n"
                    "op.add_column('orders', sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id')))\n"
                    "op.add_column('invoices', sa.Column('total', sa.Integer(), nullable=True))\n"
                    "op.add_column('invoices', sa.Column('order_id', sa.Integer(),\n"
                    "    sa.ForeignKey('orders.id', name='fk_invoices_order', postgresql_not_valid=True)))"
                )
            },
            note="add-column-new-table-or-not-valid",
        ),
        Example(
            files={
                "0001_r1.py": revision("op.create_table('customers')"),
                "0002_r2.py": revision("op.create_table('orders')", rev="r2", down="r1"),
                "0003_r3.py": revision(
                    "op.add_column('orders', sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id')))",
                    rev="r3",
                    down="r2",
                ),
            },
            project_files={"pyproject.toml": '[tool.miglint]\ndeployed = "r1"\n'},
            note="add-column-table-of-an-undeployed-revision",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('orders') as batch_op:\n"
                    "    batch_op.add_column(sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id')))"
                )
            },
            project_files={"pyproject.toml": '[tool.miglint]\ndialect = "sqlite"\n'},
            note="batch-add-column-on-sqlite",
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key('fk_u', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)\n"
                    "op.execute('ALTER TABLE orders VALIDATE CONSTRAINT fk_u')"
                )
            },
            flagged=("r1",),
            note="validated-in-the-transaction-that-added-it",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.execute('ALTER TABLE t ADD CONSTRAINT ck_a CHECK (a > 0) NOT VALID')\n"
                    "op.execute('ALTER TABLE t VALIDATE CONSTRAINT ck_a')"
                )
            },
            flagged=("r1",),
            note="raw-sql-check-validated-in-the-same-transaction",
        ),
        Example(
            files={
                "0001_r1.py": revision("op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'])")
            },
            flagged=("r1",),
        ),
        Example(
            files={"0001_r1.py": revision("op.create_check_constraint('ck', 'orders', 'total >= 0')")},
            flagged=("r1",),
            note="check",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('orders', sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id'), nullable=True))"
                )
            },
            flagged=("r1",),
            note="add-column-foreign-key",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('orders') as batch_op:\n"
                    "    batch_op.add_column(sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id')))"
                )
            },
            flagged=("r1",),
            note="batch-add-column-on-postgresql",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        if operation.name == "add_column":
            yield from self._column_foreign_key(rev_id, file, operation, context)
            return
        if operation.name == "validate_constraint":
            yield from self._validated_where_added(rev_id, file, operation, context)
            return
        if operation.name not in ("create_foreign_key", "create_check_constraint"):
            return
        if is_true(operation.option("postgresql_not_valid")):
            return
        if operation.name != "create_foreign_key":
            lock = "an ACCESS EXCLUSIVE lock: reads and writes wait"
        elif self.held_exclusively(file, operation, context):
            # autogenerate's add_column then create_foreign_key: the scan runs under the ACCESS
            # EXCLUSIVE lock the ADD COLUMN (or another statement) took in the same transaction
            lock = (
                "the ACCESS EXCLUSIVE lock an earlier statement of the revision took on it, and SHARE ROW"
                " EXCLUSIVE on the referenced table: reads and writes of it, and writes of the other, wait"
            )
        else:
            lock = "SHARE ROW EXCLUSIVE locks on it and the referenced table: writes wait"
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} checks every row of {where(operation)} under {lock} for the whole scan",
            "add it with postgresql_not_valid=True (NOT VALID), then VALIDATE CONSTRAINT in a later revision",
        )

    def _column_foreign_key(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        """`add_column` of a Column given a `ForeignKey(...)` (facts/ops.py): Alembic adds the
        key by a statement of its own after the column, which checks every row."""
        referenced = operation.option("foreign_key")
        if referenced is None:
            return
        # "customers.id" -> customers; SQL's `REFERENCES jobs` names no column: "jobs."
        referent = referenced.rpartition(".")[0] or "the referenced table"
        table = where(operation)
        # a key to its own table (a parent message, a replacement step) locks that table alone
        same = bool(operation.table) and bare(referent) == bare(operation.table)
        if operation.via == "sql":  # `ADD COLUMN ... DEFAULT ... REFERENCES`: one statement, one lock
            yield from self._inline_reference(rev_id, file, operation, referenced, referent, same)
            return
        if context.autocommit or "autocommit_block" in operation.blocks:
            # ADD COLUMN committed on its own: the key's statement takes SHARE ROW EXCLUSIVE alone
            on = (
                "a SHARE ROW EXCLUSIVE lock on it"
                if same
                else f"SHARE ROW EXCLUSIVE locks on it and {referent}"
            )
            lock = f"{on}: writes wait"
        elif same:
            lock = f"the ACCESS EXCLUSIVE lock ADD COLUMN took: reads and writes of {table} wait"
        else:
            # the ACCESS EXCLUSIVE lock ADD COLUMN took is held until the transaction commits
            lock = (
                f"the ACCESS EXCLUSIVE lock ADD COLUMN took and SHARE ROW EXCLUSIVE on {referent}:"
                f" reads and writes of {table}, and writes of {referent}, wait"
            )
        key = f"a foreign key to {referenced.rstrip('.')}" if referenced else "a foreign key"
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} adds {key} in a statement of its own after the column, which checks"
            f" every row of {table} under {lock} for the whole scan",
            f"add the column without the ForeignKey, then {_recipe(operation, referenced)},"
            " then VALIDATE CONSTRAINT in a later revision",
        )

    def _validated_where_added(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        """A VALIDATE CONSTRAINT in the transaction whose ADD CONSTRAINT ... NOT VALID made the
        constraint (honcho): the ADD's locks are held through the scan, and NOT VALID bought nothing."""
        if context.autocommit or "autocommit_block" in operation.blocks or not operation.target:
            return
        added = None
        for earlier in file.upgrade_operations:
            if earlier is operation:
                break
            if earlier.name == "commit" or "autocommit_block" in earlier.blocks:
                added = None  # committed: its locks are gone
            elif (
                earlier.name in ("create_foreign_key", "create_check_constraint")
                and is_true(earlier.option("postgresql_not_valid"))
                and earlier.target == operation.target
                and bare(earlier.table) == bare(operation.table)
                and "other_dialect" not in earlier.blocks
            ):
                added = earlier
        if added is None:
            return
        if added.name == "create_foreign_key":
            lock = "the SHARE ROW EXCLUSIVE locks it took on the table and the referenced one: writes of both wait"
        else:
            lock = "the ACCESS EXCLUSIVE lock it took: reads and writes wait"
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} on {where(operation)} runs in the transaction whose {shown(added)}"
            f" (line {added.span.line}) added it NOT VALID, so the scan runs under {lock} for all of it",
            "VALIDATE CONSTRAINT in a later revision (or inside op.get_context().autocommit_block(), after"
            " the ADD has committed)",
        )

    def _inline_reference(
        self, rev_id: str, file: RevisionFile, operation: OpFact, referenced: str, referent: str, same: bool
    ) -> Iterator[Diagnostic]:
        """SQL's `ADD COLUMN ... DEFAULT ... REFERENCES` (sql/ops.py): without the DEFAULT,
        PostgreSQL would add the key valid without a scan; with it, every row is checked."""
        table = where(operation)
        others = "" if same else f" and SHARE ROW EXCLUSIVE on {referent}"
        waiting = f"reads and writes of {table}" + ("" if same else f", and writes of {referent},")
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} adds a foreign key to {referenced.rstrip('.')} on a column its DEFAULT fills,"
            f" which checks every row of {table} under ACCESS EXCLUSIVE{others}: {waiting} wait for the whole scan",
            "add the key in an ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID of its own, then VALIDATE"
            " CONSTRAINT in a later revision (without a DEFAULT, ADD COLUMN ... REFERENCES is added valid"
            " without a scan)",
        )


def _recipe(operation: OpFact, referenced: str) -> str:
    """The create_foreign_key call that adds the column's key NOT VALID, with the names the
    revision gives: the key's own name when it has one (VALIDATE CONSTRAINT names it)."""
    referent, _, remote = referenced.rpartition(".")
    referent_schema, _, referent_table = referent.rpartition(".")
    receiver = "batch_op" if operation.via == "batch_op" else "op"
    name = operation.option("foreign_key_name")
    # SQLAlchemy's conventional name, final (`op.f`): no naming convention renames it
    conventional = f"fk_{operation.table.rpartition('.')[2]}_{operation.target}_{referent_table}"
    named = repr(name) if name else f"{receiver}.f({conventional!r})"
    if not (referent_table and remote and operation.target) or not (
        operation.table or operation.via == "batch_op"
    ):
        return "create_foreign_key(..., postgresql_not_valid=True)"
    local, remote_column = f"[{operation.target!r}]", f"[{remote!r}]"
    keywords = [f"referent_schema={referent_schema!r}"] if referent_schema else []
    if operation.via == "batch_op":
        arguments = [named, repr(referent_table), local, remote_column]
    else:
        schema, _, table = operation.table.rpartition(".")
        arguments = [named, repr(table), repr(referent_table), local, remote_column]
        keywords = ([f"source_schema={schema!r}"] if schema else []) + keywords
    keywords.append("postgresql_not_valid=True")
    return f"{receiver}.create_foreign_key({', '.join(arguments + keywords)})"
