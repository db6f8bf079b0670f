from __future__ import annotations

from collections.abc import Iterator

from ..model import Diagnostic, EntryBody, RevisionFile, Span
from ..rule import Example, FileRule

_HEADER = "revision = 'r1'\ndown_revision = None\n\n\n"
_UPGRADE = "def upgrade():\n    op.add_column('account', sa.Column('nickname', sa.String(50)))\n\n\n"


class DowngradeMissing(FileRule):
    """
    ## What it does
    Flags a revision whose `upgrade()` does work while its `downgrade()` is missing
    or does nothing: `pass`, `...`, only a docstring or comments, a bare `return`.
    In Alembic's multidb template each `upgrade_<engine>()` that does work is paired
    with its `downgrade_<engine>()` the same way. Off by default: many projects
    never downgrade, and say so by leaving `downgrade()` empty everywhere.

    A `downgrade()` whose body is a single `raise` (`raise NotImplementedError("irreversible")`)
    is not flagged: that is a decision written down, and it stops `alembic downgrade`
    before the version table changes. A merge revision (both bodies empty) is not
    flagged either, nor a `downgrade` bound another way (`downgrade = upgrade`, imported).

    ## Why is this bad?
    An empty `downgrade()` succeeds: `alembic downgrade -1` reports the revision
    undone and moves the version table back, while the column, table or data that
    `upgrade()` changed stays. The next `alembic upgrade` then fails on what is
    already there ("column already exists"), far from the revision at fault. A
    missing `downgrade()` fails only when it is needed, with AttributeError.

    ## Example
    ```python
    def upgrade():
        op.add_column("account", sa.Column("nickname", sa.String(50)))


    def downgrade():
        pass
    ```

    Use instead:
    ```python
    def downgrade():
        op.drop_column("account", "nickname")
    ```

    or, when the change cannot be undone, say so:
    ```python
    def downgrade():
        raise NotImplementedError("irreversible: the old values are gone")
    ```
    """

    code = "MG503"
    name = "downgrade-missing"
    severity = "warning"
    default_enabled = False
    valid = (
        Example(
            files={
                "0001_r1.py": _HEADER
                + _UPGRADE
                + "def downgrade():\n    op.drop_column('account', 'nickname')\n"
            }
        ),
        Example(
            files={
                "0001_r1.py": _HEADER
                + _UPGRADE
                + "def downgrade():\n    raise NotImplementedError('irreversible')\n"
            },
            note="explicit-raise",
        ),
        Example(
            files={"0001_r1.py": _HEADER + "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"},
            note="merge-revision",
        ),
        Example(files={"0001_r1.py": _HEADER + _UPGRADE + "downgrade = upgrade\n"}, note="bound-otherwise"),
    )
    invalid = (
        Example(files={"0001_r1.py": _HEADER + _UPGRADE + "def downgrade():\n    pass\n"}, flagged=("r1",)),
        Example(
            files={
                "0001_r1.py": _HEADER
                + _UPGRADE
                + 'def downgrade():\n    """Nothing to do."""\n    # irreversible\n'
            },
            flagged=("r1",),
            note="docstring-and-comment",
        ),
        Example(files={"0001_r1.py": _HEADER + _UPGRADE}, flagged=("r1",), note="no-downgrade"),
        Example(
            files={
                "0001_r1.py": _HEADER
                + "def upgrade(engine_name):\n    globals()['upgrade_%s' % engine_name]()\n\n\n"
                "def downgrade(engine_name):\n    globals()['downgrade_%s' % engine_name]()\n\n\n"
                "def upgrade_engine1():\n    op.create_table('a')\n\n\n"
                "def downgrade_engine1():\n    op.drop_table('a')\n\n\n"
                "def upgrade_engine2():\n    op.create_table('b')\n\n\n"
                "def downgrade_engine2():\n    pass\n"
            },
            flagged=("r1",),
            note="multidb",
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if not file.looks_like_revision:
            return
        bodies = {entry.name: entry for entry in file.entry_bodies}
        revisions = (file.revision_id,) if file.revision_id else ()
        downgrade = bodies.get("downgrade")
        pairs = [("upgrade", "downgrade")]
        if downgrade is not None and downgrade.body == "dispatch":
            pairs += [
                (name, "downgrade" + name[len("upgrade") :]) for name in bodies if name.startswith("upgrade_")
            ]
        for up_name, down_name in pairs:
            up = bodies.get(up_name)
            if up is None or up.body not in ("work", "dispatch"):
                continue
            down = bodies.get(down_name)
            if down is None:
                yield self.diagnostic(
                    file.path,
                    _at(up),
                    f"{up_name}() changes the database but the revision has no {down_name}()",
                    help=f"write {down_name}() to undo it, or raise NotImplementedError there if it cannot be undone",
                    revisions=revisions,
                )
            elif down.body == "empty":
                yield self.diagnostic(
                    file.path,
                    _at(down),
                    f"{down_name}() does nothing, but {up_name}() changes the database: "
                    "`alembic downgrade` would report it undone",
                    help=f"undo {up_name}()'s changes here, or raise NotImplementedError if they cannot be undone",
                    revisions=revisions,
                )


def _at(entry: EntryBody) -> Span:
    return Span.point(max(entry.line, 1))
