from __future__ import annotations

from collections.abc import Iterator

from ..graph import RevisionGraph
from ..memo import summarised
from ..model import Diagnostic, Location, OpFact, RevisionFile
from ..rule import WARNING, Example, GraphRule
from ._inverse import revision

_CALLS = frozenset(
    {"create_foreign_key", "create_unique_constraint", "create_check_constraint", "drop_constraint"}
)
# SQLAlchemy's documented naming convention, which autogenerate follows when MetaData has it
_PREFIX = {"create_foreign_key": "fk", "create_unique_constraint": "uq", "create_check_constraint": "ck"}
UNNAMED_CREATES = frozenset(_PREFIX)  # the calls that may create a constraint without a name
_TYPE = {
    "foreignkey": "create_foreign_key",
    "unique": "create_unique_constraint",
    "check": "create_check_constraint",
}
_ALL_KINDS = frozenset({"*"})
# PostgreSQL's own name for a constraint created without one: <table>_<columns>_<suffix>
_PG_SUFFIX = {"create_foreign_key": "fkey", "create_unique_constraint": "key"}


class UnnamedConstraint(GraphRule):
    """
    ## What it does
    Flags `op.create_foreign_key(None, ...)`, `op.create_unique_constraint(None, ...)`,
    `op.create_check_constraint(None, ...)` and `op.drop_constraint(None, ...)` (and their
    `batch_op` forms), in upgrade() and downgrade(): autogenerate writes exactly these when
    the model's constraint has no name and MetaData has no naming convention.

    A create that a `drop_constraint(None, ...)` of the other function undoes is reported once,
    with that drop (the call that fails), as its related location: autogenerate writes the
    pair, and naming both is one fix.

    Not reported: a `batch_op.create_*(None, ...)` inside `op.batch_alter_table(...,
    naming_convention=...)`: Alembic names the constraint by that convention when it
    rebuilds the table (SQLite), and the same convention finds it again for the drop.
    `batch_op.drop_constraint(None, ...)` is reported even there: Alembic's batch mode
    refuses it ("Constraint must have a name").

    Not reported either: a `ForeignKey(...)` without a name given to `op.add_column`'s
    Column. The database names it (`orders_customer_id_fkey` on PostgreSQL), but no step
    has to name it to undo it: the downgrade that drops the column drops the key with it
    (PostgreSQL drops a single-column constraint with its column; checked on PostgreSQL
    15), and a `drop_constraint(None, ...)` written for it is reported as such. MySQL
    refuses to drop a column a foreign key uses, named or not, until the key is dropped:
    a downgrade problem of its own, which this rule does not claim. (The key's full scan
    on an existing table is MG408's.)

    When `target_metadata` has a naming convention for the constraint's kind, Alembic names
    an `op.create_*(None, ...)` by it and the create is deterministic. miglint imports
    nothing: it reads env.py and the repository's modules env.py imports (two imports deep)
    as source, and a naming-convention dict found there (`{"uq": "%(table_name)s_...", ...}`,
    or keyed by the constraint classes) covers its kinds (Pagure's models). Flask-Migrate's
    env.py names `current_app.extensions["migrate"].db`, known only when the app runs: the
    convention is then that of the module making the app's `SQLAlchemy(...)` (a `db.py`,
    `models.py`, `extensions.py`... up to three directories down), when the repository has one
    such module with a convention (hushline). And when any
    revision of the history names a constraint exactly as SQLAlchemy's documented convention
    would name one of the unnamed creates (`fk_<table>_<column>_<referred table>`,
    `uq_<table>_<column>`), the project has that convention for every kind. Either way only
    `drop_constraint(None, ...)` is then reported for those kinds (on a real project,
    indico, every unnamed create is dropped by its conventional name).

    ## Why is this bad?
    The database picks the name (`posts_author_id_fkey` on PostgreSQL, `posts_ibfk_1` on
    MySQL, none at all on SQLite), so neither downgrade() nor a later revision can name it
    portably: `op.drop_constraint(None, ...)` fails with "Constraint must have a name" /
    "it has no name", and the downgrade stops half way.

    ## Example
    ```python
    def upgrade():
        op.create_foreign_key(None, "posts", "users", ["author_id"], ["id"])

    def downgrade():
        op.drop_constraint(None, "posts", type_="foreignkey")
    ```

    Use instead:
    ```python
    def upgrade():
        op.create_foreign_key(op.f("fk_posts_author_id_users"), "posts", "users", ["author_id"], ["id"])

    def downgrade():
        op.drop_constraint(op.f("fk_posts_author_id_users"), "posts", type_="foreignkey")
    ```
    On databases that already ran the unnamed create, the constraint has the database's
    name (`posts_author_id_fkey` on PostgreSQL): rename it there, or drop it by that name.
    """

    code = "MG502"
    name = "unnamed-constraint"
    severity = WARNING
    memo = True  # one file at a time, with one fact of the whole history (a naming convention)
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key(op.f('fk_posts_author_id_users'), 'posts', 'users', ['author_id'], ['id'])",
                    "op.drop_constraint(op.f('fk_posts_author_id_users'), 'posts', type_='foreignkey')",
                )
            },
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('posts', naming_convention={'uq': 'uq_%(table_name)s_%(column_0_name)s'})"
                    " as batch_op:\n    batch_op.create_unique_constraint(None, ['slug'])",
                    "with op.batch_alter_table('posts') as batch_op:\n"
                    "    batch_op.drop_constraint('uq_posts_slug', type_='unique')",
                )
            },
            note="batch-naming-convention",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key(None, 'posts', 'users', ['author_id'], ['id'])",
                    "op.drop_constraint('fk_posts_author_id_users', 'posts', type_='foreignkey')",
                )
            },
            note="metadata-naming-convention",
        ),
    )
    invalid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_foreign_key(None, 'posts', 'users', ['author_id'], ['id'])",
                    "op.drop_constraint(None, 'posts', type_='foreignkey')",
                )
            },
            flagged=("r1",),
            note="autogenerate-pair",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_unique_constraint(None, 'posts', ['slug'])", "op.drop_column('posts', 'slug')"
                )
            },
            flagged=("r1",),
            note="create",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "with op.batch_alter_table('posts') as batch_op:\n"
                    "    batch_op.create_unique_constraint(None, ['slug'])",
                    "op.drop_constraint('posts_slug_key', 'posts', type_='unique')",
                )
            },
            flagged=("r1",),
            note="batch",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        files = [graph.revisions[r] for r in sorted(graph.revisions)]
        # only a file with a constraint call has anything to report or to tell
        with_calls = [f for f in files if not f.operation_names.isdisjoint(_CALLS)]
        memo = graph.memo

        unnamed = {n for f in with_calls for n in summarised(memo, "MG502/unnamed", f, _unnamed)}
        if not unnamed:
            return
        named = {n for f in with_calls for n in summarised(memo, "MG502/named", f, _named)}
        # the kinds a naming convention names: every kind when the history uses the documented
        # one, else those env.py's target_metadata names (read from its source)
        convention = _ALL_KINDS if unnamed & named else graph.deploy.naming_convention
        for file in with_calls:
            if memo is None:
                yield from self.check_file(file, convention)
            else:
                yield from memo.findings(
                    self.code, file.path, convention, lambda file=file: self.check_file(file, convention)
                )

    def check_file(self, file: RevisionFile, convention: frozenset[str]) -> Iterator[Diagnostic]:
        calls = [
            o
            for o in file.operations
            if o.name in _CALLS and o.via != "sql" and o.option("unnamed") == "True"
        ]
        drops = [c for c in calls if c.name == "drop_constraint"]
        # a create that a drop(None) of the other function undoes is reported with that drop
        answered = {id(c) for d in drops for c in _candidates(d, calls)}
        for call in calls:
            shown = f"{call.via}.{call.name}(None{', ' + repr(call.table) if call.table and call.via == 'op' else ''})"
            if call.name == "drop_constraint":
                created = _candidates(call, calls)
                yield self.diagnostic(
                    file.path,
                    call.span,
                    f"{shown} in {call.entry}() fails: Alembic cannot drop a constraint without its name",
                    help=_drop_help(created[0] if len(created) == 1 else None),
                    revisions=_revision(file),
                    related=[Location(file.path, c.span, "created here without a name") for c in created],
                )
            elif (
                id(call) in answered
                or not convention.isdisjoint((_PREFIX[call.name], "*"))
                or call.option("naming_convention") == "True"
            ):
                continue
            else:
                yield self.diagnostic(
                    file.path,
                    call.span,
                    f"{shown} leaves the constraint's name to the database: a later revision "
                    "cannot drop or change it by a name it knows on every database",
                    help=f'name it, e.g. op.f("{_conventional(call)}"), and drop it by that name in '
                    + ("downgrade()" if call.entry == "upgrade" else "upgrade()"),
                    revisions=_revision(file),
                )


def _unnamed(file: RevisionFile) -> tuple[str, ...]:
    """The names SQLAlchemy's convention would give the file's unnamed creates."""
    return tuple(_conventional(o).lower() for o in file.operations if creates_unnamed(o))


def _named(file: RevisionFile) -> tuple[str, ...]:
    """The names the file's constraint calls give."""
    return tuple(o.target.lower() for o in file.operations if o.name in _CALLS and o.target)


def creates_unnamed(call: OpFact) -> bool:
    """A create of a constraint without a name (what target_metadata's convention would name:
    lint/pipeline.py reads it from the application only then)."""
    return call.name in _PREFIX and call.option("unnamed") == "True"


def _revision(file: RevisionFile) -> tuple[str, ...]:
    return (file.revision_id,) if file.revision_id else ()


def _conventional(call: OpFact) -> str:
    """The name SQLAlchemy's documented naming convention gives it (placeholders where unknown)."""
    table = call.table.rsplit(".", 1)[-1] or "<table>"
    column = (call.option("columns") or "").split(",")[0] or "<column>"
    if call.name == "create_foreign_key":
        return f"fk_{table}_{column}_{(call.option('referent') or '<referred_table>').rsplit('.', 1)[-1]}"
    if call.name == "create_unique_constraint":
        return f"uq_{table}_{column}"
    return f"ck_{table}_<what_it_checks>"


def _candidates(drop: OpFact, calls: list[OpFact]) -> list[OpFact]:
    """The unnamed creates of the other function on the drop's table (of its type_, when given)."""
    kind = _TYPE.get((drop.option("type_") or "").strip("'\""))  # the keyword's source text
    return [
        c for c in calls
        if c.name != "drop_constraint" and c.entry != drop.entry and c.table == drop.table
        and (kind is None or c.name == kind)
    ]  # fmt: skip


def _drop_help(created: OpFact | None) -> str:
    if created is None:
        return "pass the constraint's name, as the database named it (on PostgreSQL <table>_<columns>_fkey / _key / _check)"
    name = _conventional(created)
    text = f'name it in both places, e.g. op.f("{name}") (line {created.span.line} creates it)'
    suffix = _PG_SUFFIX.get(created.name)
    columns = (created.option("columns") or "").replace(",", "_")
    if suffix and columns and created.table:
        text += f"; databases that already ran it hold it as {created.table.rsplit('.', 1)[-1]}_{columns}_{suffix} on PostgreSQL"
    return text
