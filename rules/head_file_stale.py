from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..history.headfile import head_file_text
from ..model import Diagnostic, Edit, Fix, Span
from ..rule import Example, GraphRule
from ._listing import listed

_PYPROJECT = '[tool.miglint]\nhead-file = "migrations/HEAD"\n'


class HeadFileStale(GraphRule):
    """
    ## What it does
    With `head-file = "migrations/HEAD"` in `[tool.miglint]`, flags a head file that
    does not name exactly the current head(s) of the history, or that is missing.

    ## Why is this bad?
    Two branches that each add a revision on the same parent merge in git without a
    conflict, and the history silently has two heads: `alembic upgrade head` stops on
    the next deploy. A committed file naming the head (django-linear-migrations'
    `max_migration.txt`, made for Alembic) turns that into a git conflict: each branch
    rewrites the same line, so the second merge stops at `migrations/HEAD` and whoever
    merges sees that the history forked (and can `miglint rebase` one branch onto the
    other). That works only while the file is kept current, which this rule checks.

    The file holds the head ids, one per line, sorted, each line ending with a newline,
    and nothing else; `miglint init-head-file` and `--fix` write it so. It is compared as
    a set of ids (order, blank lines, spaces and line endings do not matter). The heads
    are all of Alembic's heads, those of labelled branches too. While a `down_revision`
    cannot be read (MG003) or names a missing revision (MG103) the heads are unknown and
    nothing is reported; so it is while there is no revision at all. With several environments, give each its own `head-file` in
    `[[tool.miglint.environments]]`. With `--against` the graph linted is the merge's,
    not the working tree's, so the head file is not compared (run without `--against` to
    check it).

    ## Example
    `migrations/HEAD` says `b`, but `c` was added on top of `b`.

    Use instead:
    `migrations/HEAD` says `c`: run `miglint lint --fix` (or `miglint init-head-file`)
    and commit the file with the revision.

    ## Fix safety
    Safe: the file is rewritten from the history, atomically, with the heads it must name;
    Alembic never reads it. A file holding git's conflict markers is rewritten too, with
    every current head, so MG102 then reports the fork the conflict stood for.
    """

    code = "MG120"
    name = "head-file-stale"
    fixable = True

    valid = (
        Example(
            history=("a", "b<-a"), project_files={"pyproject.toml": _PYPROJECT, "migrations/HEAD": "b\n"}
        ),
        Example(
            history=("a", "b1<-a", "b2<-a"),
            project_files={"pyproject.toml": _PYPROJECT, "migrations/HEAD": "b2\r\nb1\r\n"},
            note="every head, in any order and with any line ending",
        ),
        Example(history=("a", "b<-a"), note="no head-file configured"),
    )
    invalid = (
        Example(
            history=("a", "b<-a", "c<-b"),
            project_files={"pyproject.toml": _PYPROJECT, "migrations/HEAD": "b\n"},
            flagged=("HEAD",),
        ),
        Example(
            history=("a",), project_files={"pyproject.toml": _PYPROJECT}, flagged=("HEAD",), note="missing"
        ),
        Example(
            history=("a", "b1<-a", "b2<-a"),
            project_files={
                "pyproject.toml": _PYPROJECT,
                "migrations/HEAD": "<<<<<<< HEAD\nb1\n=======\nb2\n>>>>>>> feature\n",
            },
            flagged=("HEAD",),
            note="a merge conflict left in it",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        found = graph.head_file
        if found is None or graph.reference is not None:
            return
        if not graph.complete or any(ref.kind == "down_revision" for ref in graph.dangling):
            return  # the heads are unknown: MG003 / MG103 say why
        if not graph.revisions:
            return  # nothing to name yet: the first revision's run writes it
        heads = sorted(graph.heads())
        named = listed(heads) or "no revision"
        fix = Fix(
            f"write {named} to the head file",
            (Edit(found.path, found.span, head_file_text(heads), whole_file=True),),
        )
        help = "run: miglint lint --fix (or miglint init-head-file), and commit the file"
        if found.problem is not None:
            yield self.diagnostic(
                found.path, Span.point(1), f"the head file cannot be read: {found.problem}", help=help
            )
            return
        if found.names is None:
            yield self.diagnostic(
                found.path,
                Span.point(1),
                f"the head file is missing; it must name the head{'s' if len(heads) > 1 else ''} ({named})",
                help=help,
                revisions=heads,
                fix=fix,
            )
            return
        if set(found.names) == set(heads):
            return
        if found.conflicted:
            message = (
                "the head file holds an unresolved git merge conflict: two branches each moved "
                f"the head; the history's heads are {listed(heads)}"
            )
            help = (
                "make the history linear (miglint rebase <first revision of one branch> --onto <the "
                "other head>) or merge the heads (alembic merge), then run: miglint lint --fix"
            )
        else:
            stale = sorted(set(found.names) - set(heads))
            missing = [h for h in heads if h not in found.names]
            parts = []
            if stale:
                parts.append(f"names {listed(stale)}, which {'is' if len(stale) == 1 else 'are'} not a head")
            if missing:
                parts.append(f"does not name the head{'s' if len(missing) > 1 else ''} {listed(missing)}")
            message = f"the head file {' and '.join(parts)}"
        yield self.diagnostic(found.path, Span.point(1), message, help=help, revisions=heads, fix=fix)
