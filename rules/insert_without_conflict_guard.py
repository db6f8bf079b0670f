from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..lazydataclass import replace
from ..memo import summarised
from ..model import Diagnostic, Fix, RevisionFile, SqlStatement
from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running

# table -> the column sets of its primary keys and unique constraints, from every revision
Keys = Mapping[str, Sequence[tuple[str, ...]]]
# a table's name without its schema -> (table, its keys) of each table of that name (by_name)
KeysByName = Mapping[str, Sequence[tuple[str, Sequence[tuple[str, ...]]]]]


# What one revision tells the history (`history_facts`): ("key", table, *columns) of each
# primary key and unique constraint upgrade() creates, ("rename", old, new) of each table
# it renames, ("cascade", child, parent) of each foreign key ON DELETE CASCADE.
Facts = Sequence[tuple[str, ...]]


def history_facts(file: RevisionFile) -> tuple[tuple[str, ...], ...]:
    """What the file's upgrade() creates that MG204 asks the history about, in its order:
    its SQL's, then its op calls'. Kept per file with the memo (a run after one change
    reads the statements of that file alone)."""
    upgrade = [s for s in file.sql if s.entry == "upgrade"]
    keys = [
        ("key", table, *columns) for table, columns in (*(k for s in upgrade for k in s.keys), *file.op_keys)
    ]
    renames = [("rename", s.target, s.renamed_to) for s in upgrade if s.renamed_to]
    renames += [("rename", old, new) for old, new in file.op_renames]
    cascades = [("cascade", c, p) for c, p in (*(c for s in upgrade for c in s.cascades), *file.op_cascades)]
    return (*keys, *renames, *cascades)


def unique_keys(history: Sequence[Facts]) -> dict[str, list[tuple[str, ...]]]:
    """Every primary key and unique constraint an upgrade() in the history creates, also
    under each name a renamed table takes (the constraints go with the table)."""
    found: dict[str, list[tuple[str, ...]]] = {}
    renames: list[tuple[str, str]] = []
    for facts in history:
        for kind, *values in facts:
            if kind == "key":
                found.setdefault(values[0], []).append(tuple(values[1:]))
            elif kind == "rename":
                renames.append((values[0], values[1]))
    for _ in renames:  # a chain of n renames settles in n rounds
        moved = False
        named = by_name(found)  # a rename is looked up by name, not against every table
        for old, new in renames:
            for table in [t for t, _ in named.get(_name(old), ()) if _same_table(t, old)]:
                missing = [k for k in found[table] if k not in found.get(new, [])]
                if missing:
                    found.setdefault(new, []).extend(missing)
                    moved = True
        if not moved:
            break
    return found


def cascading_parents(history: Sequence[Facts]) -> dict[str, set[str]]:
    """child table -> the tables whose DELETE empties it through foreign keys ON DELETE
    CASCADE (op.create_table / op.add_column / op.create_foreign_key, SQL REFERENCES ... ON
    DELETE CASCADE), transitively and under each name a rename gives either table. Names
    are compared without schema and case, as statements are read in order (sqlguards)."""
    edges: set[tuple[str, str]] = set()
    renames: list[tuple[str, str]] = []
    for facts in history:
        for kind, *values in facts:
            if kind == "cascade":
                edges.add((_bare(values[0]), _bare(values[1])))
            elif kind == "rename":
                renames.append((_bare(values[0]), _bare(values[1])))
    for _ in renames:  # a chain of n renames settles in n rounds
        moved = {
            (new if child == old else child, new if parent == old else parent)
            for old, new in renames
            for child, parent in edges
            if old in (child, parent)
        } - edges
        if not moved:
            break
        edges |= moved
    parents: dict[str, set[str]] = {}
    for child, parent in edges:
        parents.setdefault(child, set()).add(parent)
    for child in parents:  # a DELETE of a grandparent cascades through the parent
        stack = list(parents[child])
        while stack:
            for grand in parents.get(stack.pop(), ()):
                if grand not in parents[child]:
                    parents[child].add(grand)
                    stack.append(grand)
    return parents


def _bare(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip().strip('"`[]').lower()


def _same_table(a: str, b: str) -> bool:
    """`schema.t` and `t` are the same table; `s1.t` and `s2.t` are not."""
    schema_a, _, name_a = a.rpartition(".")
    schema_b, _, name_b = b.rpartition(".")
    return name_a == name_b and (not schema_a or not schema_b or schema_a == schema_b)


def by_name(keys: Keys) -> dict[str, list[tuple[str, Sequence[tuple[str, ...]]]]]:
    """The keys grouped by table name without schema: an INSERT asks about one table, and
    looking through every table of a long history for each INSERT was quadratic."""
    found: dict[str, list[tuple[str, Sequence[tuple[str, ...]]]]] = {}
    for table, columns in keys.items():
        found.setdefault(_name(table), []).append((table, columns))
    return found


def _name(table: str) -> str:
    return table.rpartition(".")[2]


def covering_key(keys: KeysByName, statement: SqlStatement) -> tuple[str, ...] | None:
    """A key of the INSERT's table whose columns the INSERT all gives non-NULL values.

    Only such a key makes a second run conflict, so that ON CONFLICT DO NOTHING skips
    the rows; a SERIAL id the INSERT does not list is generated anew and never does.
    """
    if not statement.columns:
        return None
    inserted = set(statement.columns)
    for table, found in keys.get(_name(statement.target), ()):
        if not _same_table(table, statement.target):
            continue
        for columns in found:
            if set(columns) <= inserted:
                return columns
    return None


class InsertWithoutConflictGuard(SqlRule):
    """
    ## What it does
    Flags an INSERT without ON CONFLICT, WHERE NOT EXISTS (or NOT IN), or the dialect's
    INSERT IGNORE / INSERT OR IGNORE / MERGE. An INSERT ... SELECT of the rows the table
    lacks is guarded too: `EXCEPT SELECT ... FROM` the table, or a `LEFT JOIN` of the
    table `WHERE` one of its columns `IS NULL`.

    {guards}

    Safe where it stands: an INSERT after a `DELETE FROM` the same table (with any
    WHERE: the usual "replace these rows" pattern is accepted as such) or a `TRUNCATE`
    of it, or into a table that is new on each run (dropped or made TEMPORARY earlier,
    or made by `op.create_table` without `if_not_exists`: a second run stops there).
    After a raw `CREATE TABLE` it stays reported: `--fix` makes that create idempotent,
    and the INSERT would then run twice; unless a later statement drops the table again
    (a temporary helper: MG201 leaves its CREATE alone, so each run makes it anew;
    tracim).
    Nor an `INSERT INTO archive SELECT ... FROM t WHERE c` that a later `DELETE FROM t WHERE
    c` (the same table, unaliased, the same condition) follows on its path: the rows moved
    are gone, and a second run finds none to copy (airflow's archived XCom rows).
    Nor in a loop over the rows of a query that keeps only those the table has none for
    (`SELECT ... WHERE NOT EXISTS (SELECT 1 FROM t ...)`, `LEFT JOIN t ... WHERE t.x IS
    NULL`, `EXCEPT SELECT ... FROM t`), in the loop's body or a module function it
    calls: a second run finds no row to insert (the INSERT is taken to write the row the
    loop is on; the query is read in the loop or in the names it iterates). Not reported
    either after a `DELETE FROM` a parent table whose foreign key from the INSERT's
    table has ON DELETE CASCADE, declared in any revision of the history
    (`ondelete="CASCADE"` on a ForeignKey, ForeignKeyConstraint or
    `op.create_foreign_key`, or REFERENCES ... ON DELETE CASCADE in SQL): the DELETE
    empties the child table too. Still reported: an INSERT in a loop over a query whose
    rows the same loop's UPDATE takes out of it (`SELECT ... WHERE disabled = false`,
    then `UPDATE ... SET disabled = true WHERE id = :id`): telling that needs the row's
    id followed through calls into bind parameters and the UPDATE's SET compared with
    the query's WHERE, and miglint would be guessing; and an INSERT whose second run
    stops earlier at a DELETE of a parent that a foreign key without cascade blocks (it
    depends on rows being there).

    ## Why is this bad?
    Run again - a re-applied revision, a database stamped below it - the insert
    fails on a unique key or, worse, duplicates the rows it seeds.

    ## Example
    ```python
    op.execute("INSERT INTO personality_traits (character_id, trait_name) VALUES (1, 'warm')")
    ```

    Use instead:
    ```python
    op.execute(
        "INSERT INTO personality_traits (character_id, trait_name) VALUES (1, 'warm') "
        "ON CONFLICT (character_id, trait_name) DO NOTHING"
    )
    ```
    or, where no unique key covers the inserted columns:
    ```python
    op.execute(
        "INSERT INTO personality_traits (character_id, trait_name) SELECT 1, 'warm' "
        "WHERE NOT EXISTS (SELECT 1 FROM personality_traits "
        "WHERE character_id = 1 AND trait_name = 'warm')"
    )
    ```

    ## Fix safety
    `--fix` appends ON CONFLICT DO NOTHING (PostgreSQL, SQLite) only where the history
    shows a primary key or unique constraint of the table - an `op.create_table` with a
    `primary_key=True` / `unique=True` column, a PrimaryKeyConstraint or UniqueConstraint,
    `op.create_unique_constraint`, `op.create_primary_key`, a unique `op.create_index`,
    or SQL CREATE TABLE / ALTER TABLE ... ADD / CREATE UNIQUE INDEX - whose columns the
    INSERT lists and gives values other than NULL. Without such a key the clause is a
    no-op: a SERIAL id that the INSERT does not list is generated anew, nothing
    conflicts, and a second run still duplicates the rows while the finding disappears.
    Then the fix is unsafe (`--unsafe-fixes`) and the help spells out WHERE NOT EXISTS.
    A value computed when the revision runs (`now()`, `nextval(...)`) in a key column
    is taken as given. Keys are matched by table name as written, and follow the table
    through `op.rename_table` and ALTER TABLE ... RENAME TO.
    """

    code = "MG204"
    name = "insert-without-conflict-guard"
    consequence = "duplicates its rows, or fails on a unique key, when run again"
    valid = (
        Example(files={"0001_r1.py": upgrade_running("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING")}),
        Example(
            files={"0001_r1.py": upgrade_running("DELETE FROM t WHERE id = 1", "INSERT INTO t VALUES (1)")},
            note="delete-first",
        ),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "INSERT INTO dependency (name) SELECT name FROM build EXCEPT (SELECT name FROM dependency)",
                    "INSERT INTO t (a) SELECT s.a FROM s LEFT JOIN t AS old ON old.a = s.a WHERE old.a IS NULL",
                )
            },
            note="rows-the-table-lacks",  # koschei 6d4894cd2307
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("INSERT INTO t VALUES (1)")}, flagged=("r1",)),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "INSERT INTO t (a) SELECT a FROM s EXCEPT SELECT a FROM other",
                    "INSERT INTO t (a) SELECT s.a FROM s LEFT JOIN t ON t.a = s.a WHERE s.b IS NULL",
                )
            },
            flagged=("r1", "r1"),
            note="another-table-or-column",
        ),
    )

    memo = False  # a finding depends on the keys and cascades of the whole history

    def check_files(self, files: Sequence[RevisionFile], shared: dict[str, Any]) -> Iterator[Diagnostic]:
        memo = shared.get("memo")
        self.history = [summarised(memo, "MG204/history", f, history_facts) for f in files]
        self.keys: KeysByName = by_name(unique_keys(self.history))
        self.parents: dict[str, set[str]] | None = None  # worked out for the first INSERT that needs it
        yield from super().check_files(files, shared)

    def safe_in_history(self, statement: SqlStatement) -> bool:
        if not statement.emptied_before:
            return False
        if getattr(self, "parents", None) is None:
            self.parents = cascading_parents(getattr(self, "history", ()))
        assert self.parents is not None
        return not self.parents.get(_bare(statement.target), set()).isdisjoint(statement.emptied_before)

    def advice(self, statement: SqlStatement) -> str:
        if statement.insert is None:  # no clause to add in this dialect, or it would not parse
            return super().advice(statement)
        key = covering_key(getattr(self, "keys", {}), statement)
        table = statement.target or "the table"
        if key is not None:
            return (
                f"add ON CONFLICT DO NOTHING: the key ({', '.join(key)}) of {table} makes a "
                "second run skip these rows"
            )
        listed = ", ".join(statement.columns)
        columns = f"the inserted columns ({listed})" if listed else "an INSERT that lists no columns"
        return (
            f"miglint sees no primary key or unique constraint of {table} within {columns}, and without "
            f"one ON CONFLICT DO NOTHING does not stop a second run: insert with INSERT INTO {table} (...) "
            f"SELECT ... WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE <key columns> = <values>)"
        )

    def fix(self, file: RevisionFile, statement: SqlStatement) -> Fix | None:
        fix = super().fix(file, statement)
        if fix is None or covering_key(getattr(self, "keys", {}), statement) is not None:
            return fix
        return replace(
            fix, description=f"{fix.description} (no unique key known to cover the inserted rows)", safe=False
        )
