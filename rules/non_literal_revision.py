from __future__ import annotations

from collections.abc import Iterator

from ..lazydataclass import replace
from ..model import HEADER_FIELDS, Diagnostic, RevisionFile
from ..rule import WARNING, Example, FileRule

# A revision is one id: a tuple or None is no advice for it.
_HELP = {"revision": "write `revision` as a string literal, the id itself"}
_CONSEQUENCE = {
    "revision": "the file is left out of the graph",
    "down_revision": "the file is left out of the graph; heads, bases and parents are not checked",
    "branch_labels": "heads on its branch are not reported as extra heads",
    "depends_on": "its dependencies are not checked",
}


class NonLiteralRevision(FileRule):
    """
    ## What it does
    Flags a `revision`, `down_revision`, `branch_labels` or `depends_on` whose value
    is computed (a call, an expression, a name imported from elsewhere) rather than
    written as a literal.

    ## Why is this bad?
    miglint never imports or runs a migration, so it cannot know a computed value,
    and neither can a reviewer reading the file. A revision with an unknown id or
    parent is left out of the graph, and the graph checks that depend on it are
    skipped rather than guessed.

    For `branch_labels` and `depends_on`, a constant of a module of the same
    repository (`NAME` after `from module import NAME`, `cli.NAME` after
    `from package import cli` or `import package.cli as cli`, alone or in a tuple
    of such names and strings) that the module binds to a literal is read from
    that module, without importing it, and is not flagged. A
    `branch_labels` that stays unknown is a warning: the graph is still checked,
    but the heads and bases on that branch are not reported as extra ones (the label
    may be what makes them legitimate); a configured
    `severity` applies to every finding of the rule.

    ## Example
    ```python
    from myapp.migrations import PARENT

    down_revision = PARENT
    ```

    Use instead:
    ```python
    down_revision = "3f1c2a9e7b10"
    ```
    """

    code = "MG003"
    name = "non-literal-revision"

    valid = (
        Example(files={"0001_a.py": "BASE = 'a'\nrevision = BASE\ndown_revision = None\n"}),
        Example(
            files={"0001_a.py": "revision = 'a' 'b'\ndown_revision = None\n"},
            note="implicit concatenation is a literal",
        ),
        Example(
            history=("a", "d"),
            files={
                "ids.py": "USERS = 'd'\n",
                "0003_b.py": "from .ids import USERS\nrevision = 'b'\ndown_revision = 'a'\ndepends_on = USERS\n",
            },
            note="a dependency imported from a module of the repository is read from it",
        ),
    )
    invalid = (
        Example(
            history=("a",),
            files={"0002_b.py": "from app.ids import PARENT\nrevision = 'b'\ndown_revision = PARENT\n"},
            flagged=("b",),
        ),
        Example(files={"0001_a.py": "revision = make_id()\ndown_revision = None\n"}, flagged=("0001_a.py",)),
        Example(
            history=("a",),
            files={"0002_b.py": "revision = 'b'\ndown_revision = 'a'\nbranch_labels = LABELS\n"},
            flagged=("b",),
        ),
        Example(
            history=("a",),
            files={
                "ids.py": "USERS = make_id()\n",
                "0002_b.py": "from .ids import USERS\nrevision = 'b'\ndown_revision = 'a'\ndepends_on = USERS\n",
            },
            flagged=("b",),
            note="the module does not bind the name to a literal",
        ),
    )

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if file.problem is not None:
            return
        for field_name in HEADER_FIELDS:
            value = file.header(field_name)
            if value is None or not value.is_dynamic:
                continue
            found = self.diagnostic(
                file.path,
                value.span,
                f"`{field_name}` is computed (`{_shown(value.dynamic)}`), not a literal: {_CONSEQUENCE[field_name]}",
                help=_HELP.get(field_name, f"write `{field_name}` as a string, a tuple of strings or None"),
                revisions=(file.revision_id,) if file.revision_id else (),
            )
            if field_name == "branch_labels" and self.configured_severity is None:
                found = replace(found, severity=WARNING)
            yield found


def _shown(source: str | None, limit: int = 80) -> str:
    """The computed expression, cut so that the message stays one readable line."""
    text = " ".join((source or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
