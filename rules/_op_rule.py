"""What MG211 and MG212 share: op calls that are not safe to repeat."""

from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Edit, Fix, OpFact, Span
from ..rule import GraphRule


class OpRule(GraphRule):
    """Reports op calls of `self.calls` that neither pass the keyword nor sit in a guard.

    With the rule setting `after-baseline = true` only revisions that descend
    from `[tool.miglint] baseline` are read: those are the ones that run against
    databases that may already hold the objects.
    """

    calls: frozenset[str] = frozenset()
    keyword = "if_not_exists"  # the keyword that makes the calls safe to repeat
    default_enabled = False
    fixable = True
    settings_defaults = {"after-baseline": False}  # noqa: RUF012

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        scope = set(graph.revisions)
        baseline = self.project.baseline
        if self.settings["after-baseline"] and baseline and baseline in graph.revisions:
            scope = graph.descendants(baseline)
        for rev_id in sorted(scope):
            file = graph.revisions[rev_id]
            for call in file.operations:
                if call.via != "op" or call.name not in self.calls or call.guarded:
                    continue
                keyword = self.keyword
                if call.option(keyword) == "True":
                    continue
                if call.entry == "downgrade" and not self.project.include_downgrade:
                    continue
                target = f" {call.target!r}" if call.target else ""
                yield self.diagnostic(
                    file.path,
                    call.span,
                    f"op.{call.name}({target.strip()}) is not safe to run twice: "
                    f"it passes no {keyword}=True and no inspector check guards it",
                    help=f"pass {keyword}=True (Alembic >= 1.16), or check with the inspector first",
                    revisions=(rev_id,),
                    fix=self.fix(file.path, call),
                )

    def fix(self, path: str, call: OpFact) -> Fix | None:
        if call.insert is None:
            return None
        line, column, text = call.insert
        # unsafe: older Alembic releases have no such keyword (see the rules' Fix safety)
        edit = Edit(path, Span.point(line, column), text.format(self.keyword))
        return Fix(f"pass {self.keyword}=True", (edit,), safe=False)
