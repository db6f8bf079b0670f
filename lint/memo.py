"""The previous run's findings of the per-revision rules, reused where nothing they read changed.

A run after one file changed re-checks every revision otherwise: at 5,000 revisions the
deploy-safety rules (MG4xx) and MG504 cost ~1 s, nearly all of it on revisions whose
findings are known. A rule that looks at one revision at a time, reading only what the
parse stage put on its record (a pure function of the file's bytes) and a small context
the rule names, has the same findings while (rule, path, content digest, context) is the
same. Such rules opt in, through `RuleMemo.findings`:

- a FileRule with `memo = True` (the engine asks the memo before `check_file`);
- a DeployRule (rules/_deploy_rule.py): its context is the tables of the revision that an
  undeployed revision before it created, plus what `memo_context` adds (MG406: the NOT
  NULL checks of the history on the revision's columns).

Everything else a rule may read is the same for every revision of the environment and is
part of the memo's `config`: each rule's code, settings and severity, the environment's
DeployContext (dialect, postgres-version, env.py's lock_timeout...), the [tool.miglint]
settings. The cache directory's key covers miglint's code and the reading libraries.
A rule that reads another revision's record (beyond the context) must not opt in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from .model import Diagnostic

# (path, content digest) -> rule code -> (the rule's context there, its findings); or
# summary name -> ((), the summary)
Entries = dict[tuple[str, str], dict[str, tuple[Hashable, tuple[Any, ...]]]]
Summary = str | tuple[str, ...]


class RuleMemo:
    """One environment's memo: what the previous run found (`old`) and this run's (`new`).

    One entry per revision file, holding every memoised rule's findings there: a run asks
    ~15 rules about each of thousands of revisions, and finds the file's entry once."""

    def __init__(self, config: str, old: Mapping[Any, Any], digests: Mapping[str, str]):
        self.config = config
        self.old = old
        self.new: Entries = {}
        self.digests = digests  # path -> content digest of the file linted there
        self._entries: dict[str, tuple[Mapping[Any, Any], dict[str, Any]] | None] = {}
        self._nothing: dict[Hashable, tuple[Hashable, tuple[()]]] = {}

    def findings(
        self, code: str, path: str, context: Hashable, check: Callable[[], Iterable[Diagnostic]]
    ) -> Iterable[Diagnostic]:
        """The rule's findings in the file at `path`: the previous run's when they were found
        in the same bytes with the same `context`, else `check()`'s, kept for the next run."""
        found = self.stored(code, path, context)
        return found if found is not None else self.keep(code, path, context, check())

    def stored(self, code: str, path: str, context: Hashable) -> tuple[Diagnostic, ...] | None:
        """The previous run's findings of the rule in the file (see `findings`), or None."""
        entry = self._entries.get(path, False)
        if entry is False:
            entry = self._entries[path] = self._entry(path)
        if entry is None:
            return None  # a file without a digest (REF's, with --against; an unreadable one)
        old, new = entry
        stored = old.get(code)
        # what a committed cache directory holds is checked where it is used (reading/collect.py)
        if type(stored) is not tuple or len(stored) != 2 or stored[0] != context:
            return None
        found = stored[1]
        if type(found) is not tuple or (found and not all(type(d) is Diagnostic for d in found)):
            return None
        new[code] = stored
        return found

    def keep(
        self, code: str, path: str, context: Hashable, found: Iterable[Diagnostic]
    ) -> tuple[Diagnostic, ...]:
        """The findings this run worked out, kept for the next (`stored` asked first)."""
        kept = tuple(found)
        entry = self._entries.get(path)
        if entry is not None:
            # most are "nothing found, in no particular context": one pair for all of them
            # (tens of thousands at 5,000 revisions, in memory and in the pickle)
            pair = self._nothing.setdefault(context, (context, ())) if not kept else (context, kept)
            entry[1][code] = pair
        return kept

    def summary(self, name: str, path: str, compute: Callable[[], Iterable[Summary]]) -> tuple[Summary, ...]:
        """What a rule gathers from one file for a fact of the whole history (MG406: the
        columns its NOT NULL checks cover), kept like findings: a run after one change then
        reads the operations of that file alone (model.RevisionFile unpickles them on use).
        `name` is the rule's code and what it gathers ("MG406/checks"); the values are
        strings or tuples of strings."""
        entry = self._entries.get(path, False)
        if entry is False:
            entry = self._entries[path] = self._entry(path)
        if entry is None:
            return tuple(compute())
        old, new = entry
        stored = old.get(name)
        if type(stored) is tuple and len(stored) == 2 and stored[0] == () and _plain(stored[1]):
            new[name] = stored
            return stored[1]  # type: ignore[no-any-return]
        value = tuple(compute())
        new[name] = ((), value)
        return value

    def _entry(self, path: str) -> tuple[Mapping[Any, Any], dict[str, Any]] | None:
        digest = self.digests.get(path)
        if digest is None:
            return None
        old = self.old.get((path, digest))
        new = self.new[(path, digest)] = {}
        return (old if isinstance(old, dict) else {}), new


def summarised(
    memo: RuleMemo | None, name: str, file: Any, gather: Callable[[Any], Iterable[Summary]]
) -> tuple[Summary, ...]:
    """`gather(file)`, kept in the memo under `name` when there is one (RuleMemo.summary)."""
    if memo is None:
        return tuple(gather(file))
    return memo.summary(name, file.path, lambda: gather(file))


def _plain(value: object) -> bool:
    """A summary as `summary` keeps it: a tuple of strings and tuples of strings."""
    return type(value) is tuple and all(
        type(item) is str or (type(item) is tuple and all(type(part) is str for part in item))
        for item in value
    )


def memo_config(rules: Sequence[Any], *more: object) -> str:
    """What every memoised finding of an environment depends on besides its revision."""
    parts = [
        f"{rule.code}:{sorted(rule.settings.items())!r}:{rule.effective_severity}"
        for rule in rules
        if getattr(rule, "memo", False)
    ]
    return "\n".join([*parts, *map(repr, more)])
