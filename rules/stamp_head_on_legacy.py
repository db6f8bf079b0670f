from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..facts.effects import changes_data, creates_tables
from ..graph import RevisionGraph
from ..lazydataclass import replace
from ..model import Diagnostic, Edit, Fix, Location
from ..rule import RunnerRule
from ..runners.scenarios import baseline_of

if TYPE_CHECKING:  # the runner's reader is imported only where runners are read
    from ..runners.facts import CallContext, Condition, StampSite, Target

_HEADS = ("head", "heads")


def may_be_head(target: Target) -> bool:
    value = target.value or ""
    return value in _HEADS or value.endswith(("@head", "@heads"))


class StampHeadOnLegacy(RunnerRule):
    """
    ## What it does
    Flags runner code that stamps `head` (or `heads`, `label@head`, a computed head such
    as `script.get_current_head()`) on a path where the database was found to hold
    tables but no Alembic version, to hold tables whatever its version (no version, or
    one older than some revision), or to have no Alembic version at all (a test of the
    version alone, which an empty database passes too): the message says which. Each `if`
    test on the way is read by what it queries,
    following its names to their assignments (in the function, the enclosing ones, then
    the module) and through helper functions of the same module: a count of
    `information_schema.tables`, `get_table_names()`, `has_table(...)`,
    `to_regclass('alembic_version')`, `get_current_revision()`, `'alembic_version' not in
    ...`, and the branch an early `return` leaves. A stamp inside a helper is reported at
    the stamp, naming the call that reaches it under the test. It names the revisions
    that would be marked applied without running.

    A stamp is `alembic stamp` (subprocess, a shell line), `command.stamp(cfg, rev)`,
    flask_migrate's (`stamp()`, and `flask db stamp` / `manage.py db stamp`, whose revision is
    head when none is given), SQL writing the version row, or `MigrationContext.stamp(script, rev)`:
    `context.get_context().stamp(script, script.get_current_head())` in env.py, or on a
    context from `MigrationContext.configure(connection)` in a runner, or oslo.db's
    `AlembicExtension(...).stamp(rev)` / `MigrationManager(...).stamp(rev)`. env.py is read like
    any runner file, and so is a script without an extension whose `#!` line runs Python or
    a POSIX shell (`bin/create-db`). A parameter bound by a dict
    (`execute(text("SELECT to_regclass(:t)"), {"t": "workspaces"})`) is read as the table
    it names.

    ## Why is this bad?
    A legacy database has the schema of some old release, not of head. Stamping it
    head tells Alembic every migration has run, so none does: tables are never
    created and backfills never happen (the incident this project was built from:
    "the bot lost its personality"). Creating the schema first - `metadata.create_all()`,
    loading a dump, a helper that does either, or a function of another module named for it
    (`init_db()`, `SessionManager.initialize_schema(connection)`) - and then stamping head is the
    documented fresh-database pattern: it is correct and not reported. So is stamping
    head and then creating the schema before the function returns, unless the runner
    found the database holding tables (`create_all()` leaves existing tables as they
    are, so their missing columns stay missing). A stamp whose revision the user chooses
    (a CLI's `stamp` command) is not on any such path.

    Shell entrypoints are read the same way: `N=$(psql -tAc "SELECT count(*) FROM
    information_schema.tables")` makes `[ "$N" -gt 0 ]` a test for tables. A test that
    cannot be followed (a parameter, a function from another module) is read from its
    name as a last resort (`table_count`, `has_alembic_version`). `--fix` writes
    the baseline only where the literal is the stamp's own or every call of its helper is
    on a legacy path.

    ## Example
    ```python
    n = conn.execute(text("SELECT count(*) FROM information_schema.tables")).scalar()
    versioned = conn.execute(text("SELECT to_regclass('alembic_version')")).scalar() is not None
    if n > 0 and not versioned:
        subprocess.run(["alembic", "stamp", "head"], check=True)
    ```

    Use instead:
    ```python
    if n > 0 and not versioned:
        subprocess.run(["alembic", "stamp", "20251011_baseline_v106"], check=True)
        subprocess.run(["alembic", "upgrade", "head"], check=True)
    ```
    Set `[tool.miglint] baseline` to the revision whose schema the legacy databases
    have; `miglint lint --fix` writes it in place of the literal `head`.

    ## Fix safety
    The fix replaces the literal `head` with the baseline id, in the literal's own
    quotes (a bare word in a shell script). It is safe when `[tool.miglint] baseline`
    names the revision: you said which schema legacy databases have. Without it,
    miglint takes the single base revision, which is a guess (a project adopted with
    an empty first revision has a base no legacy database matches), so the fix is
    unsafe: applied only with `--unsafe-fixes`. Either way, check that an
    `alembic upgrade head` follows the stamp (MG302 reports where none does).
    """

    code = "MG301"
    name = "stamp-head-on-legacy"
    fixable = True
    # Its failing and passing cases need runner files, not histories: tests/test_runner.py.

    def check_runners(self, sites: Sequence[StampSite], graph: RevisionGraph) -> Iterator[Diagnostic]:
        baseline = baseline_of(graph, self.project.baseline)
        for site in sites:
            if site.command != "stamp":
                continue
            for target in site.targets:
                if not may_be_head(target):
                    continue
                found = site.legacy_path(target)
                if found is None:
                    continue
                condition, context = found
                calls = (
                    [Location(site.path, span, f"the call of {name}()") for span, name in context.calls]
                    if context
                    else []
                )
                yield self.diagnostic(
                    site.path,
                    target.span,
                    self.message(site, target, condition, context, graph, baseline),
                    help=f"stamp the baseline instead, then run `alembic upgrade head`: {baseline!r}"
                    if baseline
                    else "stamp the revision the legacy schema matches "
                    "(set [tool.miglint] baseline), then run `alembic upgrade head`",
                    revisions=(baseline,) if baseline else (),
                    related=[Location(site.path, site.span, "the stamp"), *calls],
                    fix=self.fix(site, target, baseline) if _every_way_in_is_legacy(site, target) else None,
                )

    def message(
        self,
        site: StampSite,
        target: Target,
        condition: Condition,
        context: CallContext | None,
        graph: RevisionGraph,
        baseline: str | None,
    ) -> str:
        notes = []
        if site.tool == "flask_migrate" and not target.exact:
            notes.append("flask_migrate.stamp's default revision")
        elif target.source:
            notes.append(f"`{target.source}`")
        if site.span.line != target.span.line or context is not None:
            notes.append(f"line {site.span.line}")
        if context is not None:
            lines = [span.line for span, _ in context.calls]
            reached = (
                f"called at line {lines[0]}"
                if len(lines) == 1
                else f"reached by the calls at lines {_listed(lines)}"
            )
            notes[-1] += f" in {site.function}(), {reached}"
        head = f"stamps {target.value!r}" + (f" ({', '.join(notes)})" if notes else "")
        # what the tests found: tables without a version, no version alone (checkmate's
        # `if not is_stamped(engine)`, which an empty database passes too), or tables alone
        # (SurfSense's "no version, or one older than 170": not "no version")
        if condition.db.tables is not True:
            found = "has no Alembic version"
        elif condition.db.versioned is False:
            found = "has tables but no Alembic version"
        else:
            found = "has tables"

        fact = f"{head} where the database {found} (line {condition.line}: `{condition.text}`)"
        if baseline is None:
            return f"{fact}: every migration would be marked applied without running"
        from ..plan import PlanError, upgrade_plan

        try:
            skipped = upgrade_plan(graph, baseline)
        except PlanError:
            return f"{fact}: every migration after the baseline would be marked applied without running"
        creating = [r for r in skipped if creates_tables(graph.revisions[r])]
        changing = [r for r in skipped if changes_data(graph.revisions[r])]
        count = len(skipped)
        parts = [
            f"{count} revision{'' if count == 1 else 's'} after {baseline} would be marked applied without running"
        ]
        if creating:
            parts.append(f"{len(creating)} creating tables ({_short(creating)})")
        if changing:
            parts.append(f"{len(changing)} changing data ({_short(changing)})")
        return f"{fact}: {', '.join(parts)}"

    def fix(self, site: StampSite, target: Target, baseline: str | None) -> Fix | None:
        if baseline is None or target.value is None or not target.exact:
            return None
        configured = self.project.baseline is not None and baseline == self.project.baseline
        return Fix(
            f"stamp {baseline} instead of {target.value}"
            + ("" if configured else " (the single base: set [tool.miglint] baseline to be sure)"),
            (Edit(site.path, target.span, baseline, literal=True),),
            safe=configured,
        )


def _every_way_in_is_legacy(site: StampSite, target: Target) -> bool:
    """Rewriting a helper's stamp changes it for every caller: only when all of them are legacy paths."""
    return all(replace(site, callers=(other,)).legacy_path(target) is not None for other in site.callers)


def _listed(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def _short(ids: list[str], limit: int = 5) -> str:
    shown = ", ".join(ids[:limit])
    return shown if len(ids) <= limit else f"{shown} and {len(ids) - limit} more"
