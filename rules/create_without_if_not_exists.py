from __future__ import annotations

from ..model import SqlStatement
from ..rule import Example
from ._sql_rule import SqlRule, upgrade_running


class CreateWithoutIfNotExists(SqlRule):
    """
    ## What it does
    Flags raw SQL that creates an object and fails when it already exists:
    CREATE TABLE / INDEX / SEQUENCE / SCHEMA / EXTENSION / MATERIALIZED VIEW without
    IF NOT EXISTS, CREATE VIEW / FUNCTION / PROCEDURE / TRIGGER without OR REPLACE,
    CREATE TYPE outside a guard (PostgreSQL has no IF NOT EXISTS for types), and
    `ALTER TYPE ... ADD VALUE` without IF NOT EXISTS (the label is there after a first run:
    "enum label already exists"; PostgreSQL 9.3+ takes IF NOT EXISTS).

    {guards}

    Safe where it stands: a DROP (with or without IF EXISTS) or a rename away of the
    same name before it (an index too after the drop of a constraint PostgreSQL names as
    a primary key's or unique constraint's, `<table>_pkey` / `..._key`, whose index goes
    with it); an object dropped again later in the same function (a temporary helper);
    an index on a table new on each run (dropped or made TEMPORARY earlier, made by
    `op.create_table` without `if_not_exists`, or made by a raw `CREATE TABLE` that a
    later statement drops or renames away); an unnamed `CREATE INDEX ON t (...)`, which
    PostgreSQL names afresh on every run (a second run adds an index, it never fails).

    ## Why is this bad?
    A database stamped at a baseline (a legacy install brought under Alembic) may
    already hold the object; the upgrade then stops halfway with "relation already
    exists", and every later revision is skipped.

    ## Example
    ```python
    op.execute("CREATE TABLE personality_traits (id serial PRIMARY KEY)")
    ```

    Use instead:
    ```python
    op.execute("CREATE TABLE IF NOT EXISTS personality_traits (id serial PRIMARY KEY)")
    ```
    For a type, wrap it: `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE
    typname = 'mood') THEN CREATE TYPE mood AS ENUM ('calm'); END IF; END $$`.
    `miglint lint --fix` inserts IF NOT EXISTS / OR REPLACE where the dialect has it.

    ## Fix safety
    IF NOT EXISTS is safe: it changes nothing where the object is missing, and where
    it exists the statement used to fail. OR REPLACE (OR ALTER in T-SQL) is unsafe:
    where a view, function, procedure or trigger of that name exists, it replaces
    the definition there - perhaps one a later revision changed - with this older
    one, silently. `--unsafe-fixes` applies it; check first that no later revision
    redefines the object.
    """

    code = "MG201"
    name = "create-without-if-not-exists"
    consequence = "fails when the object already exists"
    valid = (
        Example(files={"0001_r1.py": upgrade_running("CREATE TABLE IF NOT EXISTS t (id int)")}),
        Example(files={"0001_r1.py": upgrade_running("CREATE OR REPLACE VIEW v AS SELECT 1")}),
        Example(files={"0001_r1.py": upgrade_running("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'")}),
        Example(
            files={"0001_r1.py": upgrade_running("DROP INDEX IF EXISTS ix", "CREATE INDEX ix ON t (c)")},
            note="drop-if-exists-first",
        ),
        Example(
            files={
                "0001_r1.py": upgrade_running(
                    "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
                    "SELECT f()",
                    "DROP FUNCTION f()",
                )
            },
            note="temporary-function",
        ),
    )
    invalid = (
        Example(files={"0001_r1.py": upgrade_running("CREATE TABLE t (id int)")}, flagged=("r1",)),
        Example(
            files={"0001_r1.py": upgrade_running("ALTER TYPE mood ADD VALUE 'ok'")},
            flagged=("r1",),
            note="enum-label",
        ),
        Example(
            files={"0001_r1.py": upgrade_running("CREATE INDEX ix ON t (c); CREATE VIEW v AS SELECT 1")},
            flagged=("r1", "r1"),
        ),
    )

    def safe_fix(self, statement: SqlStatement) -> bool:
        return statement.insert is None or statement.insert[2].strip() not in ("OR REPLACE", "OR ALTER")
