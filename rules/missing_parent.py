from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from ..graph import DOWN, Dangling, RevisionGraph
from ..model import Diagnostic, RevisionFile
from ..rule import Example, GraphRule


def suggest(graph: RevisionGraph, missing: str) -> str | None:
    """The revision the author most likely meant, with the reason."""
    by_stem = [r for r, f in graph.revisions.items() if PurePath(f.path).stem == missing]
    if len(by_stem) == 1:
        return f"{by_stem[0]!r} ({missing!r} is the file name of that revision, not its id)"
    ids = list(graph.revisions)
    prefixed = [r for r in ids if r.startswith(missing)]
    if len(prefixed) == 1:
        return f"{prefixed[0]!r} (the only revision id starting with {missing!r})"
    # `1200_add_x` for 20251015_1200_add_x.py: the tail of a file name, its date cut off
    by_tail = [(r, f) for r, f in graph.revisions.items() if PurePath(f.path).stem.endswith("_" + missing)]
    if len(by_tail) == 1:
        rev_id, file = by_tail[0]
        return f"{rev_id!r} (the revision in {PurePath(file.path).name}, whose name ends with {missing!r})"
    stem_prefix = [r for r in ids if missing.startswith(r + "_")]
    if len(stem_prefix) == 1:
        return f"{stem_prefix[0]!r} (the id at the start of {missing!r})"
    import difflib  # deferred: only a missing parent needs it

    close: list[str] = difflib.get_close_matches(missing, ids, n=1, cutoff=0.75)
    if close:
        return f"{close[0]!r} (the closest revision id)"
    return None


class MissingParent(GraphRule):
    """
    ## What it does
    Flags a `down_revision` or `depends_on` that names a revision that does not
    exist in the environment, and suggests the id that was probably meant: a file
    name stem written where the revision id belongs, a unique prefix, or a near
    match. When a version file named after the missing id cannot be read (MG001),
    the help names that file: the parent is probably there.

    ## Why is this bad?
    Alembic dies with a bare `KeyError` on every command. It happens when a parent
    is renamed or deleted while a child still points at it, or when a child points
    at a revision that exists only on another branch. Every copy of a duplicated
    id (MG104) is checked, not only the one Alembic keeps: Alembic still walks the
    parents of the copies it set aside, and fails on theirs the same way.
    Not reported in a directory of revisions that nothing configures (a plugin's branch
    of its host's history, linted without configuration): a parent there is the host's,
    unless the id is a near miss of one of the directory's own. Nor a `depends_on` (a
    `down_revision` still is) in an environment whose script location code gives (an ini
    without `script_location`, as Flask-Migrate runs it; a template code fills in; a script
    directory no configuration names): code that sets the script location may add version
    locations too, and GeoNature's adds those of its modules, whose revisions its own
    depend on. A near miss of one of the environment's ids is still reported.

    ## Example
    ```python
    # the parent's file is 20251019_conversation_summaries.py,
    # but its revision id is "20251019_conv_summaries"
    down_revision = "20251019_conversation_summaries"
    ```

    Use instead:
    ```python
    down_revision = "20251019_conv_summaries"
    ```
    """

    code = "MG103"
    name = "missing-parent"

    valid = (Example(history=("a", "b<-a", "c<-b+a")),)
    invalid = (
        Example(history=("a", "b<-nope"), flagged=("b",)),
        Example(history=("a", "b<-a+gone"), flagged=("b",), note="depends_on"),
        Example(
            history=("a", "b<-gone", "b<-a"),
            flagged=("b",),
            note="the copy of a duplicate Alembic sets aside",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        if any(f.revision_id is None for f in graph.unreadable):
            return  # a revision with an unknown id could be any missing parent
        unreadable_ids = {f.revision_id for f in graph.unreadable}
        for ref in [*graph.dangling, *graph.shadowed_dangling]:
            if ref.parent in unreadable_ids:
                continue
            if graph.branch_of_another and suggest(graph, ref.parent) is None:
                continue  # a revision of the host's history, which this directory branches from
            if graph.in_code and ref.kind != DOWN and suggest(graph, ref.parent) is None:
                continue  # perhaps in a version location the code adds (GeoNature's modules)
            yield self.report(graph, ref)

    def report(self, graph: RevisionGraph, ref: Dangling) -> Diagnostic:
        child = ref.child
        value = child.down_revision if ref.kind == DOWN else child.depends_on
        assert value is not None and child.revision_id is not None
        guess = suggest(graph, ref.parent)
        broken = _broken_declaring(graph, ref.parent)
        if broken is not None:
            # the parent is probably there, in a file Alembic cannot load either
            help_text = (
                f"{PurePath(broken.path).name} probably declares it but cannot be read (MG001): fix that file"
            )
        elif guess:
            help_text = f"did you mean {guess}?"
        elif ref.kind == DOWN:
            help_text = "point down_revision at an existing revision (`alembic heads` lists them)"
        else:
            help_text = "remove the dependency or add the revision it names"
        documented = _documented_parent(graph, child) if ref.kind == DOWN else None
        if documented is not None:
            help_text += (
                f"; the docstring says Revises: {documented}, which exists: "
                f"`miglint lint --fix --unsafe-fixes` sets down_revision to it (MG106)"
            )
        return self.diagnostic(
            child.path,
            value.span,
            f"{ref.kind} of {child.revision_id} names {ref.parent!r}, "
            "which is not a revision in this environment",
            help=help_text,
            revisions=(child.revision_id, ref.parent),
        )


def _broken_declaring(graph: RevisionGraph, missing: str) -> RevisionFile | None:
    """A version file that cannot be read (MG001) and is named after the missing id
    (`<id>_slug.py`, as `alembic revision` names it)."""
    for file in graph.files:
        stem = PurePath(file.path).stem
        if file.problem is not None and (stem == missing or stem.startswith(missing + "_")):
            return file
    return None


def _documented_parent(graph: RevisionGraph, child: RevisionFile) -> str | None:
    """The one existing revision the child's docstring `Revises:` line names, if any."""
    from .header_mismatch import _listed

    if child.doc_revises is None or child.down_revision is None or child.down_revision.shape != "str":
        return None
    listed = _listed(child.doc_revises.text)
    return listed[0] if len(listed) == 1 and listed[0] in graph.revisions else None
