"""What an editor shows: the findings of its open buffers over the files on disk.

The language server (lint/editor/server.py) is LSP around this module, which imports no LSP
library. A keystroke re-parses one buffer with the function every run uses
(parse.parse_revision_file) and takes every other file's record from the cache
(collect.Store, kept in memory between keystrokes: a file changed on disk is noticed
by its stat, as a warm run notices it), then runs the rules over the environment, so
graph findings are those of the history with the buffer in it. Discovery is kept
until a configuration file, env.py, or the set of version files changes.

Nothing here imports or runs the linted repository's code, and nothing is written but
miglint's own cache (on `save`, not on every keystroke).
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import tokenize
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import ConfigError
from ..lazydataclass import dataclass, field, replace
from ..model import Diagnostic, Edit, RevisionFile, Span, Suppression
from ..pipeline import (
    APPLICATION_IMPORT_RULES,
    OP_RULES,
    Options,
    _rules,
    cache_dir_for,
    read_files,
    reads_downgrade,
    split_uncovered,
    unreadable_reports,
)
from ..reading.cachedir import RACY_NS
from ..reading.collect import Store
from ..reading.discover import Environment, Project, by_settings, discover, is_version_file_name, project_root
from ..reading.readfile import read_regular
from ..reading.runnerfiles import (
    find_runners,
    is_shell_like,
    runner_language,
    runner_owners,
    shebang_language,
)
from ..rule import Rule, RunnerRule

if TYPE_CHECKING:
    from collections import Counter

    from ..graph import RevisionGraph
    from ..report import EnvironmentReport
    from ..report.baseline import Key
    from ..runners.python import StampSite

# Files whose change can change what discovery finds or how it is linted.
CONFIG_NAMES = frozenset({"pyproject.toml", "env.py", ".miglint-baseline.json"})


class LiveError(Exception):
    """A project that cannot be linted (its configuration is wrong): one line, no traceback."""


@dataclass
class _Part:
    """One [tool.miglint] of a project: its rules, its cache, its runners."""

    project: Project
    rules: list[Rule]
    store: Store
    ops: bool
    baseline: Counter[Key] | None = None  # the findings the baseline file hides
    runners: list[Path] | None = None  # found when first needed
    files: set[str] = field(default_factory=set)  # the real path of every version file discovery found
    # path -> (its stat, when taken, its record): what a keystroke reuses without reading
    known: dict[str, tuple[tuple[int, int, int, int], int, RevisionFile]] = field(default_factory=dict)


@dataclass(frozen=True)
class Linted:
    """One environment's findings, with the open buffers in it."""

    env: Environment
    graph: RevisionGraph
    diagnostics: Mapping[str, tuple[Diagnostic, ...]]  # by real path
    files: frozenset[str]  # the real path of every file it covers: version files, runners


def real(path: str | Path) -> str:
    return os.path.realpath(path)


def kind_of(path: str) -> str:
    """What a file is to the server: "config" (alembic.ini, pyproject.toml, env.py, the baseline) or "source"."""
    name = os.path.basename(path)
    return "config" if name in CONFIG_NAMES or name.endswith(".ini") else "source"


class Session:
    """The buffers an editor holds open and what is known of the projects around them."""

    def __init__(self, *, use_cache: bool = True, cache_dir: Path | None = None) -> None:
        self.options = Options(use_cache=use_cache, cache_dir=cache_dir)
        self.buffers: dict[str, str] = {}  # real path -> text
        self._parsed: dict[str, tuple[tuple[object, ...], RevisionFile]] = {}
        self._sites: dict[str, tuple[str, tuple[StampSite, ...], tuple[Suppression, ...]]] = {}
        self._projects: dict[str, list[_Part]] = {}  # real project root -> its parts
        self.results: dict[tuple[str, str], Linted] = {}  # (project root, environment) -> last lint
        self._realpaths: dict[str, str] = {}
        self._roots: dict[str, Path | None] = {}  # directory -> its project root (project_root)
        self._resolved: dict[int, tuple[RevisionFile, RevisionFile]] = {}  # id(record) -> (record, resolved)

    # -- buffers -----------------------------------------------------------------------

    def open(self, path: str, text: str) -> None:
        self.buffers[real(path)] = text

    def close(self, path: str) -> None:
        where = real(path)
        self.buffers.pop(where, None)
        self._parsed.pop(where, None)
        for parts in list(self._projects.values()):
            for part in parts:
                if where not in part.files and any(
                    self._in_locations(e, where) for e in part.project.environments
                ):
                    self.forget(str(part.project.root))  # a new version file: it is on disk now, or gone

    def forget(self, path: str | None = None) -> None:
        """Discover again: everything (None), or the projects `path` lies in."""
        self._realpaths.clear()
        self._resolved.clear()
        self._roots.clear()
        for known in [k for k, parts in self._projects.items() if not parts]:
            del self._projects[known]  # files found in no project: a new configuration may hold them
        if path is None:
            self._projects.clear()
            self.results.clear()
            return
        where = real(path)
        inside = os.path.join(os.path.dirname(where), "")  # a configuration applies below its directory

        def affected(root: str) -> bool:
            return where == root or where.startswith(os.path.join(root, "")) or root.startswith(inside)

        for root in [r for r in self._projects if affected(r)]:
            del self._projects[root]
        for key in [k for k in self.results if affected(k[0])]:
            del self.results[key]  # what the next lint finds replaces them

    def save(self) -> None:
        """Write what was parsed from disk into the cache (the buffers are not files yet)."""
        for parts in self._projects.values():
            for part in parts:
                part.store.save()

    # -- linting -----------------------------------------------------------------------

    def lint(self, path: str) -> list[Linted]:
        """Lint every environment `path` takes part in; [] when it is in none."""
        where = real(path)
        return self._lint_parts(self._parts(where), where)

    def findings(self, path: str) -> tuple[Diagnostic, ...]:
        """The findings located in `path`, from the latest lint of its environments."""
        where = real(path)
        out: list[Diagnostic] = []
        for result in self.results.values():
            out.extend(result.diagnostics.get(where, ()))
        return tuple(sorted(dict.fromkeys(out), key=lambda d: d.sort_key))

    def graph_for(self, path: str) -> RevisionGraph | None:
        """The history `path` belongs to (a runner: the one it stamps), as last linted."""
        where = real(path)
        for result in self.results.values():
            if where in result.files:
                return result.graph
        return None

    def _lint_parts(self, parts: Sequence[_Part], where: str) -> list[Linted]:
        found = []
        config = kind_of(where) == "config"
        for part in parts:
            for index, env in enumerate(part.project.environments):
                versions = self._version_paths(part, env)
                mine = config or where in {self._real(str(p)) for p in versions}
                if not mine and self._runs_runner_rules(part):
                    mine = self._runner_owner(part, where) == index
                if mine:
                    result = self._lint_environment(part, index, env, versions)
                    self.results[(real(part.project.root), env.name)] = result
                    found.append(result)
            if config:
                for result in self._problems(part):
                    self.results[(real(part.project.root), f"!{result.env.name}")] = result
                    found.append(result)
        return found

    def _parts(self, where: str) -> list[_Part]:
        """The project around `where`, discovered once; [] outside every Alembic project."""
        directory = os.path.dirname(where)
        if directory not in self._roots:
            self._roots[directory] = project_root(Path(directory))
        root = self._roots[directory]
        key = real(root) if root is not None else where
        if key in self._projects:
            return self._projects[key]
        for parts in self._projects.values():  # a project found from one of its version files
            if any(self._holds(part, where) for part in parts):
                return parts
        if root is not None:
            try:
                project = discover([str(root)], root)
            except ConfigError as error:  # an Alembic project, but its configuration is wrong
                raise LiveError(str(error)) from None
        elif is_version_file_name(os.path.basename(where)):
            try:  # a script directory without a configuration (Flask-Migrate's shape)
                project = replace(discover([where], Path(directory)), focus=())
            except ConfigError:
                project = None  # a Python file of no Alembic environment
        else:
            project = None
        parts = [] if project is None else [self._part(p) for p in by_settings(project)]
        # under the directory it was found from (its settings may come from a pyproject.toml
        # above it: project.root is then that directory), unless found from a version file
        self._projects[real(project.root) if root is None and project is not None else key] = parts
        return parts

    def _part(self, project: Project) -> _Part:
        try:
            rules = _rules(project.settings, self.options)
        except ConfigError as error:
            raise LiveError(str(error)) from None
        ops = any(rule.code in OP_RULES for rule in rules)
        settings = project.settings
        downgrade = reads_downgrade(settings, rules)
        store = Store(cache_dir_for(project, self.options), settings.dialect, ops, downgrade)
        part = _Part(project, rules, store, ops, baseline=_read_baseline(project))
        # every environment's records now, once: a keystroke then reads only its buffer
        for env in project.environments:
            paths = read_files(env)
            part.files.update(self._real(str(p)) for p in paths)
            self._disk_records(part, paths)
        store.save()
        return part

    def _holds(self, part: _Part, where: str) -> bool:
        return where in part.files or any(self._in_locations(env, where) for env in part.project.environments)

    def _in_locations(self, env: Environment, where: str) -> bool:
        """A version file Alembic would load from one of the environment's locations."""
        if not is_version_file_name(os.path.basename(where)):
            return False
        parent = os.path.dirname(where)
        for location in env.version_locations:
            place = self._real(str(location))
            if parent == place or (env.recursive and parent.startswith(os.path.join(place, ""))):
                return True
        return False

    def _version_paths(self, part: _Part, env: Environment) -> tuple[Path, ...]:
        """The environment's files, and open buffers that are new version files in it."""
        known = {self._real(str(p)) for p in read_files(env)}
        new = tuple(Path(p) for p in sorted(self.buffers) if p not in known and self._in_locations(env, p))
        return read_files(env) + new

    def _lint_environment(self, part: _Part, index: int, env: Environment, paths: Sequence[Path]) -> Linted:
        from ..engine import lint_records

        on_disk = [p for p in paths if self._real(str(p)) not in self.buffers]
        records_on_disk = self._disk_records(part, on_disk)
        records = [records_on_disk.get(str(p)) or self._buffer_record(part, str(p)) for p in paths]
        new = len(paths) - len(read_files(env))
        # new buffers are version files of the environment, not uncovered ones
        covered = replace(env, files=env.files + tuple(paths[len(paths) - new :]))
        ordered = (
            records[: len(env.files)]
            + records[len(paths) - new :]
            + records[len(env.files) : len(paths) - new]
        )
        records, uncovered = split_uncovered(covered, ordered)
        records = self._resolve(records, part.project.root)
        if any(rule.code in APPLICATION_IMPORT_RULES for rule in part.rules):
            from ..facts.appimports import mark_application_imports

            records, _ = mark_application_imports(records, covered, part.project.root)
        sites: list[StampSite] = []
        suppressions: dict[str, tuple[Suppression, ...]] = {}
        runner_files: set[str] = set()
        if self._runs_runner_rules(part):
            for runner in self._runner_paths(part):
                if self._runner_owner(part, self._real(str(runner))) != index:
                    continue
                found = self._runner_sites(runner)
                if found is not None:
                    sites.extend(found[0])
                    suppressions[str(runner)] = found[1]
                    runner_files.add(self._real(str(runner)))
        result = lint_records(
            records,
            part.rules,
            runner_sites=sites,
            runner_suppressions=suppressions,
            uncovered=uncovered,
            branch_of_another=env.branch_of_another,
            in_code=env.in_code,
        )
        diagnostics = result.diagnostics
        if part.baseline:
            from ..report import baseline

            report = _report(env, diagnostics)
            (report,) = baseline.apply([report], part.baseline, part.project.root, part.project.root)
            diagnostics = report.diagnostics
        by_path: dict[str, list[Diagnostic]] = {}
        for diagnostic in diagnostics:
            by_path.setdefault(self._real(diagnostic.path), []).append(diagnostic)
        files = frozenset({self._real(str(p)) for p in paths} | runner_files)
        return Linted(env, result.graph, {p: tuple(found) for p, found in by_path.items()}, files)

    @staticmethod
    def _disk_records(part: _Part, paths: Sequence[Path]) -> dict[str, RevisionFile]:
        """Each file's record: the one taken before while its stat is the same and it had
        settled then (reading/collect.py's rule for the index), else from the cache, by content."""
        out: dict[str, RevisionFile] = {}
        todo: list[tuple[Path, tuple[int, int, int, int] | None]] = []
        for path in paths:
            key = str(path)
            try:
                info = os.stat(key)
            except OSError:
                todo.append((path, None))
                continue
            identity = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            known = part.known.get(key)
            if known is not None and known[0] == identity and known[1] - max(identity[1:3]) > RACY_NS:
                out[key] = known[2]
            else:
                todo.append((path, identity))
        if todo:
            now = time.time_ns()
            wanted = [path for path, _ in todo]
            for (path, stat), record in zip(
                todo, part.store.records(wanted, part.store.fingerprint(wanted), None)
            ):
                out[str(path)] = record
                if stat is not None:
                    part.known[str(path)] = (stat, now, record)
        return out

    def _real(self, path: str) -> str:
        found = self._realpaths.get(path)
        if found is None:
            found = self._realpaths[path] = real(path)
        return found

    def _resolve(self, records: list[RevisionFile], root: Path) -> list[RevisionFile]:
        """resolve.resolve_imported_labels, remembered per record until `forget`: it parses
        the module a label is imported from, which costs more than the rest of a keystroke."""
        from ..reading.resolve import resolve_imported_labels

        todo = [r for r in records if _imports(r) and self._resolved.get(id(r), (None,))[0] is not r]
        if todo:
            resolved, _ = resolve_imported_labels(todo, root)
            self._resolved.update((id(r), (r, done)) for r, done in zip(todo, resolved))
        return [self._resolved[id(r)][1] if _imports(r) else r for r in records]

    def _problems(self, part: _Part) -> list[Linted]:
        """Environments that could not be read, each one MG005 at its configuration file."""
        out = []
        for report in unreadable_reports(part.project, self.options, part.project.root):
            from ..graph import RevisionGraph

            diagnostics = {real(d.path): (d,) for d in report.diagnostics}
            env = Environment(report.name, (), ())
            out.append(Linted(env, RevisionGraph(()), diagnostics, frozenset(diagnostics)))
        return out

    def _buffer_record(self, part: _Part, path: str) -> RevisionFile:
        where = self._real(path)
        text = self.buffers.get(where, "")
        settings = part.project.settings
        downgrade = reads_downgrade(settings, part.rules)
        key = (path, settings.dialect, part.ops, downgrade, text)
        memo = self._parsed.get(where)
        if memo is not None and memo[0] == key:
            return memo[1]
        from ..reading.collect import _parse_batch

        # the function a run parses with, and its answer to a bug of miglint's
        ((_, record),) = _parse_batch([(path, encoded(text))], settings.dialect, part.ops, downgrade)
        self._parsed[where] = (key, record)
        return record

    # -- runners -----------------------------------------------------------------------

    @staticmethod
    def _runs_runner_rules(part: _Part) -> bool:
        return any(isinstance(rule, RunnerRule) for rule in part.rules)

    def _runner_paths(self, part: _Part) -> list[Path]:
        if part.runners is None:
            part.runners = find_runners(part.project)
        listed = {self._real(str(p)) for p in part.runners}
        extra = [Path(p) for p in sorted(self.buffers) if p not in listed and self._could_be_runner(part, p)]
        return [*part.runners, *extra]

    def _could_be_runner(self, part: _Part, where: str) -> bool:
        """An open buffer that discovery would take for a runner if it were saved so."""
        if part.project.settings.runners or kind_of(where) == "config":
            return False
        name = os.path.basename(where)
        text = self.buffers[where]
        if not (name.endswith(".py") or is_shell_like(name)):
            if os.path.splitext(name)[1] or shebang_language(text) is None:
                return False
        if any(self._in_locations(env, where) for env in part.project.environments):
            return False
        if not where.startswith(os.path.join(self._real(str(part.project.root)), "")):
            return False
        return "alembic" in text and ("stamp" in text or "alembic_version" in text)

    def _runner_owner(self, part: _Part, where: str) -> int | None:
        runners = self._runner_paths(part)
        mine = [p for p in runners if self._real(str(p)) == where]
        if not mine:
            return None
        return runner_owners(part.project, mine).get(str(mine[0]))

    def _runner_sites(self, path: Path) -> tuple[tuple[StampSite, ...], tuple[Suppression, ...]] | None:
        from ..reading.parse import _suppressions
        from ..runners.python import analyze_runner
        from ..runners.shell import analyze_shell

        where = self._real(str(path))
        text = self.buffers.get(where)
        if text is None:
            try:
                text = read_regular(path).decode("utf-8")
            except (OSError, UnicodeDecodeError):
                return None
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        memo = self._sites.get(where)
        if memo is not None and memo[0] == digest:
            return memo[1], memo[2]
        analyze = analyze_runner if runner_language(path.name, text) == "python" else analyze_shell
        try:
            sites = tuple(analyze(str(path), text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None  # as pipeline._read_runners: no stamps miglint can read
        suppressions = _suppressions(text)
        self._sites[where] = (digest, sites, suppressions)
        return sites, suppressions


def _imports(record: RevisionFile) -> bool:
    return any(
        value is not None and (value.imported_from is not None or value.imported_items is not None)
        for value in (record.branch_labels, record.depends_on)
    )


def _report(env: Environment, diagnostics: tuple[Diagnostic, ...]) -> EnvironmentReport:
    from ..report import EnvironmentReport

    return EnvironmentReport(env.name, 0, 0, (), (), diagnostics)


def _read_baseline(project: Project) -> Counter[Key] | None:
    from ..report import baseline

    try:
        where, named = baseline.location(project, None, project.root)
        return baseline.read(where, str(where), required=named)
    except Exception:  # a broken baseline: `miglint lint` says so; the editor shows every finding
        return None


def encoded(text: str) -> bytes:
    """A buffer's text as the bytes it will be saved as: in its declared encoding."""
    data = text.encode("utf-8", "surrogateescape")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding not in ("utf-8", "utf-8-sig"):
            return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        pass
    return data


# -- what code actions offer ---------------------------------------------------------------


@dataclass(frozen=True)
class TextChange:
    """Replace the text between two (line, column) points of a file; lines from 1, columns
    in characters from 0 (the model's Span)."""

    path: str
    span: Span
    text: str


@dataclass(frozen=True)
class Action:
    title: str
    diagnostic: Diagnostic
    changes: tuple[TextChange, ...]
    preferred: bool = False
    kind: str = "quickfix"


def actions(diagnostics: Iterable[Diagnostic], text_of: Callable[[str], str | None]) -> list[Action]:
    """The fix of each finding and a suppression comment for it, as edits of the texts
    `text_of` gives (a buffer, or the file on disk); None: that file cannot be read."""
    out = []
    for diagnostic in diagnostics:
        fixed = fix_action(diagnostic, text_of)
        if fixed is not None:
            out.append(fixed)
        ignore = ignore_action(diagnostic, text_of(diagnostic.path))
        if ignore is not None:
            out.append(ignore)
    return out


def fix_all(path: str, diagnostics: Iterable[Diagnostic], text: str) -> Action | None:
    """Every safe fix of the findings in `path` that edits only `path`, as `--fix` would
    apply them: where two overlap, the first; the next lint shows what is left."""
    from ..fix import _check

    text_of: Callable[[str], str | None] = lambda p: text if p == path else None  # noqa: E731
    changes: list[TextChange] = []
    fixed: list[Diagnostic] = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        if diagnostic.fix is None or not diagnostic.fix.safe:
            continue
        action = fix_action(diagnostic, text_of)
        if action is None or any(_overlap(c, done) for c in action.changes for done in changes):
            continue
        changes.extend(action.changes)
        fixed.append(diagnostic)
    if not fixed or (path.endswith((".py", ".pyw")) and _check(apply_changes(text, changes))):
        return None
    title = f"miglint: apply the {len(fixed)} safe fix{'es' if len(fixed) > 1 else ''} in this file"
    return Action(title, fixed[0], tuple(changes), kind="source.fixAll")


def _overlap(a: TextChange, b: TextChange) -> bool:
    start_a, end_a = (a.span.line, a.span.column), (a.span.end_line, a.span.end_column)
    start_b, end_b = (b.span.line, b.span.column), (b.span.end_line, b.span.end_column)
    return (start_a < end_b and start_b < end_a) or start_a == start_b


def fix_action(diagnostic: Diagnostic, text_of: Callable[[str], str | None]) -> Action | None:
    """The finding's fix as edits, or None when it has none or they no longer fit the text."""
    from ..fix import _check, line_starts

    fix = diagnostic.fix
    if fix is None:
        return None
    changes = []
    texts: dict[str, str] = {}
    for edit in fix.edits:
        text = texts.get(edit.path)
        if text is None:
            found = text_of(edit.path)
            if found is None:
                return None
            text = texts[edit.path] = found
        change = _change(edit, text, line_starts(text))
        if change is None:
            return None
        changes.append(change)
    for path, text in texts.items():
        if path.endswith((".py", ".pyw")) and _check(
            apply_changes(text, [c for c in changes if c.path == path])
        ):
            return None  # --fix would not write it either
    label = "" if fix.safe else " (unsafe fix: review it)"
    return Action(
        f"{diagnostic.code}: {fix.description}{label}", diagnostic, tuple(changes), preferred=fix.safe
    )


def _change(edit: Edit, text: str, starts: list[int]) -> TextChange | None:
    from ..fix import _literal

    span = edit.span
    if span.end_line > len(starts) or span.line < 1:
        return None
    start = starts[span.line - 1] + span.column
    end = starts[span.end_line - 1] + span.end_column
    if end > len(text) or start > end:
        return None
    replacement: str | None = edit.replacement
    if edit.literal:
        replacement = _literal(text[start:end], edit.replacement, edit.path.endswith((".py", ".pyw")))
    return None if replacement is None else TextChange(edit.path, span, replacement)


def apply_changes(text: str, changes: Sequence[TextChange]) -> str:
    from ..fix import line_starts

    starts = line_starts(text)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column

    for change in sorted(changes, key=lambda c: (c.span.line, c.span.column), reverse=True):
        span = change.span
        start, end = offset(span.line, span.column), offset(span.end_line, span.end_column)
        text = text[:start] + change.text + text[end:]
    return text


def ignore_action(diagnostic: Diagnostic, text: str | None) -> Action | None:
    """`# miglint: ignore[CODE]` on the finding's line, when that comment would suppress
    exactly this line's finding (not inside a string, not a whole-file comment)."""
    from ..engine import UNUSED_IGNORE
    from ..reading.parse import _suppressions

    if text is None or diagnostic.code == UNUSED_IGNORE:
        return None
    lines = text.splitlines(keepends=True)
    number = diagnostic.span.line
    if not 1 <= number <= len(lines):
        return None
    line = lines[number - 1]
    body = line.rstrip("\r\n")
    existing = [s for s in _suppressions(text) if s.span.line == number and not s.whole_file and s.codes]
    if existing:
        # add the code to the comment already there: `ignore[MG201]` -> `ignore[MG201, MG102]`
        close = body.find("]", existing[0].span.column)
        if close < 0:
            return None
        span = Span(number, close, number, close)
        inserted = f", {diagnostic.code}"
    else:
        stripped = body.rstrip()
        if stripped.endswith("\\"):
            return None  # a continued line: a comment after the backslash would end it
        span = Span(number, len(stripped), number, len(body))
        inserted = f"  # miglint: ignore[{diagnostic.code}]"
    change = TextChange(diagnostic.path, span, inserted)
    after = apply_changes(text, [change])
    if not any(
        s.span.line == number and not s.whole_file and diagnostic.code in s.codes
        for s in _suppressions(after)
    ):
        return None  # the comment would not be one (inside a string), or would cover the whole file
    if diagnostic.path.endswith((".py", ".pyw")) and _compiles(text) and not _compiles(after):
        return None
    return Action(f"{diagnostic.code}: ignore on this line (# miglint: ignore)", diagnostic, (change,))


def _compiles(text: str) -> bool:
    try:
        compile(text, "<buffer>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


# -- hover ----------------------------------------------------------------------------------

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def word_at(line: str, column: int) -> tuple[str, int, int] | None:
    """The word of revision-id characters around `column`, with its start and end."""
    if column > len(line):
        return None
    start = column
    while start > 0 and line[start - 1] in _WORD_CHARS:
        start -= 1
    end = column
    while end < len(line) and line[end] in _WORD_CHARS:
        end += 1
    return (line[start:end], start, end) if end > start else None


def revision_hover(graph: RevisionGraph, rev_id: str, shown: Callable[[str], str]) -> str | None:
    """Markdown about one revision: its file, message, parents, children, whether a head."""
    record = graph.revisions.get(rev_id)
    if record is None:
        return None
    heads = graph.heads()
    lines = [f"**revision `{rev_id}`**" + (" (head)" if rev_id in heads else ""), ""]
    if record.message:
        lines.append(f"{record.message}")
        lines.append("")
    lines.append(f"- file: `{shown(record.path)}`")
    parents = graph.down_revisions(rev_id)
    lines.append(f"- down_revision: {_ids(parents) if parents else 'none (a base)'}")
    depends = graph.depends_on(rev_id)
    if depends:
        lines.append(f"- depends_on: {_ids(depends)}")
    labels = graph.own_labels(rev_id)
    if labels:
        lines.append(f"- branch labels: {_ids(labels)}")
    children = sorted(graph.children(rev_id))
    lines.append(f"- children: {_ids(children) if children else 'none'}")
    if rev_id in heads:
        others = [h for h in sorted(heads) if h != rev_id]
        lines.append("- a head" + (f", one of {len(heads)} (also {_ids(others)})" if others else ""))
    else:
        lines.append("- not a head")
    return "\n".join(lines)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def rule_hover(word: str) -> str | None:
    """A rule's documentation, for its code or its name."""
    from ..docs import rule_markdown
    from ..rule import lookup

    if not word or not (word.upper().startswith("MG") or "-" in word):
        return None
    rule = lookup(word)
    return None if rule is None else rule_markdown(rule)
