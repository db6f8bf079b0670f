from __future__ import annotations

from ..rule import Example
from ._op_rule import OpRule

_BODY = "revision = 'r1'\ndown_revision = None\n\ndef upgrade():\n{}\n"


class OpDropWithoutIfExists(OpRule):
    """
    ## What it does
    Flags `op.drop_table`, `op.drop_index` and `op.drop_column` without
    `if_exists=True` and not inside an inspector guard (read as for MG211). Off by default;
    `after-baseline = true` limits it to revisions after `[tool.miglint] baseline`.

    ## Why is this bad?
    A database that never had the object stops the upgrade with "does not exist".

    ## Example
    ```python
    op.drop_table("legacy_roleplay")
    ```

    Use instead:
    ```python
    op.drop_table("legacy_roleplay", if_exists=True)
    ```

    ## Fix safety
    The fix passes `if_exists=True`, on a line of its own when the call has one argument
    per line. It is unsafe: Alembic has the keyword only in recent releases
    (indexes since 1.11.2, tables since 1.13.3, columns since 1.16), and miglint
    never imports the Alembic the project runs: on an older one the revision fails
    with TypeError. `--unsafe-fixes` applies it.
    """

    code = "MG212"
    name = "op-drop-without-if-exists"
    calls = frozenset({"drop_table", "drop_index", "drop_column"})
    keyword = "if_exists"
    valid = (Example(files={"0001_r1.py": _BODY.format("    op.drop_table('t', if_exists=True)")}),)
    invalid = (Example(files={"0001_r1.py": _BODY.format("    op.drop_index('ix')")}, flagged=("r1",)),)
