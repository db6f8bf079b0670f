"""lint/sql.py: which statements cannot run twice, where they are, and the proved fixes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from miglint import sql as sql_module
from miglint.sql import DIALECTS, Statement, analyze, postgres


def subject(statements: list[Statement]) -> Statement:
    """The statement a case is about: the first with a rule, else the first."""
    return next((s for s in statements if s.rule), statements[0])


def apply(sql: str, fix: tuple[int, str]) -> str:
    offset, text = fix
    return sql[:offset] + text + sql[offset:]


P = pytest.param

# dialect, sql, rule, kind, target, guarded, the text after the fix (None: no fix)
RULE_CASES = [
    # -- PostgreSQL: MG201 create-without-if-not-exists
    P("postgresql", "CREATE TABLE t (a int)", "MG201", "CREATE TABLE", "t", False,
      "CREATE TABLE IF NOT EXISTS t (a int)", id="pg-create-table"),
    P("postgresql", "CREATE TABLE IF NOT EXISTS t (a int)", "MG201", "CREATE TABLE", "t", True, None,
      id="pg-create-table-guarded"),
    P("postgresql", "create unlogged table Public.T (a int)", "MG201", "CREATE TABLE", "public.t", False,
      "create unlogged table IF NOT EXISTS Public.T (a int)", id="pg-create-table-case-kept"),
    P("postgresql", "CREATE TABLE tâche (nom text DEFAULT 'é')", "MG201", "CREATE TABLE", "tâche", False,
      "CREATE TABLE IF NOT EXISTS tâche (nom text DEFAULT 'é')", id="pg-non-ascii"),
    P("postgresql", "CREATE TEMP TABLE tmp (a int)", None, "CREATE TEMPORARY TABLE", "tmp", False, None,
      id="pg-create-temp-table-no-rule"),
    P("postgresql", "CREATE TABLE t AS SELECT 1 AS a", "MG201", "CREATE TABLE", "t", False,
      "CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS a", id="pg-create-table-as"),
    P("postgresql", "CREATE INDEX ix ON t (a)", "MG201", "CREATE INDEX", "ix", False,
      "CREATE INDEX IF NOT EXISTS ix ON t (a)", id="pg-create-index"),
    P("postgresql", "CREATE UNIQUE INDEX CONCURRENTLY ix ON t (a)", "MG201", "CREATE UNIQUE INDEX", "ix", False,
      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (a)", id="pg-create-index-concurrently"),
    P("postgresql", "CREATE INDEX IF NOT EXISTS ix ON t (a)", "MG201", "CREATE INDEX", "ix", True, None,
      id="pg-create-index-guarded"),
    # PostgreSQL names an unnamed index afresh on each run: it never collides
    P("postgresql", "CREATE INDEX ON t (a)", "MG201", "CREATE INDEX", "", True, None,
      id="pg-create-unnamed-index-never-collides"),
    P("postgresql", "CREATE SEQUENCE s", "MG201", "CREATE SEQUENCE", "s", False,
      "CREATE SEQUENCE IF NOT EXISTS s", id="pg-create-sequence"),
    P("postgresql", "CREATE SCHEMA s", "MG201", "CREATE SCHEMA", "s", False,
      "CREATE SCHEMA IF NOT EXISTS s", id="pg-create-schema"),
    P("postgresql", 'CREATE EXTENSION "uuid-ossp"', "MG201", "CREATE EXTENSION", "uuid-ossp", False,
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"', id="pg-create-extension"),
    P("postgresql", "CREATE EXTENSION IF NOT EXISTS pgcrypto", "MG201", "CREATE EXTENSION", "pgcrypto", True, None,
      id="pg-create-extension-guarded"),
    P("postgresql", "CREATE MATERIALIZED VIEW mv AS SELECT 1", "MG201", "CREATE MATERIALIZED VIEW", "mv", False,
      "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1", id="pg-create-matview"),
    P("postgresql", "CREATE VIEW v AS SELECT 1", "MG201", "CREATE VIEW", "v", False,
      "CREATE OR REPLACE VIEW v AS SELECT 1", id="pg-create-view"),
    P("postgresql", "CREATE OR REPLACE VIEW v AS SELECT 1", "MG201", "CREATE VIEW", "v", True, None,
      id="pg-create-view-guarded"),
    P("postgresql", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", "MG201", "CREATE FUNCTION",
      "f", False, "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
      id="pg-create-function"),
    P("postgresql", "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$", "MG201", "CREATE PROCEDURE", "p", False,
      "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$", id="pg-create-procedure"),
    P("postgresql", "CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()", "MG201",
      "CREATE TRIGGER", "trg", False,
      "CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()", id="pg-create-trigger"),
    P("postgresql", "CREATE CONSTRAINT TRIGGER ct AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "MG201",
      "CREATE CONSTRAINT TRIGGER", "ct", False, None, id="pg-create-constraint-trigger-no-fix"),
    P("postgresql", "CREATE TYPE mood AS ENUM ('sad', 'ok')", "MG201", "CREATE TYPE", "mood", False, None,
      id="pg-create-type-enum"),
    P("postgresql", "CREATE TYPE pair AS (a int, b int)", "MG201", "CREATE TYPE", "pair", False, None,
      id="pg-create-type-composite"),
    P("postgresql", "CREATE DOMAIN posint AS int CHECK (VALUE > 0)", "MG201", "CREATE DOMAIN", "posint", False, None,
      id="pg-create-domain"),
    # MG202 add-column-without-if-not-exists
    P("postgresql", "ALTER TABLE t ADD COLUMN a int", "MG202", "ALTER TABLE ADD COLUMN", "t.a", False,
      "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int", id="pg-add-column"),
    P("postgresql", "ALTER TABLE t ADD a int", "MG202", "ALTER TABLE ADD COLUMN", "t.a", False,
      "ALTER TABLE t ADD IF NOT EXISTS a int", id="pg-add-without-column-keyword"),
    P("postgresql", "ALTER TABLE ONLY s.t ADD COLUMN IF NOT EXISTS a int", "MG202", "ALTER TABLE ADD COLUMN",
      "s.t.a", True, None, id="pg-add-column-guarded"),
    # MG203 drop-without-if-exists
    P("postgresql", "DROP TABLE t", "MG203", "DROP TABLE", "t", False, "DROP TABLE IF EXISTS t", id="pg-drop-table"),
    P("postgresql", "DROP TABLE IF EXISTS t", "MG203", "DROP TABLE", "t", True, None, id="pg-drop-table-guarded"),
    P("postgresql", "DROP INDEX CONCURRENTLY ix", "MG203", "DROP INDEX", "ix", False,
      "DROP INDEX CONCURRENTLY IF EXISTS ix", id="pg-drop-index-concurrently"),
    P("postgresql", "DROP MATERIALIZED VIEW mv", "MG203", "DROP MATERIALIZED VIEW", "mv", False,
      "DROP MATERIALIZED VIEW IF EXISTS mv", id="pg-drop-matview"),
    P("postgresql", "DROP TYPE mood", "MG203", "DROP TYPE", "mood", False, "DROP TYPE IF EXISTS mood",
      id="pg-drop-type"),
    P("postgresql", "DROP FUNCTION f(int)", "MG203", "DROP FUNCTION", "f", False, "DROP FUNCTION IF EXISTS f(int)",
      id="pg-drop-function"),
    P("postgresql", "DROP TRIGGER trg ON t", "MG203", "DROP TRIGGER", "trg ON t", False,
      "DROP TRIGGER IF EXISTS trg ON t", id="pg-drop-trigger"),
    P("postgresql", "DROP TEXT SEARCH CONFIGURATION cfg", "MG203", "DROP TEXT SEARCH CONFIGURATION", "cfg", False,
      "DROP TEXT SEARCH CONFIGURATION IF EXISTS cfg", id="pg-drop-three-keywords"),
    P("postgresql", "DROP ROLE r", "MG203", "DROP ROLE", "r", False, "DROP ROLE IF EXISTS r", id="pg-drop-role"),
    P("postgresql", "ALTER TABLE t DROP COLUMN a", "MG203", "ALTER TABLE DROP COLUMN", "t.a", False,
      "ALTER TABLE t DROP COLUMN IF EXISTS a", id="pg-drop-column"),
    P("postgresql", "ALTER TABLE t DROP a", "MG203", "ALTER TABLE DROP COLUMN", "t.a", False,
      "ALTER TABLE t DROP IF EXISTS a", id="pg-drop-without-column-keyword"),
    P("postgresql", "ALTER TABLE t DROP CONSTRAINT k", "MG203", "ALTER TABLE DROP CONSTRAINT", "t.k", False,
      "ALTER TABLE t DROP CONSTRAINT IF EXISTS k", id="pg-drop-constraint"),
    P("postgresql", "ALTER TABLE t DROP CONSTRAINT IF EXISTS k", "MG203", "ALTER TABLE DROP CONSTRAINT", "t.k",
      True, None, id="pg-drop-constraint-guarded"),
    # MG204 insert-without-conflict-guard
    P("postgresql", "INSERT INTO t (a) VALUES (1)", "MG204", "INSERT", "t", False,
      "INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING", id="pg-insert"),
    P("postgresql", "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO NOTHING", "MG204", "INSERT", "t", True, None,
      id="pg-insert-on-conflict"),
    P("postgresql", "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = excluded.a", "MG204", "INSERT",
      "t", True, None, id="pg-insert-upsert"),
    P("postgresql", "INSERT INTO t (a) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t WHERE a = 1)", "MG204", "INSERT",
      "t", True, None, id="pg-insert-where-not-exists"),
    P("postgresql", "INSERT INTO t (a) VALUES (1) RETURNING id", "MG204", "INSERT", "t", False, None,
      id="pg-insert-returning-no-fix"),
    P("postgresql", "INSERT INTO t DEFAULT VALUES", "MG204", "INSERT", "t", False,
      "INSERT INTO t DEFAULT VALUES ON CONFLICT DO NOTHING", id="pg-insert-default-values"),
    # MG205 add-constraint-unguarded
    P("postgresql", "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a)", "MG205", "ALTER TABLE ADD CONSTRAINT", "t.uq",
      False, None, id="pg-add-constraint"),
    P("postgresql", "ALTER TABLE t ADD PRIMARY KEY (id)", "MG205", "ALTER TABLE ADD CONSTRAINT", "t", False, None,
      id="pg-add-unnamed-constraint"),
    # unnamed: a second run adds a duplicate under a made-up name, it never fails (nylas)
    P("postgresql", "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id)", "MG205", "ALTER TABLE ADD CONSTRAINT",
      "t", True, None, id="pg-add-unnamed-foreign-key"),
    P("postgresql", "ALTER TABLE t ADD CHECK (a > 0)", "MG205", "ALTER TABLE ADD CONSTRAINT", "t", True, None,
      id="pg-add-unnamed-check"),
    P("postgresql", "ALTER TABLE t ADD UNIQUE (a)", "MG205", "ALTER TABLE ADD CONSTRAINT", "t", True, None,
      id="pg-add-unnamed-unique"),
    P("mysql", "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id)", "MG205", "ALTER TABLE ADD CONSTRAINT",
      "t", True, None, id="mysql-add-unnamed-foreign-key"),
    P("mysql", "ALTER TABLE t ADD PRIMARY KEY (id)", "MG205", "ALTER TABLE ADD CONSTRAINT", "t", False, None,
      id="mysql-add-unnamed-primary-key"),
    # MG206 rename-unguarded
    P("postgresql", "ALTER TABLE t RENAME TO u", "MG206", "ALTER TABLE RENAME", "t", False, None,
      id="pg-rename-table"),
    P("postgresql", "ALTER TABLE IF EXISTS t RENAME TO u", "MG206", "ALTER TABLE RENAME", "t", True, None,
      id="pg-rename-table-if-exists"),
    P("postgresql", "ALTER TABLE IF EXISTS t RENAME COLUMN a TO b", "MG206", "ALTER TABLE RENAME COLUMN", "t.a",
      False, None, id="pg-rename-column-if-exists-is-about-the-table"),
    P("postgresql", "ALTER TABLE t RENAME CONSTRAINT a TO b", "MG206", "ALTER TABLE RENAME CONSTRAINT", "t.a",
      False, None, id="pg-rename-constraint"),
    P("postgresql", "ALTER INDEX i RENAME TO j", "MG206", "ALTER INDEX RENAME", "i", False, None,
      id="pg-rename-index"),
    # no rule
    P("postgresql", "UPDATE t SET a = 1", None, "UPDATE", "", False, None, id="pg-update"),
    P("postgresql", "DELETE FROM t", None, "DELETE", "t", False, None, id="pg-delete"),
    P("postgresql", "COMMENT ON TABLE t IS 'x'", None, "COMMENT ON", "", False, None, id="pg-comment"),
    P("postgresql", "ALTER TABLE t ALTER COLUMN a TYPE bigint", None, "ALTER TABLE", "t", False, None,
      id="pg-alter-column"),
    P("postgresql", "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy'", "MG201", "ALTER TYPE ADD VALUE", "mood", True,
      None, id="pg-alter-type-add-value"),
    # the label is there after a first run (osparc: 217 of 359 ADD VALUE in the corpora lack the guard)
    P("postgresql", "ALTER TYPE mood ADD VALUE 'happy' BEFORE 'sad'", "MG201", "ALTER TYPE ADD VALUE", "mood", False,
      "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy' BEFORE 'sad'", id="pg-alter-type-add-value-unguarded"),
    P("postgresql", "ALTER TYPE mood RENAME VALUE 'a' TO 'b'", None, "ALTER TYPE RENAME VALUE", "mood", False,
      None, id="pg-alter-type-rename-value"),
    P("postgresql", "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)", None,
      "MERGE", "t", True, None, id="pg-merge"),
    # -- MySQL
    P("mysql", "CREATE TABLE t (a INT)", "MG201", "CREATE TABLE", "t", False, "CREATE TABLE IF NOT EXISTS t (a INT)",
      id="mysql-create-table"),
    P("mysql", "CREATE TABLE IF NOT EXISTS t (a INT)", "MG201", "CREATE TABLE", "t", True, None,
      id="mysql-create-table-guarded"),
    P("mysql", "CREATE INDEX ix ON t (a)", "MG201", "CREATE INDEX", "ix", False, None,
      id="mysql-create-index-no-syntax"),
    P("mysql", "CREATE VIEW v AS SELECT 1", "MG201", "CREATE VIEW", "v", False, "CREATE OR REPLACE VIEW v AS SELECT 1",
      id="mysql-create-view"),
    P("mysql", "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = 2; END",
      "MG201", "CREATE TRIGGER", "tr", False, None, id="mysql-create-trigger-body-not-split"),
    P("mysql", "ALTER TABLE t ADD COLUMN b INT", None, "ALTER TABLE ADD COLUMN", "t.b", False, None,
      id="mysql-add-column-no-syntax"),
    P("mysql", "DROP TABLE t", "MG203", "DROP TABLE", "t", False, "DROP TABLE IF EXISTS t", id="mysql-drop-table"),
    P("mysql", "DROP TABLE IF EXISTS t", "MG203", "DROP TABLE", "t", True, None, id="mysql-drop-table-guarded"),
    P("mysql", "DROP INDEX ix ON t", "MG203", "DROP INDEX", "ix", False, None, id="mysql-drop-index-no-syntax"),
    P("mysql", "ALTER TABLE t DROP COLUMN c", "MG203", "ALTER TABLE DROP COLUMN", "t.c", False, None,
      id="mysql-drop-column"),
    P("mysql", "INSERT INTO t VALUES (1)", "MG204", "INSERT", "t", False, None, id="mysql-insert"),
    P("mysql", "INSERT IGNORE INTO t VALUES (1)", "MG204", "INSERT", "t", True, None, id="mysql-insert-ignore"),
    P("mysql", "INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = 1", "MG204", "INSERT", "t", True, None,
      id="mysql-on-duplicate-key"),
    P("mysql", "INSERT INTO t SELECT 1 FROM dual WHERE NOT EXISTS (SELECT 1 FROM t)", "MG204", "INSERT", "t", True,
      None, id="mysql-insert-where-not-exists"),
    P("mysql", "REPLACE INTO t VALUES (1)", "MG204", "INSERT", "t", True, None, id="mysql-replace-into"),
    P("mysql", "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a)", "MG205", "ALTER TABLE ADD CONSTRAINT", "t.uq", False,
      None, id="mysql-add-constraint"),
    P("mysql", "RENAME TABLE a TO b", "MG206", "ALTER TABLE RENAME", "a", False, None, id="mysql-rename-table"),
    P("mysql", "ALTER TABLE t CHANGE a b INT", "MG206", "ALTER TABLE RENAME COLUMN", "t.a", False, None,
      id="mysql-change-column"),
    # -- SQLite
    P("sqlite", "CREATE TABLE t (a INTEGER)", "MG201", "CREATE TABLE", "t", False,
      "CREATE TABLE IF NOT EXISTS t (a INTEGER)", id="sqlite-create-table"),
    P("sqlite", "CREATE INDEX IF NOT EXISTS ix ON t (a)", "MG201", "CREATE INDEX", "ix", True, None,
      id="sqlite-create-index-guarded"),
    P("sqlite", "CREATE VIEW v AS SELECT 1", "MG201", "CREATE VIEW", "v", False, "CREATE VIEW IF NOT EXISTS v AS SELECT 1",
      id="sqlite-create-view-if-not-exists"),
    P("sqlite", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; INSERT INTO log VALUES (1); END",
      "MG201", "CREATE TRIGGER", "tr", False,
      "CREATE TRIGGER IF NOT EXISTS tr AFTER INSERT ON t BEGIN UPDATE t SET a = 1; INSERT INTO log VALUES (1); END",
      id="sqlite-create-trigger"),
    P("sqlite", "ALTER TABLE t ADD COLUMN b INTEGER", None, "ALTER TABLE ADD COLUMN", "t.b", False, None,
      id="sqlite-add-column-no-syntax"),
    P("sqlite", "DROP INDEX ix", "MG203", "DROP INDEX", "ix", False, "DROP INDEX IF EXISTS ix", id="sqlite-drop-index"),
    P("sqlite", "DROP VIEW IF EXISTS v", "MG203", "DROP VIEW", "v", True, None, id="sqlite-drop-view-guarded"),
    P("sqlite", "INSERT INTO t VALUES (1)", "MG204", "INSERT", "t", False, "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
      id="sqlite-insert"),
    P("sqlite", "INSERT OR IGNORE INTO t VALUES (1)", "MG204", "INSERT", "t", True, None, id="sqlite-insert-or-ignore"),
    P("sqlite", "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", "MG204", "INSERT", "t", True, None,
      id="sqlite-insert-on-conflict"),
    P("sqlite", "INSERT INTO t SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t)", "MG204", "INSERT", "t", True, None,
      id="sqlite-insert-where-not-exists"),
    P("sqlite", "INSERT INTO t SELECT a FROM s WHERE a > 0", "MG204", "INSERT", "t", False,
      "INSERT INTO t SELECT a FROM s WHERE a > 0 ON CONFLICT DO NOTHING", id="sqlite-insert-select-where"),
    P("sqlite", "INSERT INTO t SELECT a FROM s", "MG204", "INSERT", "t", False, None,
      id="sqlite-insert-select-without-where-no-fix"),
    P("sqlite", "INSERT INTO t VALUES (1) RETURNING a", "MG204", "INSERT", "t", False, None,
      id="sqlite-insert-returning-no-fix"),
    P("sqlite", "ALTER TABLE t RENAME TO u", "MG206", "ALTER TABLE RENAME", "t", False, None, id="sqlite-rename"),
    # -- SQL Server
    P("mssql", "CREATE TABLE t (a INT)", "MG201", "CREATE TABLE", "t", False, None, id="mssql-create-table"),
    P("mssql", "CREATE VIEW v AS SELECT 1", "MG201", "CREATE VIEW", "v", False, "CREATE OR ALTER VIEW v AS SELECT 1",
      id="mssql-create-or-alter"),
    P("mssql", "DROP TABLE t", "MG203", "DROP TABLE", "t", False, "DROP TABLE IF EXISTS t", id="mssql-drop-table"),
    P("mssql", "ALTER TABLE t DROP CONSTRAINT k", "MG203", "ALTER TABLE DROP CONSTRAINT", "t.k", False,
      "ALTER TABLE t DROP CONSTRAINT IF EXISTS k", id="mssql-drop-constraint"),
    P("mssql", "INSERT INTO t (a) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t WHERE a = 1)", "MG204", "INSERT", "t",
      True, None, id="mssql-insert-where-not-exists"),
    P("mssql", "EXEC sp_rename 't.a', 'b', 'COLUMN'", "MG206", "ALTER TABLE RENAME COLUMN", "t.a", False, None,
      id="mssql-sp-rename"),
    P("mssql", "IF OBJECT_ID('t') IS NULL CREATE TABLE t (a INT)", None, "DO", "", True, None,
      id="mssql-if-object-id-block"),
    # -- Oracle
    P("oracle", "CREATE TABLE t (a NUMBER)", "MG201", "CREATE TABLE", "t", False, None, id="oracle-create-table"),
    P("oracle", "CREATE TABLE IF NOT EXISTS t (a NUMBER)", "MG201", "CREATE TABLE", "t", True, None,
      id="oracle-23ai-if-not-exists"),
    P("oracle", "CREATE PROCEDURE p AS x NUMBER; BEGIN x := 1; END;", "MG201", "CREATE PROCEDURE", "p", False,
      "CREATE OR REPLACE PROCEDURE p AS x NUMBER; BEGIN x := 1; END;", id="oracle-create-procedure"),
    P("oracle", "DROP TABLE t PURGE", "MG203", "DROP TABLE", "t", False, None, id="oracle-drop-table"),
    P("oracle", "BEGIN EXECUTE IMMEDIATE 'CREATE TABLE t (a NUMBER)'; "
      "EXCEPTION WHEN OTHERS THEN IF SQLCODE != -955 THEN RAISE; END IF; END;", None, "DO", "", True, None,
      id="oracle-plsql-block"),
    P("oracle", "MERGE INTO t USING s ON (t.a = s.a) WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)", None, "MERGE",
      "t", True, None, id="oracle-merge"),
]  # fmt: skip


@pytest.mark.parametrize(("dialect", "sql", "rule", "kind", "target", "guarded", "fixed"), RULE_CASES)
def test_rule(
    dialect: str, sql: str, rule: str | None, kind: str, target: str, guarded: bool, fixed: str | None
) -> None:
    statements, unparsed = analyze(sql, dialect)
    assert unparsed == []
    stmt = subject(statements)
    assert (stmt.rule, stmt.kind, stmt.target, stmt.guarded) == (rule, kind, target, guarded)
    assert stmt.safe_when or rule is None
    assert (apply(sql, stmt.fix) if stmt.fix else None) == fixed


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [P(c.values[0], c.values[1], id=c.id) for c in RULE_CASES if c.values[6] is not None],
)
def test_fix_is_proved_and_idempotent(dialect: str, sql: str) -> None:
    """The fixed text is the same statement, now guarded; fixing it again changes nothing;
    every byte outside the insertion is untouched."""
    stmt = subject(analyze(sql, dialect)[0])
    assert stmt.fix is not None
    fixed = apply(sql, stmt.fix)
    offset, text = stmt.fix
    assert fixed[:offset] + fixed[offset + len(text) :] == sql
    again = subject(analyze(fixed, dialect)[0])
    assert (again.kind, again.target, again.guarded, again.fix) == (stmt.kind, stmt.target, True, None)


@pytest.mark.parametrize(
    ("sql", "after", "text", "fact", "proved"),
    [
        P("CREATE TABLE t (id int)", "TABLE", " IF NOT EXISTS", 0, True, id="right-place"),
        P("CREATE TABLE t (id int)", "TABLE t", " IF NOT EXISTS", 0, False, id="does-not-parse"),
        # guarded, same kind and target, but a different table: only the tree comparison sees it
        P("CREATE TABLE t (id int)", "TABLE", " IF NOT EXISTS t (id bigint) --", 0, False,
          id="changes-the-columns"),
        P("CREATE TABLE t (id int)", "CREATE", " UNLOGGED", 0, False, id="not-a-guard"),
        P("ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int", "ADD COLUMN", " IF NOT EXISTS", 1, False,
          id="guards-another-action"),
        P("ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int", "a int, ADD COLUMN", " IF NOT EXISTS", 1, True,
          id="guards-its-action"),
        P("ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int", "b int", "", 1, False, id="guards-nothing"),
        P("INSERT INTO t (a) VALUES (1)", "(1)", " ON CONFLICT DO NOTHING", 0, True, id="insert"),
        P("INSERT INTO t (a) VALUES (1)", "(1)", " ON CONFLICT (a) DO NOTHING", 0, False,
          id="insert-with-a-conflict-target"),
        P("DROP TABLE a", "TABLE", " IF EXISTS", 0, True, id="drop"),
        P("CREATE VIEW v AS SELECT 1", "CREATE", " OR REPLACE", 0, True, id="or-replace"),
    ],
)  # fmt: skip
def test_a_fix_is_offered_only_when_reparsing_proves_it(
    sql: str, after: str, text: str, fact: int, proved: bool
) -> None:
    (stmt,) = postgres._pg_parse(sql, 0, len(sql))
    facts = postgres._PG_HANDLERS[stmt.node_type](stmt)
    at = sql.index(after) + len(after)  # after the first occurrence
    assert postgres._pg_verifier(stmt)(at, text, facts[fact]) is proved


# -- statement offsets ------------------------------------------------------------------

MULTI = """\
-- leading comment; CREATE TABLE not_a_statement (a int);
CREATE TABLE IF NOT EXISTS personality_traits (
    id SERIAL PRIMARY KEY,
    note TEXT DEFAULT 'a; b -- not a comment'
);
/* block ; comment with DROP TABLE x; */
INSERT INTO personality_traits (id, note) VALUES (1, 'x') ON CONFLICT DO NOTHING;   -- trailing
CREATE FUNCTION f() RETURNS trigger AS $fn$
BEGIN
    CREATE TABLE inside_body (a int);
    RETURN NEW;
END;
$fn$ LANGUAGE plpgsql;
DROP TABLE legacy
"""


@pytest.mark.parametrize(
    ("dialect", "sql", "expected"),
    [
        P("postgresql", MULTI, [
            "CREATE TABLE IF NOT EXISTS personality_traits (\n    id SERIAL PRIMARY KEY,\n"
            "    note TEXT DEFAULT 'a; b -- not a comment'\n)",
            "INSERT INTO personality_traits (id, note) VALUES (1, 'x') ON CONFLICT DO NOTHING",
            "CREATE FUNCTION f() RETURNS trigger AS $fn$\nBEGIN\n    CREATE TABLE inside_body (a int);\n"
            "    RETURN NEW;\nEND;\n$fn$ LANGUAGE plpgsql",
            "DROP TABLE legacy",
        ], id="pg-comments-literals-dollar-quotes"),
        P("postgresql", "SELECT 1;;  SELECT 'é;ü' ;\n\tUPDATE t SET a = 'ß' -- c\n",
          ["SELECT 1", "SELECT 'é;ü'", "UPDATE t SET a = 'ß'"], id="pg-non-ascii-empty-statement"),
        P("sqlite", "/* x; */ CREATE TABLE a (b TEXT DEFAULT ';');\n-- DROP TABLE a;\nDROP TABLE a",
          ["CREATE TABLE a (b TEXT DEFAULT ';')", "DROP TABLE a"], id="sqlite-comments-literals"),
        P("mysql", "CREATE TABLE a (b TEXT DEFAULT 'it\\'s;'); # comment;\nINSERT IGNORE INTO a VALUES ('é;')",
          ["CREATE TABLE a (b TEXT DEFAULT 'it\\'s;')", "INSERT IGNORE INTO a VALUES ('é;')"],
          id="mysql-backslash-escape-hash-comment"),
    ],
)  # fmt: skip
def test_statement_spans(dialect: str, sql: str, expected: list[str]) -> None:
    statements, unparsed = analyze(sql, dialect)
    assert unparsed == []
    assert [sql[s.start : s.end] for s in statements] == expected


def test_multi_statement_rules_and_fixes() -> None:
    statements, _ = analyze(MULTI)
    assert [(s.rule, s.kind, s.guarded) for s in statements] == [
        ("MG201", "CREATE TABLE", True),
        ("MG204", "INSERT", True),
        ("MG201", "CREATE FUNCTION", False),  # the CREATE TABLE in its body runs later, not here
        ("MG203", "DROP TABLE", False),
    ]
    assert apply(MULTI, statements[3].fix or (0, "")).endswith("DROP TABLE IF EXISTS legacy\n")


# -- ALTER TABLE with several actions: one statement per action with a rule ------------------


def test_alter_table_actions_each_reported_and_fixed_in_one_pass() -> None:
    sql = (
        "ALTER TABLE t\n"
        "    ADD COLUMN a int DEFAULT f(1, 2),\n"
        "    ALTER COLUMN z TYPE numeric(10, 2),\n"
        "    DROP COLUMN b,\n"
        "    DROP CONSTRAINT IF EXISTS k,\n"
        "    ADD CONSTRAINT u UNIQUE (a, c)"
    )
    statements, _ = analyze(sql)
    assert [(s.kind, s.target, s.guarded) for s in statements] == [
        ("ALTER TABLE ADD COLUMN", "t.a", False),
        ("ALTER TABLE DROP COLUMN", "t.b", False),
        ("ALTER TABLE DROP CONSTRAINT", "t.k", True),
        ("ALTER TABLE ADD CONSTRAINT", "t.u", False),
    ]
    assert all((s.start, s.end) == (0, len(sql)) for s in statements)
    assert [sql[s.anchor :].split("\n")[0] for s in statements] == [
        "ADD COLUMN a int DEFAULT f(1, 2),",
        "DROP COLUMN b,",
        "DROP CONSTRAINT IF EXISTS k,",
        "ADD CONSTRAINT u UNIQUE (a, c)",
    ]
    fixed = sql
    for stmt in sorted((s for s in statements if s.fix), key=lambda s: -(s.fix or (0, ""))[0]):
        fixed = apply(fixed, stmt.fix or (0, ""))
    again, _ = analyze(fixed)
    assert [s.guarded for s in again] == [True, True, True, False]  # ADD CONSTRAINT has no syntax
    assert all(s.fix is None for s in again)


# -- DO blocks ----------------------------------------------------------------------------

DO_GUARDED_PG_TYPE = """\
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
        CREATE TYPE mood AS ENUM ('sad', 'ok');
    END IF;
END
$$;"""
DO_GUARDED_EXCEPTION = """\
DO $$ BEGIN
    ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a);
EXCEPTION
    WHEN duplicate_object THEN NULL;
END $$"""
DO_RERAISES = """\
DO $$ BEGIN
    CREATE TYPE mood AS ENUM ('sad');
EXCEPTION WHEN others THEN RAISE;
END $$"""
DO_MIXED = """\
DO $body$
DECLARE n int;
BEGIN
    IF to_regclass('public.t') IS NULL THEN
        CREATE TABLE t (a int);
    ELSE
        DROP TABLE old_t;
    END IF;
    ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a);
    EXECUTE 'CREATE INDEX ix ON t (a)';
    EXECUTE format('DROP TABLE %I', 'x');
    INSERT INTO t VALUES (1);
END
$body$"""
DO_QUOTED = "DO 'BEGIN CREATE TABLE t (a text DEFAULT ''x''); END'"


@pytest.mark.parametrize(
    ("sql", "do_guarded", "inner"),
    [
        P(DO_GUARDED_PG_TYPE, True, [("CREATE TYPE", True, "CREATE TYPE mood AS ENUM ('sad', 'ok')")],
          id="if-not-exists-pg-type"),
        P(DO_GUARDED_EXCEPTION, True, [("ALTER TABLE ADD CONSTRAINT", True, "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a)")],
          id="exception-duplicate-object"),
        P(DO_RERAISES, False, [("CREATE TYPE", False, "CREATE TYPE mood AS ENUM ('sad')")],
          id="handler-that-reraises-is-no-guard"),
        P(DO_MIXED, False, [
            ("CREATE TABLE", True, "CREATE TABLE t (a int)"),
            ("DROP TABLE", True, "DROP TABLE old_t"),
            ("ALTER TABLE ADD CONSTRAINT", False, "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a)"),
            ("CREATE INDEX", False, "CREATE INDEX ix ON t (a)"),  # EXECUTE of a literal is read
            ("INSERT", False, "INSERT INTO t VALUES (1)"),  # EXECUTE format(...) is not
        ], id="mixed"),
        P(DO_QUOTED, False, [("CREATE TABLE", False, "CREATE TABLE t (a text DEFAULT ''x'')")], id="quoted-body"),
        P("DO $$ BEGIN RAISE NOTICE 'nothing to do'; END $$", True, [], id="no-statements"),
    ],
)  # fmt: skip
def test_do_block(sql: str, do_guarded: bool, inner: list[tuple[str, bool, str]]) -> None:
    statements, unparsed = analyze(sql)
    assert unparsed == []
    do, *rest = statements
    assert (do.kind, do.rule, do.guarded, do.in_block) == ("DO", None, do_guarded, False)
    assert (do.start, do.end) == (0, len(sql.rstrip(";")))
    assert [(s.kind, s.guarded, sql[s.start : s.end]) for s in rest] == inner
    assert all(s.in_block for s in rest)


@pytest.mark.parametrize("sql", [DO_MIXED, DO_QUOTED], ids=["dollar", "quoted"])
def test_fixes_inside_do_bodies_apply_to_the_outer_text(sql: str) -> None:
    statements, _ = analyze(sql)
    fixes = sorted((s.fix for s in statements if s.fix), reverse=True)
    assert fixes
    fixed = sql
    for fix in fixes:
        fixed = apply(fixed, fix)
    again, unparsed = analyze(fixed)
    assert unparsed == []
    assert [s.fix for s in again] == [None] * len(again)
    assert all(s.guarded for s in again if s.kind in ("CREATE TABLE", "CREATE INDEX", "INSERT"))


def test_create_type_bare_vs_guarded() -> None:
    bare = subject(analyze("CREATE TYPE mood AS ENUM ('sad', 'ok')")[0])
    inside = subject(analyze(DO_GUARDED_PG_TYPE)[0])
    assert (bare.rule, bare.guarded, bare.fix) == ("MG201", False, None)
    assert "pg_type" in bare.safe_when
    assert (inside.rule, inside.guarded) == ("MG201", True)


def test_do_body_that_does_not_parse_is_unparsed() -> None:
    sql = "DO $$ BEGIN IF x THEN END; END $$; DROP TABLE t"
    statements, unparsed = analyze(sql)
    assert [(s.kind, s.guarded) for s in statements] == [("DO", False), ("DROP TABLE", False)]
    assert len(unparsed) == 1 and unparsed[0].reason.startswith("PL/pgSQL: ")
    assert sql[unparsed[0].start : unparsed[0].end] == "DO $$ BEGIN IF x THEN END; END $$"


def test_do_body_that_cannot_be_mapped_reports_on_the_do() -> None:
    """An E'...' body has escapes: its statements are reported on the whole DO, unfixed."""
    sql = "DO E'BEGIN CREATE TABLE t (a int); END'"
    statements, _ = analyze(sql)
    assert [(s.kind, s.guarded, s.start, s.end, s.fix) for s in statements] == [
        ("DO", False, 0, len(sql), None),
        ("CREATE TABLE", False, 0, len(sql), None),
    ]


def test_do_in_another_language_is_not_read() -> None:
    statements, unparsed = analyze("DO LANGUAGE plpython3u $$ plpy.execute('CREATE TABLE t (a int)') $$")
    assert [(s.kind, s.guarded) for s in statements] == [("DO", False)] and unparsed == []


# -- the seed's shapes (../shared/seed/000_61805513d3c5ea30.txt) -------------------------------

SEED = """
CREATE TABLE IF NOT EXISTS personality_traits (
    id SERIAL PRIMARY KEY,
    character_id INTEGER NOT NULL REFERENCES characters(id) ON DELETE CASCADE,
    trait_name VARCHAR(100) NOT NULL,
    trait_value DECIMAL(3,2),
    UNIQUE (character_id, trait_name)
);

INSERT INTO personality_traits (character_id, trait_name, trait_value)
SELECT c.id, t.name, t.value
FROM characters c, (VALUES ('openness', 0.8), ('warmth', 0.9)) AS t(name, value)
WHERE c.normalized_name = 'assistant'
ON CONFLICT (character_id, trait_name) DO NOTHING;

INSERT INTO communication_styles (character_id, engagement_level)
SELECT c.id, 0.7
FROM characters c
WHERE c.normalized_name = 'assistant'
  AND NOT EXISTS (SELECT 1 FROM communication_styles cs WHERE cs.character_id = c.id);
"""


def test_seed_backfill_is_idempotent() -> None:
    statements, unparsed = analyze(SEED)
    assert unparsed == []
    assert [(s.rule, s.kind, s.target, s.guarded) for s in statements] == [
        ("MG201", "CREATE TABLE", "personality_traits", True),
        ("MG204", "INSERT", "personality_traits", True),
        ("MG204", "INSERT", "communication_styles", True),
    ]


# -- bind parameters and f-string placeholders ------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "kinds"),
    [
        P("UPDATE t SET a = :value WHERE b::int > :after AND c = ':not_a_bind' -- :nor_this",
          [("UPDATE", False)], id="binds-next-to-casts"),
        P("INSERT INTO t (a, b) VALUES (:a, :b::jsonb) ON CONFLICT DO NOTHING", [("INSERT", True)],
          id="bind-then-cast"),
        P("INSERT INTO t (a) VALUES (%(a)s)", [("INSERT", False)], id="pyformat"),
        P("SELECT arr[1:2], x FROM t WHERE y = :y", [("SELECT", False)], id="slice-is-no-bind"),
        P("CREATE TABLE IF NOT EXISTS __miglint_p0__ (id int); INSERT INTO __miglint_p1__ VALUES (__miglint_p2__)",
          [("CREATE TABLE", True), ("INSERT", False)], id="f-string-placeholders"),
        P("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x') THEN "
          "CREATE TYPE x AS ENUM ('a'); END IF; END $$", [("DO", True), ("CREATE TYPE", True)],
          id="dollar-body-untouched"),
        P("DO $$ DECLARE n int; BEGIN INSERT INTO t VALUES (:x); n := 1; END $$", [("DO", False), ("INSERT", False)],
          id="bind-inside-do-body-assignment-untouched"),
    ],
)  # fmt: skip
def test_bind_parameters(sql: str, kinds: list[tuple[str, bool]]) -> None:
    statements, unparsed = analyze(sql)
    assert unparsed == []
    assert [(s.kind, s.guarded) for s in statements] == kinds


def test_fix_next_to_bind_keeps_the_original_text() -> None:
    sql = "INSERT INTO t (a) VALUES (:a)"
    stmt = subject(analyze(sql)[0])
    assert apply(sql, stmt.fix or (0, "")) == "INSERT INTO t (a) VALUES (:a) ON CONFLICT DO NOTHING"


def test_placeholder_target() -> None:
    stmt = subject(analyze("DROP TABLE __miglint_p0__")[0])
    assert (stmt.target, apply("DROP TABLE __miglint_p0__", stmt.fix or (0, ""))) == (
        "__miglint_p0__",
        "DROP TABLE IF EXISTS __miglint_p0__",
    )


# -- PostgreSQL without pglast (PyPy: no wheel): sqlglot reads it, never with a wrong fix ---------


@pytest.mark.parametrize(
    ("sql", "rule", "kind", "guarded", "fixed"),
    [
        P("CREATE TABLE t (a int)", "MG201", "CREATE TABLE", False, "CREATE TABLE IF NOT EXISTS t (a int)",
          id="create-table"),
        P("CREATE INDEX ON t (a)", "MG201", "CREATE INDEX", True, None, id="unnamed-index-never-collides"),
        P("CREATE CONSTRAINT TRIGGER ct AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "MG201",
          "CREATE CONSTRAINT TRIGGER", False, None, id="constraint-trigger-no-fix"),
        P("CREATE TYPE mood AS ENUM ('a')", "MG201", "CREATE TYPE", False, None, id="create-type"),
        P("ALTER TABLE t ADD COLUMN a int", "MG202", "ALTER TABLE ADD COLUMN", False,
          "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int", id="add-column"),
        P("ALTER TABLE t DROP COLUMN a", "MG203", "ALTER TABLE DROP COLUMN", False,
          "ALTER TABLE t DROP COLUMN IF EXISTS a", id="drop-column"),
        P("INSERT INTO t (a) VALUES (:a)", "MG204", "INSERT", False,
          "INSERT INTO t (a) VALUES (:a) ON CONFLICT DO NOTHING", id="insert"),
        P("INSERT INTO t (a) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t)", "MG204", "INSERT", True, None,
          id="insert-where-not-exists"),
        P(DO_GUARDED_PG_TYPE, None, "DO", True, None, id="do-guarded"),
        P("DO $$ BEGIN CREATE TYPE x AS ENUM ('a'); END $$", None, "DO", False, None, id="do-unguarded"),
    ],
)  # fmt: skip
def test_postgresql_without_pglast(
    monkeypatch: pytest.MonkeyPatch, sql: str, rule: str | None, kind: str, guarded: bool, fixed: str | None
) -> None:
    monkeypatch.setattr(sql_module, "_pglast_available", lambda: False)
    statements, unparsed = analyze(sql)
    assert unparsed == []
    stmt = subject(statements)
    assert (stmt.rule, stmt.kind, stmt.guarded) == (rule, kind, guarded)
    assert (apply(sql, stmt.fix) if stmt.fix else None) == fixed


# -- what does not parse --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "sql", "bad", "good"),
    [
        P("postgresql", "CREATE TABLE a (x int); CREATE TABLE b (y int; DROP TABLE c",
          ["CREATE TABLE b (y int"], ["CREATE TABLE a (x int)", "DROP TABLE c"], id="pg-bad-middle"),
        P("postgresql", "SELEC 1; INSERT INTO t VALUES (1)", ["SELEC 1"], ["INSERT INTO t VALUES (1)"],
          id="pg-typo"),
        P("postgresql", "DROP TABLE a; SELECT 'unterminated; DROP TABLE b", ["SELECT 'unterminated; DROP TABLE b"],
          ["DROP TABLE a"], id="pg-unterminated-literal"),
        P("postgresql", "CREATE TABLE {kind} (a int)".replace("{kind}", "__miglint_p0__ __miglint_p1__"),
          ["CREATE TABLE __miglint_p0__ __miglint_p1__ (a int)"], [], id="pg-placeholder-in-keyword-position"),
        P("sqlite", "CREATE TABLE a (x; DROP TABLE b", ["CREATE TABLE a (x"], ["DROP TABLE b"], id="sqlite-bad"),
        P("mysql", "SELEC 1; DROP TABLE b", ["SELEC 1"], ["DROP TABLE b"], id="mysql-bad"),
        P("sqlite", "DROP TABLE a; SELECT 'unterminated", ["DROP TABLE a; SELECT 'unterminated"], [],
          id="sqlite-untokenizable"),
    ],
)  # fmt: skip
def test_unparsed(dialect: str, sql: str, bad: list[str], good: list[str]) -> None:
    statements, unparsed = analyze(sql, dialect)
    assert [sql[u.start : u.end] for u in unparsed] == bad
    assert all(u.reason for u in unparsed)
    assert [sql[s.start : s.end] for s in statements] == good


@pytest.mark.parametrize("dialect", sorted(set(DIALECTS)))
@pytest.mark.parametrize(
    "sql",
    ["", "   ", ";", "-- only a comment", "/* open comment", "$$", "'", '"', "DO $$", "BEGIN", "END;", ")(",
     "CREATE", "\x00", "INSERT INTO", "ALTER TABLE t", "DROP", "é ü ß", "DO $$ BEGIN $$"],
)  # fmt: skip
def test_never_raises(dialect: str, sql: str) -> None:
    statements, unparsed = analyze(sql, dialect)
    for item in [*statements, *unparsed]:
        assert 0 <= item.start <= item.end <= len(sql)


def test_sqlglot_does_not_log(caplog: pytest.LogCaptureFixture) -> None:
    analyze("LOCK TABLES t READ; CREATE USER u", "mysql")  # both fall back to a Command
    assert [r for r in caplog.records if r.name.startswith("sqlglot")] == []


def test_unknown_dialect() -> None:
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        analyze("SELECT 1", "db2")


def test_import_does_not_load_the_parsers() -> None:
    code = "import sys, miglint.sql; sys.exit(any(m in sys.modules for m in ('pglast', 'sqlglot')))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_pglast_loads_without_its_ast_classes_and_stays_whole() -> None:
    # the JSON parse tree is all miglint reads: pglast's AST classes, enums and decimal
    # (most of its import time) wait until something asks for them
    code = (
        "import sys, miglint.sql as s\n"
        "found, _ = s.analyze('CREATE TABLE t (id int); DO $$ BEGIN DROP TABLE u; END $$')\n"
        "print([f.kind for f in found])\n"
        "print(sorted(m for m in ('decimal', 'pglast.printers') if m in sys.modules))\n"
        "import pglast\n"
        "print(type(pglast.parse_sql('SELECT 1')[0].stmt).__name__, pglast.enums.SortByDir.SORTBY_ASC.name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == ["['CREATE TABLE', 'DO', 'DROP TABLE']", "[]", "SelectStmt SORTBY_ASC"]


def test_a_rename_is_advised_the_guard_of_its_kind() -> None:
    # helper-38: an index is not in information_schema; ALTER INDEX IF EXISTS guards its rename
    index = subject(analyze("ALTER INDEX ix_a RENAME TO ix_b")[0])
    column = subject(analyze("ALTER TABLE t RENAME COLUMN a TO b")[0])
    assert (index.rule, index.safe_when) == (
        "MG206",
        "ALTER INDEX IF EXISTS, or a DO block that checks to_regclass() first",
    )
    assert "information_schema" in column.safe_when
    assert subject(analyze("ALTER INDEX IF EXISTS ix_a RENAME TO ix_b")[0]).guarded


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE contact ADD INDEX idx_ns(namespace_id, created_at)",  # nylas 237
        "ALTER TABLE t ADD KEY k (a)",
    ],
)
def test_mysql_add_index_is_not_read_as_a_column(sql: str) -> None:
    """PostgreSQL's grammar takes it for a column `index` of type `idx_ns(...)`: MG202 and its
    fix (`ADD IF NOT EXISTS INDEX`, which MySQL refuses) were both wrong."""
    found, unparsed = analyze(sql, "postgresql")
    assert found == []
    assert [(u.start, u.end, u.reason) for u in unparsed] == [
        (0, len(sql), "MySQL's ADD INDEX / ADD KEY, not PostgreSQL's")
    ]


def test_a_column_named_key_is_still_a_column() -> None:
    found, unparsed = analyze("ALTER TABLE t ADD COLUMN key varchar(20)", "postgresql")
    assert [(s.rule, s.kind, s.target) for s in found] == [("MG202", "ALTER TABLE ADD COLUMN", "t.key")]
    assert unparsed == []


LONG_TEXT = (
    "CREATE TABLE t (a int);\n"
    "INSERT INTO t VALUES (:first); -- a comment; with a semicolon\n"
    "DO $$ BEGIN CREATE INDEX ix ON t (a); END $$;\n"
    "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;\n"
    "UPDATE t SET a = 'x;y' WHERE a = %(second)s;\n"
    "CREATE UNIQUE INDEX IF NOT EXISTS ux ON t (a);\n"
)


def _shape(result: sql_module.Result) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    statements, unparsed = result
    return (
        [(s.rule, s.kind, s.target, s.guarded, s.start, s.end, s.fix) for s in statements],
        [(u.start, u.end, u.reason) for u in unparsed],
    )


@pytest.mark.parametrize(
    "tail",
    [
        P("", id="statements-only"),
        # PostgreSQL 14's SQL-standard body: the scanner cuts at its inner `;`, the parser
        # refuses that piece, and the whole text is read as without pieces
        P("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n",
          id="begin-atomic-read-whole"),
        P("CREATE TABLE broken (;\nCREATE TABLE after_it (a int);\n", id="a-statement-that-does-not-parse"),
    ],
)  # fmt: skip
def test_a_long_text_is_read_in_pieces_with_the_same_statements(
    monkeypatch: pytest.MonkeyPatch, tail: str
) -> None:
    """A text over postgres._PIECE characters is parsed a run of statements at a time
    (libpg_query's JSON tree of a 10 MB string held ~900 MB at once): the statements,
    positions, fixes and unparsed pieces are those of reading it whole."""
    text = LONG_TEXT * 3 + tail + LONG_TEXT
    whole = _shape(analyze(text))
    monkeypatch.setattr(postgres, "_PIECE", 60)
    pieces = postgres._pg_pieces(text)
    assert pieces is not None and len(pieces) > 5
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))
    assert _shape(analyze(text)) == whole
    assert len(whole[0]) >= 24


def test_a_long_text_is_parsed_piece_by_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[int] = []
    real = postgres._pg_parse

    def counting(text: str, lo: int, hi: int, parsed_json: str | None = None) -> list[object]:
        if len(text) == len(LONG_TEXT * 10):  # not a fix's text, parsed again to prove it
            parsed.append(hi - lo)
        return real(text, lo, hi, parsed_json)

    whole = _shape(analyze(LONG_TEXT * 10))
    monkeypatch.setattr(postgres, "_pg_parse", counting)
    monkeypatch.setattr(postgres, "_PIECE", 200)
    assert _shape(analyze(LONG_TEXT * 10)) == whole
    assert len(whole[0]) == 70 and whole[1] == []
    assert len(parsed) >= 5 and max(parsed) < 2 * 200 + len(LONG_TEXT)
    assert sum(parsed) == len(LONG_TEXT * 10)
