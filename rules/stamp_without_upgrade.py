from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..graph import RevisionGraph
from ..model import Diagnostic
from ..rule import RunnerRule
from .stamp_head_on_legacy import may_be_head

if TYPE_CHECKING:  # the runner's reader is imported only where runners are read
    from ..runners.facts import StampSite


class StampWithoutUpgrade(RunnerRule):
    """
    ## What it does
    Flags runner code that stamps a revision other than head and then returns,
    exits or simply ends without running `alembic upgrade`. A stamp followed by a check
    of the database's revision that stops the program (raises or exits, telling the user
    to upgrade) is a loud stop, not a silent one, and is not reported. A stamp in a helper
    function is judged with its callers: when every call of the helper in the module is
    followed by an upgrade, it is not reported. A call of a function of the module that
    upgrades counts as an upgrade, and so does env.py's `context.run_migrations()` (the
    command being run goes on from the stamped revision). `stamp base` is not reported: it only deletes the
    version row (after dropping every table, or in a reset command), and marks nothing
    as applied.

    ## Why is this bad?
    Stamping the baseline is only half of bringing a database under Alembic: until
    an upgrade runs, every revision after it is missing. The incident review found
    this on the fresh-install path ("QUICKSTART MODE exited without running
    migrations"): installs stayed at the baseline until the next restart.

    ## Example
    ```python
    subprocess.run(["alembic", "stamp", BASELINE_REVISION], check=True)
    return 0
    ```

    Use instead:
    ```python
    subprocess.run(["alembic", "stamp", BASELINE_REVISION], check=True)
    subprocess.run(["alembic", "upgrade", "head"], check=True)
    return 0
    ```
    """

    code = "MG302"
    name = "stamp-without-upgrade"

    def check_runners(self, sites: Sequence[StampSite], graph: RevisionGraph) -> Iterator[Diagnostic]:
        for site in sites:
            if site.command != "stamp" or site.upgraded_after or site.checked_at:
                continue
            if site.callers and not site.exits_program and all(c.upgraded_after for c in site.callers):
                continue  # a helper: each call of it is followed by the upgrade
            # `stamp base` only deletes the version row: the database is then at no revision, and
            # nothing is skipped (zou stamps it after dropping every table, and in a reset command)
            below_head = [t for t in site.targets if t.value not in (None, "base") and not may_be_head(t)]
            if not below_head:
                continue
            if site.in_shell:
                ending = f"exits at line {site.exits_at}" if site.exits_at else "the script ends"
            else:
                ending = f"returns at line {site.exits_at}" if site.exits_at else "the function ends"
            values = ", ".join(sorted({repr(t.value) for t in below_head}))
            yield self.diagnostic(
                site.path,
                site.span,
                f"stamps {values} and then {ending} without running `alembic upgrade`: "
                "the revisions after it stay missing until something else upgrades",
                help="run `alembic upgrade head` (or command.upgrade(cfg, 'head')) right after the stamp",
            )
