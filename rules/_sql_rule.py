"""What the SQL rules (MG201-MG206) share: one finding per unsafe statement, and the
paragraph of their docs that says which Python around a statement makes it safe."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..model import Diagnostic, Edit, Fix, RevisionFile, Span, SqlStatement
from ..rule import FileRule

if TYPE_CHECKING:
    from ..memo import RuleMemo


# Where a SQL rule's docstring says GUARDS_MARKER (a line of its own), its docs say GUARDS:
# what sql/guards.py and facts/pyguards.py take as safe for every one of these rules,
# written once. What only some rules take as safe stays in their own docstrings.
GUARDS_MARKER = "{guards}"
GUARDS = """\
Read in order with the rest of its function: not reported where an earlier statement
on the same Python path (or an enclosing one) makes it safe, nor inside Python that
looks the object up first: an `if` (or `while`) on a `pg_*` / `information_schema` /
inspector lookup or on `.first()` / `.scalar()` of a SELECT (a name in the test is
followed to the value it was given, a module function to what it returns), or on a
call of a function from another module named for a lookup, `table_has_column(...)` /
`index_exists(...)`; an early `return` (or `continue`, `raise`) after one; a `try`
that catches the database error and does not raise it again (or raises only when its
message is not "... already exists" / "does not exist" / "duplicate ...": `if "does not
exist" not in str(err): raise`); an `except IndexError`
after an empty lookup. Where miglint cannot tell, it reports less rather than guess:
names are compared without their schema."""


class SqlRule(FileRule):
    """Reports the statements miglint.sql classified under this rule's code.

    Statements reached only from downgrade() count when `[tool.miglint]
    include-downgrade = true`: real repositories hold hundreds of bare DROPs in
    downgrades that nobody runs twice.
    """

    fixable = True
    consequence = "fails when run again"  # what goes wrong, for the message
    # a statement's finding depends on its file alone (but MG204's: the keys of the history)
    memo = True

    # Set for the run: the history runs SQL PostgreSQL refuses, read as PostgreSQL's (the
    # default `dialect`): its fixes would be PostgreSQL's syntax (`ADD COLUMN IF NOT EXISTS`,
    # `CREATE INDEX IF NOT EXISTS`), which MySQL refuses. Reported, not fixed.
    foreign_history = False

    @classmethod
    def docs(cls) -> str:
        return super().docs().replace(GUARDS_MARKER, GUARDS)

    def check_files(self, files: Sequence[RevisionFile], shared: dict[str, Any]) -> Iterator[Diagnostic]:
        self.foreign_history = _foreign_history(files, shared, self.project)
        for file in self._files(files, shared):
            yield from self.check_file(file)

    def check_files_memoised(
        self, files: Sequence[RevisionFile], shared: dict[str, Any], memo: RuleMemo
    ) -> Iterator[Diagnostic]:
        self.foreign_history = _foreign_history(files, shared, self.project)
        context = (self.foreign_history,)  # a finding's fix depends on it
        for file in self._files(files, shared):
            yield from memo.findings(self.code, file.path, context, functools.partial(self.check_file, file))

    def _files(self, files: Sequence[RevisionFile], shared: dict[str, Any]) -> list[RevisionFile]:
        # Six rules ask about the same files: which files break which code is worked out once.
        by_code = shared.get("sql-rules")
        if by_code is None:
            by_code = shared["sql-rules"] = _files_by_unguarded_code(files)
        return by_code.get(self.code, [])

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        for statement in file.sql:
            if statement.code != self.code or statement.guarded:
                continue
            if statement.entry == "downgrade" and not self.project.include_downgrade:
                continue
            if self.safe_in_history(statement):
                continue
            yield self.diagnostic(
                file.path,
                statement.span,
                self.message(statement),
                help=self.advice(statement),
                revisions=(file.revision_id,) if file.revision_id else (),
                fix=self.fix(file, statement),
            )

    def safe_in_history(self, statement: SqlStatement) -> bool:
        """Whether what other revisions declare makes the statement safe where it stands."""
        return False

    def message(self, statement: SqlStatement) -> str:
        what = f"{statement.kind} {statement.target}".strip()
        consequence = self.consequence
        if statement.kind == "ALTER TABLE ADD CONSTRAINT" and "." not in statement.target:
            # unnamed: only a primary key is reported (sql/postgres.py _duplicates), and the
            # target is its table
            what = f"ALTER TABLE {statement.target} ADD PRIMARY KEY"
            consequence = "fails when the table has its primary key already"
        where = "" if statement.function in ("upgrade", "downgrade") else f" (in {statement.function}())"
        return f"{what} is not safe to run twice: it {consequence}{where}"

    def advice(self, statement: SqlStatement) -> str:
        return f"make it idempotent with {statement.safe_when}"

    def fix(self, file: RevisionFile, statement: SqlStatement) -> Fix | None:
        if statement.insert is None or self.foreign_history:
            return None
        line, column, text = statement.insert
        edit = Edit(file.path, Span.point(line, column), text)
        return Fix(f"insert {text.strip()!r}", (edit,), safe=self.safe_fix(statement))

    def safe_fix(self, statement: SqlStatement) -> bool:
        """Whether `--fix` applies the inserted guard without --unsafe-fixes (the rule's
        "Fix safety" section says why)."""
        return True


def _foreign_history(files: Sequence[RevisionFile], shared: dict[str, Any], project: Any) -> bool:
    """Whether SQL read as PostgreSQL's belongs to a history that never runs there: an
    upgrade() runs a SQLite PRAGMA or MySQL's own syntax outside a branch for another
    database (history/deploy.py says the same for the deploy rules)."""
    found = shared.get("sql-foreign-history")
    if found is None:
        from ..history.deploy import refused_on_postgres

        default = getattr(project, "dialect", "postgresql") == "postgresql"
        found = shared["sql-foreign-history"] = default and refused_on_postgres(files) is not None
    return found


def _files_by_unguarded_code(files: Sequence[RevisionFile]) -> dict[str, list[RevisionFile]]:
    found: dict[str, list[RevisionFile]] = {}
    for file in files:
        for code in file.sql_codes:
            found.setdefault(code, []).append(file)
    return found


def upgrade_running(*statements: str) -> str:
    """A version file whose upgrade() executes the given SQL, for rule examples."""
    body = "\n".join(f"    op.execute({sql!r})" for sql in statements)
    return f"revision = 'r1'\ndown_revision = None\n\ndef upgrade():\n{body}\n"
