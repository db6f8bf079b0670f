"""What a rule is: a small class named twice (code and kebab name), documented on itself.

Two shapes: a FileRule looks at one version file, a GraphRule at one environment's
whole history. Subclassing registers a rule; a second rule with the same code or
name fails at import. Each rule carries failing and passing examples that one
parametrised test runs (tests/test_rule_examples.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .config import Settings
from .lazydataclass import dataclass, field
from .lazyre import pattern
from .model import Diagnostic, Fix, Location, RevisionFile, Span
from .reading.plainheader import cleandoc

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from .graph import RevisionGraph
    from .memo import RuleMemo
    from .runners.facts import StampSite

ERROR = "error"
WARNING = "warning"

_CODE = pattern(r"^MG\d{3}$")
_NAME = pattern(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Example:
    """A history or a set of files, and what a rule must report on it.

    `history` uses the notation of tests/histories.py: "b<-a" is revision b with
    down_revision a, "m<-b1,b2" a merge, "e@expand<-a" carries a branch label,
    "x<-a+d" depends on d. `files` maps a file name to its source, for rules that
    look at the text of one file. `flagged` lists the revision ids (or, for files
    without a readable id, the file names) that must be reported, in order.
    `against` and `against_files` are what git branch `main` holds: the example is
    then linted with `--against main` (MG121-MG123).
    """

    history: tuple[str, ...] = ()
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    flagged: tuple[str, ...] = ()
    note: str = ""
    # Files beside alembic.ini (a pyproject.toml, the head file), by path from there.
    project_files: Mapping[str, str] = field(default_factory=dict)
    # The history (and version files) committed on git branch `main`; when set, the
    # example is the working tree of a branch made from it, linted `--against main`.
    against: tuple[str, ...] | None = None
    against_files: Mapping[str, str] = field(default_factory=dict)


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str] = ERROR
    default_enabled: ClassVar[bool] = True
    # A boolean [tool.miglint] setting (its Settings attribute) that turns the rule on
    # when it is off by default: `offline = true` for MG505.
    enabled_by: ClassVar[str] = ""
    fixable: ClassVar[bool] = False
    # Findings reused for a revision whose bytes did not change (lint/memo.py says when a
    # rule may): a FileRule whose check_file reads its file's parsed facts and nothing else.
    memo: ClassVar[bool] = False
    # Per-rule settings from [tool.miglint.rules.<code or name>] and their defaults.
    settings_defaults: ClassVar[Mapping[str, Any]] = {}
    valid: ClassVar[tuple[Example, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()

    registry: ClassVar[dict[str, type[Rule]]] = {}
    by_name: ClassVar[dict[str, type[Rule]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            return  # an abstract shape (FileRule, GraphRule)
        if not _CODE.match(cls.code) or not _NAME.match(cls.name):
            raise TypeError(f"{cls.__name__}: bad code {cls.code!r} or name {cls.name!r}")
        for key, table in ((cls.code, Rule.registry), (cls.name, Rule.by_name)):
            if key in table:
                raise TypeError(f"rule {key} is defined twice: {table[key].__name__}, {cls.__name__}")
            table[key] = cls
        if not cls.__doc__ or "## What it does" not in cls.__doc__:
            raise TypeError(f"{cls.__name__} needs a docstring with '## What it does'")

    def __init__(
        self,
        settings: Mapping[str, Any] | None = None,
        severity: str | None = None,
        project: Settings | None = None,
    ):
        self.settings: dict[str, Any] = {**self.settings_defaults, **(settings or {})}
        self.effective_severity = severity or self.severity
        self.configured_severity = severity  # [tool.miglint.rules.X] severity, when set
        self.project = project if project is not None else Settings(root=Path("."))  # [tool.miglint]

    # -- documentation -------------------------------------------------------

    @classmethod
    def docs(cls) -> str:
        return cleandoc(cls.__doc__ or "")

    @classmethod
    def description(cls) -> str:
        """The 'What it does' section as one paragraph."""
        section = cls.docs().split("## What it does", 1)[1].split("##", 1)[0]
        return " ".join(section.split())

    @classmethod
    def summary(cls) -> str:
        """The first sentence of 'What it does'."""
        # An ellipsis (`ALTER TABLE ... ADD COLUMN`) does not end a sentence.
        return re.split(r"(?<!\.)\. ", cls.description())[0].rstrip(".") + "."

    # -- findings ------------------------------------------------------------

    def diagnostic(
        self,
        path: str,
        span: Span,
        message: str,
        *,
        help: str | None = None,
        revisions: Iterable[str] = (),
        related: Iterable[Location] = (),
        fix: Fix | None = None,
    ) -> Diagnostic:
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=self.effective_severity,
            path=path,
            span=span,
            message=one_line(message),
            help=None if help is None else one_line(help),
            revisions=tuple(revisions),
            related=tuple(related),
            fix=fix,
        )


# the line breaks of source text a message quotes (`sa.Enum(` then a value a line), and the
# indentation after them; the space left inside brackets
_LINE_BREAK = pattern(r"[ \t]*\r?\n\s*")
_INSIDE_OPENING = pattern(r"([(\[]) ")
_INSIDE_CLOSING = pattern(r",? ([)\]])")


def one_line(text: str) -> str:
    """A message on one line, whatever source it quotes: `--concise`, the editor, CI
    annotations and every line-based reader of the output take one finding a line."""
    if "\n" not in text:
        return text
    joined = _LINE_BREAK.sub(" ", text)
    return _INSIDE_CLOSING.sub(r"\1", _INSIDE_OPENING.sub(r"\1", joined))


class FileRule(Rule):
    """Looks at one version file at a time."""

    def check_file(self, file: RevisionFile) -> Iterable[Diagnostic]:
        raise NotImplementedError

    def check_files(self, files: Sequence[RevisionFile], shared: dict[str, Any]) -> Iterator[Diagnostic]:
        """Every file's findings. `shared` lives for one run of the rules over `files`:
        rules of one family can keep there what they all need, computed once."""
        for file in files:
            yield from self.check_file(file)

    def check_files_memoised(
        self, files: Sequence[RevisionFile], shared: dict[str, Any], memo: RuleMemo
    ) -> Iterator[Diagnostic]:
        """check_files for a rule with `memo`: each file's findings from the memo when its
        bytes did not change (lint/memo.py)."""
        for file in files:
            yield from memo.findings(self.code, file.path, (), functools.partial(self.check_file, file))


class GraphRule(Rule):
    """Looks at the whole revision graph of one environment."""

    def check_graph(self, graph: RevisionGraph) -> Iterable[Diagnostic]:
        raise NotImplementedError

    def at_revision(
        self, graph: RevisionGraph, rev_id: str, field_name: str = "revision"
    ) -> tuple[str, Span]:
        """Where to point for a revision: its header value, else the revision line."""
        file = graph.revisions[rev_id]
        value = file.header(field_name) or file.revision
        assert value is not None
        return file.path, value.span


class RunnerRule(Rule):
    """Looks at the stamps that runner code performs, against one environment's graph."""

    def check_runners(self, sites: Sequence[StampSite], graph: RevisionGraph) -> Iterable[Diagnostic]:
        raise NotImplementedError


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule by code (importing the rule modules registers them)."""
    from . import rules  # noqa: F401  (miglint.rules registers every rule family)

    return dict(sorted(Rule.registry.items()))


def lookup(key: str) -> type[Rule] | None:
    rules = all_rules()
    return rules.get(key.upper()) or Rule.by_name.get(key.lower())
