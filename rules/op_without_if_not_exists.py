from __future__ import annotations

from ..rule import Example
from ._op_rule import OpRule

_BODY = "revision = 'r1'\ndown_revision = None\n\ndef upgrade():\n{}\n"


class OpWithoutIfNotExists(OpRule):
    """
    ## What it does
    Flags `op.create_table`, `op.add_column` and `op.create_index` without
    `if_not_exists=True` and not inside an inspector guard
    (`if not inspector.has_table(...)`, `... not in inspector.get_table_names()`,
    a `has_column`-style helper, the answer kept in a name first, or an early
    `return` after such a lookup). Off by default; with the rule setting
    `after-baseline = true` only revisions after `[tool.miglint] baseline` are read.

    ## Why is this bad?
    A database stamped at the baseline may already hold the table; the upgrade
    stops with "already exists" and the revisions after it never run.

    ## Example
    ```python
    op.create_table("personality_traits", sa.Column("id", sa.Integer(), primary_key=True))
    ```

    Use instead:
    ```python
    op.create_table("personality_traits", sa.Column("id", sa.Integer(), primary_key=True), if_not_exists=True)
    ```

    ## Fix safety
    The fix passes `if_not_exists=True`, on a line of its own when the call has one
    argument per line. It is unsafe: Alembic has the keyword only in recent releases
    (indexes since 1.11.2, tables since 1.13.3, columns since 1.16), and miglint
    never imports the Alembic the project runs: on an older one the revision fails
    with TypeError. `--unsafe-fixes` applies it.
    """

    code = "MG211"
    name = "op-without-if-not-exists"
    calls = frozenset({"create_table", "add_column", "create_index"})
    valid = (
        Example(files={"0001_r1.py": _BODY.format("    op.create_table('t', if_not_exists=True)")}),
        Example(
            files={
                "0001_r1.py": _BODY.format(
                    "    inspector = sa.inspect(op.get_bind())\n"
                    "    if not inspector.has_table('t'):\n"
                    "        op.create_table('t')"
                )
            }
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": _BODY.format("    op.create_table('t')\n    op.add_column('t', c)")},
            flagged=("r1", "r1"),
        ),
    )
