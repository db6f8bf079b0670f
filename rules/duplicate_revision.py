from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from ..graph import RevisionGraph
from ..model import Diagnostic, Location
from ..rule import Example, GraphRule


class DuplicateRevision(GraphRule):
    """
    ## What it does
    Flags two or more files that declare the same revision id, at each of them.

    ## Why is this bad?
    Alembic only warns ("Revision ... is present more than once") and silently uses
    one of the files; the other one never runs. Copying a version file to start a
    new one is the usual cause.

    ## Example
    `0001_users.py` and `0002_emails.py` both say `revision = "3f1c2a9e7b10"`.

    Use instead:
    give the newer file a fresh id (`alembic revision` generates one) and update
    the `down_revision` of its children.
    """

    code = "MG104"
    name = "duplicate-revision"

    valid = (Example(history=("a", "b<-a")),)
    invalid = (Example(history=("a", "b<-a", "b<-a"), flagged=("b", "b")),)

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        for rev_id, files in graph.declarations.items():
            if len(files) < 2:
                continue
            names = ", ".join(PurePath(f.path).name for f in files)
            for file in files:
                assert file.revision is not None
                yield self.diagnostic(
                    file.path,
                    file.revision.span,
                    f"revision {rev_id} is declared in {len(files)} files: {names}",
                    help="give all but one of them a new id (`alembic revision` makes one) "
                    "and update their children's down_revision",
                    revisions=(rev_id,),
                    related=[
                        Location(o.path, o.revision.span, f"also declares {rev_id}")
                        for o in files
                        if o is not file and o.revision is not None
                    ],
                )
