from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..model import Diagnostic, Location, Span
from ..rule import Example, GraphRule


def _b(upgrade: str) -> str:
    """Revision b as a version file, with the given body of upgrade()."""
    return (
        '"""add t.x\n\nRevision ID: b\nRevises: a\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        f'revision = "b"\ndown_revision = "a"\n\n\ndef upgrade():\n{upgrade}\n\n\ndef downgrade():\n    pass\n'
    )


_ON_MAIN = _b('    op.add_column("t", sa.Column("x", sa.Integer()))')


def _multidb(engine2: str) -> str:
    """Revision m as Alembic's multidb template writes it: one upgrade_<engine>() per database."""
    return (
        '"""per engine\n\nRevision ID: m\nRevises: a\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
        'revision = "m"\ndown_revision = "a"\n\n\ndef upgrade(engine_name: str) -> None:\n'
        '    globals()[f"upgrade_{engine_name}"]()\n\n\ndef downgrade(engine_name: str) -> None:\n'
        '    globals()[f"downgrade_{engine_name}"]()\n\n\ndef upgrade_engine1() -> None:\n    pass\n\n\n'
        f"def upgrade_engine2() -> None:\n{engine2}\n"
    )


class RevisionEdited(GraphRule):
    """
    ## What it does
    With `--against REF`, flags a revision that REF already has whose `upgrade()` the
    checkout changed.

    ## Why is this bad?
    Alembic runs a revision once per database and records its id. Every database that is
    at that revision or past it (production, staging, each colleague's) never runs the
    new `upgrade()`; only fresh ones do, so the schema quietly differs by where it was
    installed. Changing what a released revision does is rewriting deployed history.

    `upgrade()` (and multidb's `upgrade_<engine>()`) is compared as Python's syntax tree:
    comments, blank lines, indentation, line breaks, quotes and a docstring do not count,
    nor does `downgrade()`. Only an edit of this branch counts: when the checkout's
    `upgrade()` is still the one of the merge base and REF changed it, git's merge brings
    REF's in. Module-level helpers that `upgrade()` calls are not compared
    (a finding must be true; an edited helper may be shared and harmless). A file whose
    bytes REF changed while the checkout left them alone is REF's own edit, not reported.
    Without `--against`, nothing is reported.

    ## Example
    `b` is on `main`; the branch changes `op.add_column("t", sa.Column("x",
    sa.Integer()))` in its `upgrade()` to add a `sa.String()` column.

    Use instead:
    Restore `b` as `main` has it (`git checkout main -- <file>`) and put the change in a
    new revision: `alembic revision -m "change t.x"`.
    """

    code = "MG121"
    name = "revision-edited"

    invalid = (
        Example(
            against=("a",),
            against_files={"0001_b.py": _ON_MAIN},
            history=("a",),
            files={"0001_b.py": _b('    op.add_column("t", sa.Column("x", sa.String()))')},
            flagged=("b",),
        ),
        Example(
            against=("a",),
            against_files={"0001_m.py": _multidb('    op.create_index("ix_t_x", "t", ["x"])')},
            history=("a",),
            files={"0001_m.py": _multidb('    op.create_index("ix_t_x", "t", ["x", "y"])')},
            flagged=("m",),
            note="multidb: an upgrade_<engine>() changed",
        ),
    )
    valid = (
        Example(
            against=("a",),
            against_files={"0001_b.py": _ON_MAIN},
            history=("a",),
            files={
                "0001_b.py": _b(
                    "    # a column for x\n"
                    "    op.add_column(\n        't',\n        sa.Column('x', sa.Integer()),\n    )"
                )
            },
            note="only comments, quotes and line breaks changed",
        ),
        Example(
            against=("a",),
            against_files={"0001_b.py": _ON_MAIN},
            history=("a",),
            files={
                "0001_b.py": _ON_MAIN.replace(
                    "def downgrade():\n    pass", 'def downgrade():\n    op.drop_column("t", "x")'
                )
            },
            note="only downgrade() changed",
        ),
        Example(
            against=("a",),
            against_files={"0001_b.py": _ON_MAIN},
            history=("a",),
            files={"0002_b.py": _ON_MAIN},
            note="the file was renamed",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        reference = graph.reference
        if reference is None:
            return
        for rev_id, upgrades in sorted(reference.upgrades.items()):
            file = graph.revisions.get(rev_id)
            if file is None or reference.is_ref_path(file.path):
                continue  # not here, or REF's version is the one the merge keeps
            if upgrades.ref is None or upgrades.here is None or upgrades.ref == upgrades.here:
                continue  # a side that does not parse is MG001's
            if upgrades.here == upgrades.base:
                continue  # REF changed it, not this branch: git merges REF's change in
            on_ref = reference.revisions[rev_id]
            yield self.diagnostic(
                file.path,
                Span.point(upgrades.line),
                f"revision {rev_id} is on {reference.ref}, and its upgrade() changed here: databases "
                f"already at {rev_id} or past it never run the new version",
                help=f"restore {rev_id} as {reference.ref} has it and put the change in a new revision "
                '(alembic revision -m "...")',
                revisions=(rev_id,),
                related=(
                    Location(
                        on_ref.path, Span.point(upgrades.ref_line), note=f"upgrade() on {reference.ref}"
                    ),
                ),
            )
