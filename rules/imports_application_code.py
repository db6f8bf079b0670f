from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from ..config import ConfigError, Settings
from ..model import Diagnostic, RevisionFile
from ..rule import Example, FileRule

_HEADER = (
    "from alembic import op\nimport sqlalchemy as sa\n{imports}\nrevision = 'r1'\ndown_revision = None\n\n\n"
)
_UPGRADE = "def upgrade():\n    op.add_column('user', sa.Column('role', sa.Enum(Role)))\n"
# the application: a package at the repository root, beside migrations/
_APP = {"../../app/__init__.py": "", "../../app/models.py": "class Role: ...\n"}


class ImportsApplicationCode(FileRule):
    """
    ## What it does
    Flags a revision that imports the application's own modules
    (`from app.models import User, Role`, `import myapp.helpers`), at the top or
    inside a function, and lists the names imported (not under `if TYPE_CHECKING:`,
    which never runs). A module is the application's
    when its top-level package resolves inside the linted repository, found on disk
    the way `package:path` script locations are (the directories from the revision up
    to the repository root, their `src/`, and `package-dir`-style packaging
    settings), never by importing it. Third-party and standard-library imports
    (`sqlalchemy`, `alembic`, `sqlalchemy_utils`, `geoalchemy2`, ...) are not findings.

    Helpers of the migration tree itself are not the application: relative imports
    (`from ..helpers import x`, `from . import _utils`) and modules inside the script
    directory, a version location, or the directory that holds the script directory
    beside its `alembic.ini` (`from myapp.db.migrations import utils` with
    `myapp/db/migrations/{alembic.ini,alembic/}`; not when that is the project's top
    (the repository's, or a sub-project's holding its pyproject.toml, setup.py or
    setup.cfg) or a top-level package such as `jupyterhub/` holding `alembic.ini` and
    `alembic/`) are left alone, whichever path is linted: a versions directory linted
    on its own has the script directory above it (the one holding env.py). So is an import whose names serve only as `branch_labels` or `depends_on`
    (`from myapp.db.labels import EXPAND`): those name the history rather than
    describe the schema, and miglint reads their values from the module. The rule
    setting `allowed` lists module prefixes to accept too
    (`allowed = ["myapp.db.migration_utils"]`).

    ## Why is this bad?
    A revision is a record of one change at one point in history; the models and
    helpers it imports keep changing after it is written. When a column is renamed,
    an enum member removed or a helper rewritten, the old revision silently does
    something else (or no longer imports) for every database that still has to
    run it: a fresh install, a test database, a customer on an old release. It also
    means Alembic cannot load the history without the whole application installed.

    ## Example
    ```python
    from app.models import Role

    def upgrade():
        op.add_column("user", sa.Column("role", sa.Enum(Role)))
    ```

    Use instead: copy what the revision needs, as it is today, into the revision:
    ```python
    def upgrade():
        op.add_column("user", sa.Column("role", sa.Enum("admin", "member", name="role")))
    ```
    """

    code = "MG506"
    name = "imports-application-code"
    severity = "warning"
    settings_defaults: ClassVar[Mapping[str, Any]] = {"allowed": []}
    valid = (
        Example(
            files={
                **_APP,
                "0001_r1.py": _HEADER.format(
                    imports="import sqlalchemy_utils\nfrom ..helpers import enum_values\n"
                )
                + "def upgrade():\n    op.add_column('user', sa.Column('role', sa.String()))\n",
            },
            note="third-party-and-relative",
        ),
        Example(
            files={
                **_APP,
                "../helpers.py": "def enum_values(): ...\n",
                "0001_r1.py": _HEADER.format(imports="from migrations.helpers import enum_values\n")
                + "def upgrade():\n    op.add_column('user', sa.Column('role', sa.String()))\n",
            },
            note="helper-in-migration-tree",
        ),
    )
    invalid = (
        Example(
            files={**_APP, "0001_r1.py": _HEADER.format(imports="from app.models import Role\n") + _UPGRADE},
            flagged=("r1",),
        ),
        Example(
            files={
                **_APP,
                "0001_r1.py": _HEADER.format(imports="")
                + "def upgrade():\n    from app import models\n    op.add_column('user', sa.Column('role', sa.Enum(models.Role)))\n",
            },
            flagged=("r1",),
            note="inside-a-function",
        ),
    )

    def __init__(
        self,
        settings: Mapping[str, Any] | None = None,
        severity: str | None = None,
        project: Settings | None = None,
    ) -> None:
        super().__init__(settings, severity, project)
        allowed = self.settings["allowed"]
        if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
            raise ConfigError(f"[tool.miglint.rules.{self.code}] allowed must be a list of module names")
        self.allowed = tuple(a.strip(".") for a in allowed)

    def check_file(self, file: RevisionFile) -> Iterator[Diagnostic]:
        if not file.looks_like_revision:
            return
        for fact in file.imports:
            if not fact.application or any(
                fact.module == a or fact.module.startswith(f"{a}.") for a in self.allowed
            ):
                continue
            if fact.header_only:
                continue  # names for branch_labels / depends_on only
            shown = f"{fact.module} ({', '.join(fact.names)})" if fact.names else fact.module
            where = f" in {fact.function}()" if fact.function else ""
            yield self.diagnostic(
                file.path,
                fact.span,
                f"imports the application's own code{where}: {shown}",
                help="copy what the revision needs into it as it is today; the application will change after it",
                revisions=(file.revision_id,) if file.revision_id else (),
            )
