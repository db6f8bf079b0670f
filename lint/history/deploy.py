"""What the deploy-safety rules (MG4xx) know beyond the version files: what is deployed,
what env.py does around every revision, and the database.

Only what will still run can take an outage. With `--against REF` (REF is what the
databases run) or `[tool.miglint] deployed = "<rev>"`, the revisions after the
deployed ones are the undeployed ones: the rules look only at them, and a table one of
them creates is new (no rows, no readers), so locking it harms nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..facts.ops import bare
from ..lazydataclass import dataclass, field
from ..lazyre import pattern
from ..reading.readfile import read_regular

if TYPE_CHECKING:
    from ..graph import RevisionGraph
    from ..model import OpFact, RevisionFile
    from ..reading.discover import Environment

_OTHER_DIALECTS = frozenset({"sqlite", "mysql", "mariadb", "mssql", "oracle"})
# `transactional_ddl=False` does not commit each statement: Alembic (1.5 and later) then
# begins a transaction of its own for each migration, as transaction_per_migration does
_TRANSACTION_PER_MIGRATION = pattern(
    r"^[^#\n]*(?:\btransaction_per_migration\s*=\s*True\b|\btransactional_ddl\s*=\s*False\b)", re.M
)
_AUTOCOMMIT = pattern(r"^[^#\n]*isolation_level\s*=\s*['\"]AUTOCOMMIT", re.M)
_LOCK_TIMEOUT = pattern(r"^[^#\n]*\block_timeout\b", re.M)


@dataclass(frozen=True)
class DeployContext:
    postgres: bool = True  # the dialect is PostgreSQL, or nothing says otherwise
    postgres_version: int | None = None  # [tool.miglint] postgres-version
    transaction_per_migration: bool = False  # env.py: one transaction per revision
    env_lock_timeout: bool = False  # env.py sets lock_timeout: it covers every revision
    # env.py runs the revisions outside a transaction (an AUTOCOMMIT isolation level)
    autocommit: bool = False
    env_path: str = ""
    # How miglint knows what is deployed ("--against main", "deployed = \"abc\""), "" when it does not
    known_by: str = ""
    deployed_revision: str | None = None  # [tool.miglint] deployed
    # --against REF: the working tree's version files REF has no file at (undeployed)
    undeployed_paths: frozenset[str] | None = None
    # the kinds ("uq", "fk", "ck"...) target_metadata's naming convention names, as far as
    # env.py and the modules it imports show (facts/convention.py; read for MG502 only)
    naming_convention: frozenset[str] = frozenset()


def deploy_context(
    env: Environment,
    dialect: str,
    postgres_version: int | None,
    deployed: str | None,
    ref: str | None = None,
    undeployed_paths: Iterable[str] | None = None,
) -> DeployContext:
    env_text, env_path = "", ""
    if env.script_location is not None:
        path = Path(env.script_location) / "env.py"
        try:
            env_text = read_regular(path, limit=1 << 20).decode("utf-8", "replace")
            env_path = str(path)
        except OSError:
            env_text = ""
    # one graph per dialect in versions/<dialect>/ (reading/discover.py): the directory says which
    named = {location.name.lower() for location in env.version_locations}
    known_by = f"--against {ref}" if ref is not None and undeployed_paths is not None else ""
    if not known_by and deployed:
        known_by = f'deployed = "{deployed}"'
    return DeployContext(
        postgres=dialect == "postgresql" and not named & _OTHER_DIALECTS,
        postgres_version=postgres_version,
        transaction_per_migration=_TRANSACTION_PER_MIGRATION.search(env_text) is not None,
        env_lock_timeout=_LOCK_TIMEOUT.search(env_text) is not None,
        autocommit=_AUTOCOMMIT.search(env_text) is not None,
        env_path=env_path,
        known_by=known_by,
        deployed_revision=deployed if undeployed_paths is None and deployed else None,
        undeployed_paths=frozenset(undeployed_paths) if undeployed_paths is not None else None,
    )


@dataclass(frozen=True)
class DeployScope:
    """The revisions the MG4xx rules look at, and the tables that are new to each."""

    revisions: frozenset[str]
    new_tables: dict[str, NewTables]  # revision -> the tables undeployed ancestors create
    # (revision, its file) of those whose upgrade() runs any operation, in id order; a rule
    # reads `file.upgrade_operations` only when the memo does not hold its findings there
    # (a record's operations are unpickled on first use: model.RevisionFile)
    ordered: tuple[tuple[str, RevisionFile], ...] = ()
    _contexts: dict[str, frozenset[str]] = field(default_factory=dict)

    def memo_context(self, rev_id: str, file: RevisionFile) -> frozenset[str]:
        """What a deploy rule's findings in a revision depend on beyond its own record
        (lint/memo.py): the tables it touches that an undeployed revision before it created."""
        found = self._contexts.get(rev_id)
        if found is None:
            known = self.new_tables.get(rev_id)
            tables = {bare(o.table) for o in file.upgrade_operations} if known is not None else ()
            found = frozenset(t for t in tables if known is not None and t in known)
            self._contexts[rev_id] = found
        return found


# statements PostgreSQL refuses, as op facts (sql/facts.py)
REFUSED_ON_POSTGRES = frozenset({"pragma", "mysql_only"})


def on_postgres(graph: RevisionGraph) -> bool:
    """Whether the history may run on PostgreSQL: `dialect` and a `versions/<dialect>/`
    directory say (DeployContext.postgres), and no upgrade() runs, outside a branch for
    another database, a SQLite PRAGMA (securedrop) or a statement in MySQL's own syntax
    (`MODIFY COLUMN`, `UPDATE a JOIN b`, backquotes: nylas; `DROP INDEX ix ON t`), a drop of a constraint by the
    name InnoDB gives an unnamed foreign key (`<table>_ibfk_<n>`: RootTheBox, facts/ops.py),
    or a column typed `mysql.MEDIUMTEXT()` and the like (okpy; facts/ops.py _mysql_types):
    PostgreSQL refuses them, or has nothing of that name, so
    from the base such a history never gets past that revision there."""
    found: bool | None = getattr(graph, "_on_postgres", None)
    if found is None:
        context: DeployContext = getattr(graph, "deploy", DeployContext())
        found = context.postgres and refused_on_postgres(graph.revisions.values()) is None
        graph._on_postgres = found  # type: ignore[attr-defined]
    return found


def refused_on_postgres(files: Iterable[RevisionFile]) -> tuple[OpFact, RevisionFile] | None:
    """The first statement some upgrade() runs, outside a branch for another database, that
    PostgreSQL refuses (a SQLite PRAGMA, MySQL's own syntax: sql/facts.py), and its file. A
    drop of an InnoDB-style name counts only where no other file of the history writes that
    name: querybook names its keys `data_doc_ibfk_1` in its first revision, and drops them on
    PostgreSQL too."""
    files = tuple(files)
    written: dict[str, set[str]] | None = None
    for file in files:
        if REFUSED_ON_POSTGRES.isdisjoint(file.upgrade_operation_names):
            continue
        for operation in file.upgrade_operations:
            if operation.name not in REFUSED_ON_POSTGRES or "other_dialect" in operation.blocks:
                continue
            if operation.option("innodb_name"):
                if written is None:
                    written = {}
                    for other in files:
                        for name in other.innodb_names:
                            written.setdefault(name, set()).add(other.path)
                if written.get(operation.target, set()) - {file.path}:
                    continue
            return operation, file
    return None


def deploy_scope(graph: RevisionGraph) -> DeployScope:
    """Worked out once per graph and shared by every MG4xx rule."""
    found: DeployScope | None = getattr(graph, "_deploy_scope", None)
    if found is not None:
        return found
    context: DeployContext = getattr(graph, "deploy", DeployContext())
    undeployed: set[str] | None = None
    if context.undeployed_paths is not None:
        undeployed = {r for r, f in graph.revisions.items() if f.path in context.undeployed_paths}
    elif context.deployed_revision and context.deployed_revision in graph.revisions:
        undeployed = graph.descendants(context.deployed_revision)
    if undeployed is not None:
        undeployed = _with_descendants(graph, undeployed)
    revisions = frozenset(graph.revisions if undeployed is None else undeployed)
    ordered = tuple(
        (r, graph.revisions[r]) for r in sorted(revisions) if graph.revisions[r].upgrade_operation_names
    )
    scope = DeployScope(revisions, _new_tables(graph, undeployed or set()), ordered)
    graph._deploy_scope = scope  # type: ignore[attr-defined]
    return scope


def _with_descendants(graph: RevisionGraph, revisions: set[str]) -> set[str]:
    """The revisions and all that come after them: what follows an undeployed revision is
    undeployed too. One walk from all of them (not one per revision: quadratic when
    `deployed` names an early revision of a long history)."""
    seen = set(revisions)
    stack = list(revisions)
    while stack:
        for child in graph.children(stack.pop()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _new_tables(graph: RevisionGraph, undeployed: set[str]) -> dict[str, NewTables]:
    """For each undeployed revision, the tables its undeployed ancestors create, asked one
    table at a time: kept as sets per revision they grow with the history (a chain of 5,000
    revisions that each create a table held 12.5 million names)."""
    creators: dict[str, list[str]] = {}
    for rev_id in undeployed:
        for table in created_tables(graph.revisions[rev_id]):
            creators.setdefault(table, []).append(rev_id)
    return {rev_id: NewTables(graph, creators, rev_id) for rev_id in undeployed}


class NewTables:
    """`table in new_tables[rev]`: an undeployed ancestor of `rev` creates the table.
    (Every ancestor of an undeployed revision that is undeployed reaches it through
    undeployed revisions only, so asking the ancestry is enough.)"""

    __slots__ = ("answers", "creators", "graph", "rev_id")

    def __init__(self, graph: RevisionGraph, creators: dict[str, list[str]], rev_id: str) -> None:
        self.graph, self.creators, self.rev_id = graph, creators, rev_id
        self.answers: dict[str, bool] = {}  # every MG4xx rule asks about the same tables

    def __contains__(self, table: object) -> bool:
        if not isinstance(table, str):
            return False
        known = self.answers.get(table)
        if known is None:
            found = self.creators.get(table, ())
            known = self.answers[table] = any(self.graph.is_ancestor(c, self.rev_id) for c in found)
        return known


def table_of(operation: OpFact) -> str:
    """The operation's table, bare; for one the code names, its key (facts/ops.py table_key)."""
    return bare(operation.table) or operation.option("table_key") or ""


def creations(operations: Sequence[OpFact]) -> dict[str, int]:
    """Each table a revision creates, by the index of the first operation that creates it;
    a table it creates and then renames into place (`create_table("t_tmp")`, copy, drop
    `t`, `rename_table("t_tmp", "t")`: conda-store) counts from the rename on: until the
    revision commits, no other session sees it, so no lock on it blocks anyone (what
    blocks them is the drop of the old table)."""
    found: dict[str, int] = {}
    made_here: set[str] = set()  # created outside a branch for another database
    for index, operation in enumerate(operations):
        if operation.name in ("create_table", "create_materialized_view"):
            # named by the code: by its key (facts/ops.py table_key), which SQL naming it by the
            # same expression (`{tmp}`) or another spelling of it shares
            table = table_of(operation)
            found.setdefault(table, index)
            if "other_dialect" not in operation.blocks:
                made_here.add(table)
        elif (
            operation.name == "rename_table"
            and table_of(operation) in made_here
            and "other_dialect" not in operation.blocks
        ):
            # (a SQLite-only rebuild renames a copy into place where PostgreSQL renames a column: blazar)
            renamed = (
                bare(operation.option("new_table_name") or "") or operation.option("new_table_key") or ""
            )
            found.setdefault(renamed, index)
    found.pop("", None)
    return found


def created_tables(file: RevisionFile) -> frozenset[str]:
    """Tables the revision's upgrade creates, as bare lower-case names. Not one renamed into
    place (see `creations`): once the revision commits, the running release queries it."""
    if "create_table" not in file.upgrade_operation_names:
        return frozenset()
    names = {bare(o.table) for o in file.upgrade_operations if o.name == "create_table"}
    return frozenset(n for n in names if n)
