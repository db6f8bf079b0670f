from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from ..graph import RevisionGraph
from ..model import Diagnostic, Location, RevisionFile, Span
from ..rule import Example, GraphRule


class DuplicateBranchLabel(GraphRule):
    """
    ## What it does
    Flags a branch label declared by more than one revision, and a branch label
    that is also a revision id (another revision's, or the labelled revision's own).

    ## Why is this bad?
    Alembic refuses to load the history ("Branch name ... already used by
    revision ..."): labels and revision ids share one namespace, so `alembic
    upgrade expand@head` could not tell which one is meant. A label names one
    branch; its later revisions inherit it and must not declare it again.

    ## Example
    `e1` and `e2` both have `branch_labels = ("expand",)`; or revision `b` has
    `branch_labels = ("a",)` where `a` is a revision id.

    Use instead:
    keep the label on the first revision of the branch only, and give a branch a
    name that no revision id has.
    """

    code = "MG108"
    name = "duplicate-branch-label"

    valid = (Example(history=("a", "e@expand<-a", "c@contract<-a")),)
    invalid = (
        Example(history=("a", "e1@feature<-a", "e2@feature<-e1"), flagged=("e1", "e2")),
        Example(history=("a", "b@a<-a"), flagged=("b",), note="a label that is another revision's id"),
        Example(history=("a@a",), flagged=("a",), note="a label that is the revision's own id"),
        Example(history=("a", "b@x@x<-a"), flagged=("b",), note="a label listed twice"),
        Example(
            history=("a", "b@x<-a", "b@x<-a"),
            flagged=("b", "b"),
            note="the label of a copied file, as Alembic maps both copies",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        # Alembic maps the labels of every file, a copy of a duplicated id (MG104) too
        owners: dict[str, list[RevisionFile]] = {}
        for file in sorted(graph.shadowed + [graph.revisions[r] for r in graph.revisions], key=_order):
            for label in _labels(file):
                owners.setdefault(label, []).append(file)  # once per mention: ("x", "x") fails too
        duplicated = {rev for rev, files in graph.declarations.items() if len(files) > 1}

        def who(file: RevisionFile) -> str:
            rev = file.revision_id or ""
            return f"{rev} ({PurePath(file.path).name})" if rev in duplicated else rev

        for label, mentions in sorted(owners.items()):
            files = list({id(f): f for f in mentions}.values())
            for file in files:
                count = sum(1 for m in mentions if m is file)
                if count > 1:
                    yield self.diagnostic(
                        file.path,
                        _span(file),
                        f"branch label {label!r} is listed {count} times in the branch_labels of {who(file)}",
                        help=f"list {label!r} once",
                        revisions=(file.revision_id or "",),
                    )
            if len(files) > 1:
                revs = sorted({f.revision_id or "" for f in files})
                for file in files:
                    yield self.diagnostic(
                        file.path,
                        _span(file),
                        f"branch label {label!r} of {who(file)} is also declared by "
                        f"{', '.join(who(o) for o in files if o is not file)}",
                        help=f"keep {label!r} on the first revision of its branch only; "
                        "later revisions inherit it",
                        revisions=revs,
                        related=[
                            Location(o.path, _span(o), f"{who(o)} declares {label!r}")
                            for o in files
                            if o is not file
                        ],
                    )
            if label in graph.revisions:
                for file in files:
                    yield self._label_is_an_id(graph, label, file)

    def _label_is_an_id(self, graph: RevisionGraph, label: str, file: RevisionFile) -> Diagnostic:
        rev_id = file.revision_id or ""
        whose = "its own id" if label == rev_id else f"the id of revision {label}"
        return self.diagnostic(
            file.path,
            _span(file),
            f"branch label {label!r} of {rev_id} is {whose}",
            help="rename the label: Alembic looks labels and revision ids up in one map",
            revisions=(rev_id, label) if label != rev_id else (rev_id,),
            related=[Location(*self.at_revision(graph, label), note=f"revision {label}")]
            if label != rev_id
            else [],
        )


def _order(file: RevisionFile) -> tuple[str, str]:
    return file.revision_id or "", file.path


def _labels(file: RevisionFile) -> tuple[str, ...]:
    labels = file.branch_labels
    return labels.ids if labels is not None and not labels.is_dynamic else ()


def _span(file: RevisionFile) -> Span:
    value = file.branch_labels or file.revision
    assert value is not None
    return value.span
