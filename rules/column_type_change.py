from __future__ import annotations

import re
from collections.abc import Iterator

from ..history.deploy import DeployContext
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import DeployRule, column_of, revision, shown

# SQLAlchemy / PostgreSQL type names -> the type family whose changes may avoid a rewrite
_FAMILIES = {
    "string": "varchar", "varchar": "varchar", "unicode": "varchar", "charactervarying": "varchar",
    "text": "text", "unicodetext": "text", "numeric": "numeric", "decimal": "numeric",
    "varbit": "varbit", "bitvarying": "varbit", "cidr": "cidr", "inet": "inet",
}  # fmt: skip
_TYPE = re.compile(r"(?:[\w.]*\.)?(\w+)\s*(?:\((.*)\))?\s*$", re.S)
_NUMBER = re.compile(r"(?:^|,)\s*(?:\w+\s*=\s*)?(\d+)")


class ColumnTypeChange(DeployRule):
    """
    ## What it does
    Flags `op.alter_column(..., type_=...)` and `ALTER COLUMN ... TYPE` on an existing
    table, unless `existing_type` shows a change PostgreSQL makes without a rewrite:
    varchar(n) to varchar(m >= n), to unbounded varchar or to text; text to unbounded
    varchar; numeric(p, s) to numeric(q >= p, s) or unbounded numeric; varbit(n) to a
    longer varbit; cidr to inet. A timestamp becoming a timestamptz is reported with
    its condition (no rewrite on PostgreSQL 12+ when the session time zone is UTC). Without `existing_type` (raw SQL never has one) the
    old type is unknown and the change is flagged as one that may rewrite. PostgreSQL only.

    A type the revision imports from the application or from a library other than
    SQLAlchemy (`from tacker.db import types` ... `type_=types.Uuid`, whose `impl` is the
    `String(36)` the column already has; `st.MediumText()`, TEXT on PostgreSQL) is not
    flagged: what it is on PostgreSQL is in code miglint does not read.

    An Enum given again as an Enum (autogenerate writes `existing_type=sa.Enum(...)`,
    `type_=sa.Enum(..., name="record_types")` when the values change) is not flagged
    unless both name their type and the names differ: Alembic emits `ALTER COLUMN ...
    TYPE record_types`, and a column already of that type is not rewritten (openstack
    designate); whether the old one had another name, an Enum without one does not say.

    ## Why is this bad?
    Most type changes rewrite the table and rebuild its indexes under an ACCESS
    EXCLUSIVE lock: every read and write waits for the whole rewrite.

    ## Example
    ```python
    op.alter_column("users", "age", type_=sa.BigInteger())
    ```

    Use instead: add a column of the new type, write both from the code, backfill,
    switch reads, and drop the old column in a later release; or, for a safe change,
    say what the type was:
    ```python
    op.alter_column("users", "name", type_=sa.String(200), existing_type=sa.String(100))
    ```
    """

    reads = frozenset({"alter_column"})

    code = "MG407"
    name = "column-type-change"
    valid = (
        Example(
            files={
                "0001_r1.py": revision(
                    "op.alter_column('users', 'name', type_=sa.String(200), existing_type=sa.String(length=100))\n"
                    "op.alter_column('users', 'bio', type_=sa.Text(), existing_type=sa.VARCHAR(50))"
                )
            }
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.alter_column('recordsets', 'type', existing_type=sa.Enum, "
                    "type_=sa.Enum(name='record_types', *RECORD_TYPES))"
                )
            },
            note="same-enum-type",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "from tacker.db import types\n"
                    "from mistral.db.sqlalchemy import types as st\n"
                    "op.alter_column('devices', 'template_id', type_=types.Uuid, nullable=False)\n"
                    "op.alter_column('workbooks', 'definition', type_=st.MediumText())"
                )
            },
            note="type-defined-elsewhere",
        ),
    )
    invalid = (
        Example(
            files={"0001_r1.py": revision("op.alter_column('users', 'age', type_=sa.BigInteger())")},
            flagged=("r1",),
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "from sqlalchemy import types\nop.alter_column('users', 'age', type_=types.BigInteger())"
                )
            },
            flagged=("r1",),
            note="sqlalchemy-types-module",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.alter_column('users', 'name', type_=sa.String(50), existing_type=sa.String(100))"
                )
            },
            flagged=("r1",),
            note="shorter-varchar",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.alter_column('users', 'mood', type_=sa.Enum('a', 'b', name='mood2'), "
                    "existing_type=sa.Enum('a', name='mood'), postgresql_using='mood::text::mood2')"
                )
            },
            flagged=("r1",),
            note="another-enum-type",
        ),
    )

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        new = operation.option("type_")
        if operation.name != "alter_column" or new in (None, "None"):
            return
        if _defined_elsewhere(file, new or ""):
            return  # a type the revision imports from the application or a library (see the docstring)
        old = operation.option("existing_type")
        if old is not None and safe_change(old, new or ""):
            return
        if old is not None and _enum(old) is not None and _enum(new or "") is not None:
            if _enum(old) != _enum(new or "") and "" not in (_enum(old), _enum(new or "")):
                pass  # another ENUM type: PostgreSQL rewrites the column (given a USING cast)
            else:
                return  # the same type, or not known to differ (see the docstring)
        column = column_of(operation)
        known = f"from {old} " if old else ""
        if old is not None and _adds_time_zone(old, new or ""):
            yield self.report(
                rev_id,
                file,
                operation,
                f"{shown(operation)} changes {column} {known}to {new}: unless the session time zone is UTC "
                "(PostgreSQL 12+ then skips it), PostgreSQL rewrites the table and its indexes under an "
                "ACCESS EXCLUSIVE lock that blocks every read and write",
                "run it with the time zone set to UTC (op.execute(\"SET LOCAL TIME ZONE 'UTC'\") first) "
                "on PostgreSQL 12+, or add a new column, backfill it, and switch over",
            )
            return
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} changes {column} {known}to {new}: "
            f"{'PostgreSQL' if old else 'unless the change is binary-compatible, PostgreSQL'} rewrites the "
            "table and its indexes under an ACCESS EXCLUSIVE lock that blocks every read and write",
            "add a column of the new type, backfill it, switch the code, then drop the old column"
            + ("" if old else "; if the change needs no rewrite, pass existing_type= to say so"),
        )


_ROOT = re.compile(r"[^\W\d]\w*")


def _defined_elsewhere(file: RevisionFile, type_text: str) -> bool:
    """Whether the type is named through an import other than SQLAlchemy's, Alembic's or
    the standard library's (`from tacker.db import types` ... `types.Uuid`; `from
    mistral.db.sqlalchemy import types as st` ... `st.MediumText()`)."""
    root = _ROOT.match(type_text.strip())
    return root is not None and any(root.group() in fact.bound for fact in file.imports)


_ENUM = re.compile(r"(?:[\w.]*\.)?(?:Enum|ENUM)\s*(?:\((?P<arguments>.*)\))?\s*$", re.S)
_NAME = re.compile(r"""\bname\s*=\s*(['"])(?P<name>[^'"\\]*)\1""")


def _enum(text: str) -> str | None:
    """The type name an Enum type expression gives ("" when none is written), or None
    when `text` is not an Enum."""
    found = _ENUM.match(text.strip())
    if found is None:
        return None
    named = _NAME.search(found.group("arguments") or "")
    return named.group("name") if named else ""


def safe_change(old: str, new: str) -> bool:
    before, after = _parse(old), _parse(new)
    if before is None or after is None:
        return False
    (old_family, old_sizes), (new_family, new_sizes) = before, after
    if (old_family, new_family) == ("cidr", "inet"):
        return True
    if old_family in ("varchar", "text") and new_family == "text":
        return True
    if old_family != new_family or old_family not in ("varchar", "numeric", "varbit"):
        return old_family == "text" and new_family == "varchar" and not new_sizes
    if not new_sizes:
        return True  # unbounded
    if not old_sizes:
        return False
    if old_family == "numeric":
        old_scale = old_sizes[1] if len(old_sizes) > 1 else 0
        new_scale = new_sizes[1] if len(new_sizes) > 1 else 0
        return new_sizes[0] >= old_sizes[0] and new_scale == old_scale
    return new_sizes[0] >= old_sizes[0]


def _adds_time_zone(old: str, new: str) -> bool:
    """DateTime() -> DateTime(timezone=True): timestamp to timestamptz."""

    def zoned(text: str) -> bool | None:
        found = _TYPE.match(text.strip())
        if found is None or found.group(1).lower() not in ("datetime", "timestamp"):
            return None
        return "timezone=true" in (found.group(2) or "").replace(" ", "").lower()

    return zoned(old) is False and zoned(new) is True


def _parse(text: str) -> tuple[str, tuple[int, ...]] | None:
    found = _TYPE.match(text.strip())
    if found is None:
        return None
    family = _FAMILIES.get(found.group(1).lower().replace("_", ""))
    if family is None:
        return None
    return family, tuple(int(n) for n in _NUMBER.findall(found.group(2) or ""))
