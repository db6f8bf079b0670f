from __future__ import annotations

import re
from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..lazyre import pattern
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ..sql.ops import VOLATILE
from ._deploy_rule import DeployRule, column_of, is_true, revision, shown

_VOLATILE_CALL = pattern(rf"\b({'|'.join(sorted(VOLATILE))})\s*\(", re.I)


class VolatileDefault(DeployRule):
    """
    ## What it does
    Flags a column added to an existing table with a volatile `server_default`
    (`random()`, `gen_random_uuid()`, `uuid_generate_v4()`, `clock_timestamp()`,
    `nextval(...)`...), and one added as an identity (`sa.Identity()`), serial (an
    Integer primary key SQLAlchemy makes SERIAL) or generated (`sa.Computed(...)`)
    column. With `[tool.miglint] postgres-version` below 11, any server_default is flagged. `now()` and `CURRENT_TIMESTAMP` are not volatile (one
    value per statement): PostgreSQL 11+ stores them without a rewrite, so they pass.
    PostgreSQL only.

    ## Why is this bad?
    A volatile default has a different value in every row, so PostgreSQL computes it
    for each existing row: the table is rewritten under an ACCESS EXCLUSIVE lock that
    blocks every read and write until it is done. (Before PostgreSQL 11, any default did.)

    ## Example
    ```python
    op.add_column("users", sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))
    ```

    Use instead:
    ```python
    op.add_column("users", sa.Column("token", sa.Uuid()))  # then backfill in batches
    op.alter_column("users", "token", server_default=sa.text("gen_random_uuid()"))
    ```
    """

    reads = frozenset({"add_column"})

    code = "MG405"
    name = "volatile-default"
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('users', sa.Column('seen', sa.DateTime(), server_default=sa.text('now()')))"
                )
            }
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('users', sa.Column('token', sa.Uuid(), server_default=sa.text('gen_random_uuid()')))"
                )
            },
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": revision("op.add_column('users', sa.Column('n', sa.Integer(), sa.Identity()))")
            },
            flagged=("r1",),
            note="identity",
        ),
        Example(
            files={
                "0001_r1.py": revision('op.execute("ALTER TABLE users ADD COLUMN r float DEFAULT random()")')
            },
            flagged=("r1",),
            note="raw-sql",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        default = operation.option("server_default")
        if operation.name != "add_column":
            return
        if is_true(operation.option("generated")):
            # SERIAL, IDENTITY, GENERATED ALWAYS AS: a value computed for each existing row
            yield self.report(
                rev_id,
                file,
                operation,
                f"{shown(operation)} adds {column_of(operation)} as an identity, serial or generated column: "
                "PostgreSQL computes it for every row, rewriting the table under an ACCESS EXCLUSIVE lock "
                "that blocks every read and write",
                "add a plain nullable column, backfill it in batches (from a sequence made first), then "
                "attach the sequence or identity",
            )
            return
        if default in (None, "None"):
            return
        volatile = is_true(operation.option("volatile")) or _VOLATILE_CALL.search(default or "") is not None
        old = context.postgres_version is not None and context.postgres_version < 11
        if not volatile and not old:
            return
        why = "a volatile default" if volatile else f"a default (PostgreSQL {context.postgres_version} < 11)"
        column = column_of(operation)
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} adds {column} with {why}: PostgreSQL writes it into every row, "
            "rewriting the table under an ACCESS EXCLUSIVE lock that blocks every read and write",
            "add the column without the default, backfill it in batches, then set the default",
        )
