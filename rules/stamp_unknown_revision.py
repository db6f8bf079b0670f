from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..graph import RevisionGraph
from ..model import Diagnostic
from ..rule import RunnerRule
from .missing_parent import suggest

if TYPE_CHECKING:  # the runner's reader is imported only where runners are read
    from ..runners.facts import StampSite


class StampUnknownRevision(RunnerRule):
    """
    ## What it does
    Flags a stamp or upgrade target in runner code that is not a revision id, a
    unique prefix, a branch label or a symbolic name (`head`, `heads`, `base`,
    `label@head`) of the history.

    ## Why is this bad?
    Alembic stops with "Can't locate revision" at deploy time - on the one path
    (a legacy install, a rare branch of the runner) that nobody tested.

    ## Example
    ```python
    subprocess.run(["alembic", "stamp", "20251011_baseline_v160"], check=True)
    ```

    Use instead:
    ```python
    subprocess.run(["alembic", "stamp", "20251011_baseline_v106"], check=True)
    ```

    Not reported: a target that names a revision (or a label of one) in a directory no
    version location covers (MG004 names those directories: the version locations are
    set in code, and the revision may well be there when Alembic runs).
    """

    code = "MG303"
    name = "stamp-unknown-revision"

    def check_runners(self, sites: Sequence[StampSite], graph: RevisionGraph) -> Iterator[Diagnostic]:
        from ..plan import PlanError, resolve

        if not graph.complete:
            return  # an unreadable revision could be the one named
        # the revisions of directories no version location covers (MG004), and their labels
        outside = [
            name
            for directory in graph.uncovered
            if not directory.adopted
            for file in directory.files
            for name in (
                file.revision_id or "",
                *(file.branch_labels.ids if file.branch_labels is not None else ()),
            )
            if name
        ]
        for site in sites:
            for target in site.targets:
                value = target.value
                if value is None or any(c in value for c in "+-:%{}") or value in ("base", "head", "heads"):
                    continue  # computed, relative, a range, or a template: not checked
                try:
                    resolve(graph, value)
                except PlanError as error:
                    if "ambiguous" in str(error) or "several revisions" in str(error):
                        continue  # names something, only not uniquely: Alembic says so itself
                    if any(name.startswith(value) for name in outside):
                        continue  # a revision miglint does not read (see above)
                    guess = suggest(graph, value)
                    yield self.diagnostic(
                        site.path,
                        target.span,
                        f"`{_run_as(site)}` target {value!r} is not a revision, prefix or branch "
                        "label of this history",
                        help=f"did you mean {guess}?"
                        if guess
                        else "name a revision that `alembic heads` / `alembic history` lists",
                        revisions=(value,),
                    )


def _run_as(site: StampSite) -> str:
    """How the message names the command: as the runner writes it."""
    if site.tool == "flask db":
        return f"flask db {site.command}"
    if site.tool == "flask_migrate":
        return f"flask_migrate.{site.command}()"
    return f"alembic {site.command}"
