"""The previous run's findings of the per-revision rules, reused where nothing they read changed.

A run after one file changed re-checks every revision otherwise: at 5,000 revisions the
deploy-safety rules (MG4xx) and MG504 cost ~1 s, nearly all of it on revisions whose
findings are known. A rule that looks at one revision at a time, reading only what the
parse stage put on its record (a pure function of the file's bytes) and a small context
the rule names, has the same findings while (rule, path, content digest, context) is the
same. Such rules opt in:

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

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from .model import Diagnostic

# (rule code, path, content digest, context) -> the rule's findings there
Key = tuple[str, str, str, Hashable]


class RuleMemo:
    """One environment's memo: what the previous run found (`old`) and this run's (`new`)."""

    def __init__(self, config: str, old: Mapping[Key, tuple[Diagnostic, ...]], digests: Mapping[str, str]):
        self.config = config
        self.old = old
        self.new: dict[Key, tuple[Diagnostic, ...]] = {}
        self.digests = digests  # path -> content digest of the file linted there

    def key(self, code: str, path: str, context: Hashable = ()) -> Key | None:
        """None for a file that has no digest (a REF file of --against, an unreadable one)."""
        digest = self.digests.get(path)
        return None if digest is None else (code, path, digest, context)

    def get(self, key: Key) -> tuple[Diagnostic, ...] | None:
        found = self.old.get(key)
        if found is None:
            return None
        # what a committed cache directory holds is checked where it is used (reading/collect.py)
        if type(found) is not tuple or any(type(d) is not Diagnostic for d in found):
            return None
        self.new[key] = found
        return found

    def put(self, key: Key, found: Sequence[Diagnostic]) -> tuple[Diagnostic, ...]:
        kept = self.new[key] = tuple(found)
        return kept


def memo_config(rules: Sequence[Any], *more: object) -> str:
    """What every memoised finding of an environment depends on besides its revision."""
    parts = [
        f"{rule.code}:{sorted(rule.settings.items())!r}:{rule.effective_severity}"
        for rule in rules
        if getattr(rule, "memo", False)
    ]
    return "\n".join([*parts, *map(repr, more)])
