from __future__ import annotations

import re
from collections.abc import Hashable, Iterator

from ..facts.opcalls import unpack_column_types
from ..graph import RevisionGraph
from ..history.deploy import DeployContext, bare
from ..lazyre import pattern
from ..memo import summarised
from ..model import Diagnostic, OpFact, RevisionFile
from ..rule import Example
from ._deploy_rule import KEYED_TABLE, DeployRule, column_of, literal_option, renamed_from, revision, shown

# SQLAlchemy / PostgreSQL type names -> the type family whose changes may avoid a rewrite
_FAMILIES = {
    "string": "varchar", "varchar": "varchar", "unicode": "varchar", "charactervarying": "varchar",
    "text": "text", "unicodetext": "text", "numeric": "numeric", "decimal": "numeric",
    "varbit": "varbit", "bitvarying": "varbit", "cidr": "cidr", "inet": "inet", "citext": "citext",
    # LargeBinary(length) is BYTEA on PostgreSQL whatever the length (superset)
    "largebinary": "bytea", "bytea": "bytea",
}  # fmt: skip
_TYPE = pattern(r"(?:[\w.]*\.)?(\w+)\s*(?:\((.*)\))?\s*$", re.S)
_NUMBER = pattern(r"(?:^|,)\s*(?:\w+\s*=\s*)?(\d+)")


class ColumnTypeChange(DeployRule):
    """
    ## What it does
    Flags `op.alter_column(..., type_=...)` and `ALTER COLUMN ... TYPE` on an existing
    table, unless `existing_type` shows a change PostgreSQL makes without a rewrite:
    varchar(n) to varchar(m >= n), to unbounded varchar or to text; text to unbounded
    varchar; numeric(p, s) to numeric(q >= p, s) or unbounded numeric; varbit(n) to a
    longer varbit; cidr to inet; LargeBinary to LargeBinary of another length (BYTEA
    both); varchar or text to citext and back (an index on the
    column is rebuilt for citext's operator class, which is not reported). A timestamp
    becoming a timestamptz, or back (exodus-gw), is reported with
    its condition (no rewrite on PostgreSQL 12+ when the session time zone is UTC).

    Without `existing_type` (or with another dialect's: `existing_type=mysql.TINYTEXT()`,
    or a value the code computes: `existing_type=col.type` of a reflected table),
    the old type is the one the last ancestor revision gave the column (under the name its
    table had before an `op.rename_table` earlier in the same upgrade(), if any): its
    `op.create_table` or `op.add_column` (`Column("name", sa.String(36))`), or an
    `op.alter_column(type_=...)`; the same type again, or a safe change from it, is not
    flagged, and the message names the revision; with no ancestor's word, the type the one
    `alter_column(type_=...)` of downgrade() on the column gives back is the old one. When no
    ancestor says (or the last one
    renamed, dropped or retyped the column by raw SQL, or retyped a column of that name on
    a table the code computes, as in a loop over table names, or two branches disagree),
    the old type is unknown and the change is flagged as one that may rewrite. Raw SQL
    (`ALTER COLUMN ... TYPE`) reads its old type from history the same way when the new
    type is one of PostgreSQL's own whose changes may avoid a rewrite (varchar, text,
    numeric, varbit, cidr, inet, citext) and there is no USING expression; any other
    type name in SQL is not followed (a project may rename the old ENUM type away and
    create a new one under its name), and neither is a type SQL gives a column for the
    revisions after it. An
    Enum is never taken as unchanged from history, for the same reason. A column retyped
    to the type an earlier call of the same upgrade() gave it is unchanged too. PostgreSQL only.

    A type the revision imports from the application or from a library other than
    SQLAlchemy (`from tacker.db import types` ... `type_=types.Uuid`, whose `impl` is the
    `String(36)` the column already has; `st.MediumText()`, TEXT on PostgreSQL) is not
    flagged: what it is on PostgreSQL is in code miglint does not read. For the same
    reason an old type from history that is not one of SQLAlchemy's (tracim's
    `ShortUploadField()`, a class of a library's type that is varchar(3000) there) is
    unknown: the change is flagged as one that may rewrite.

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
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('volume_mapping', sa.Column('id', sa.Integer(), primary_key=True),\n"
                    "    sa.Column('volume_id', sa.String(36), nullable=False))\n"
                    "op.add_column('users', sa.Column('name', sa.String(length=100)))"
                ),
                "0002_r2.py": revision(
                    "op.alter_column('volume_mapping', 'volume_id', new_column_name='cinder_volume_id', "
                    "type_=sa.String(length=36))\n"
                    "op.alter_column('users', 'name', type_=sa.String(200))",
                    "r2",
                    "r1",
                ),
                "0003_r3.py": revision("op.alter_column('users', 'name', type_=sa.Text())", "r3", "r2"),
            },
            note="old-type-from-history",
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.add_column('threads', sa.Column('source', sa.Text()))\n"
                    "op.alter_column('threads', 'source', type_=sa.Text())"
                )
            },
            note="retyped-to-what-this-upgrade-gave-it",  # SurfSense 149
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.alter_column('users', 'email', type_=postgresql.CITEXT(), existing_type=sa.String())"
                )
            },
            note="to-citext",  # pycds, fides: binary-coercible
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.alter_column('key_value', 'value', type_=sa.LargeBinary(length=2**24 - 1), "
                    "existing_type=sa.LargeBinary())"
                )
            },
            note="largebinary-length",  # superset: BYTEA both
        ),
        Example(
            files={
                "0001_r1.py": KEYED_TABLE,
                "0002_r2.py": revision(
                    "op.rename_table('tdr', 'tar')\n"
                    "with op.batch_alter_table('tar') as batch_op:\n"
                    "    batch_op.alter_column('dataset_id', type_=sa.Integer())",
                    "r2",
                    "r1",
                ),
            },
            note="type-under-the-table-s-old-name",  # airflow 0041
        ),
        Example(
            files={
                "0001_r1.py": revision("op.alter_column('overrides', 'notes', type_=sa.UnicodeText())")
                + "\n\ndef downgrade():\n    op.alter_column('overrides', 'notes', type_=sa.Unicode())\n"
            },
            note="old-type-from-the-downgrade",  # bodhi 1c97477e38ee: varchar to text
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('quotas', sa.Column('id', sa.Integer(), primary_key=True), "
                    "sa.Column('resource', sa.String(255)))"
                ),
                "0002_r2.py": revision(
                    "quotas = sa.Table('quotas', sa.MetaData(), autoload_with=op.get_bind())\n"
                    "op.alter_column('quotas', 'resource', type_=sa.String(300), "
                    "existing_type=quotas.c.resource.type)",
                    "r2",
                    "r1",
                ),
            },
            note="existing-type-the-code-reads",  # cinder b8660621f1b9: the history's type is used
        ),
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True),\n"
                    "    sa.Column('name', sa.String(100)), sa.Column('email', sa.Text()))"
                ),
                "0002_r2.py": revision(
                    "op.execute('ALTER TABLE users ALTER COLUMN name TYPE varchar(255)')\n"
                    "op.execute('ALTER TABLE users ALTER COLUMN email TYPE citext')",
                    "r2",
                    "r1",
                ),
            },
            note="raw-sql-old-type-from-history",
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
                    "op.create_table('images', sa.Column('id', sa.Integer(), primary_key=True),\n"
                    "    sa.Column('min_disk', sa.Integer(), nullable=True),\n"
                    "    sa.Column('size', sa.String(36)))"
                ),
                "0002_r2.py": revision(
                    "op.alter_column('images', 'size', new_column_name='size_old')\n"
                    "op.add_column('images', sa.Column('size', sa.Integer()))",
                    "r2",
                    "r1",
                ),
                "0003_r3.py": revision(
                    "op.alter_column('images', 'min_disk', type_=sa.BigInteger)\n"
                    "op.alter_column('images', 'size', type_=sa.String(36))",
                    "r3",
                    "r2",
                ),
            },
            flagged=("r3", "r3"),
            note="history-change-that-rewrites",
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
        Example(
            files={
                "0001_r1.py": revision(
                    "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True),\n"
                    "    sa.Column('name', sa.String(100)), sa.Column('age', sa.String(3)))"
                ),
                "0002_r2.py": revision(
                    "op.execute('ALTER TABLE users ALTER COLUMN name TYPE varchar(50)')\n"
                    "op.execute('ALTER TABLE users ALTER COLUMN age TYPE numeric(3) USING age::numeric')\n"
                    "op.execute('ALTER TABLE users ALTER COLUMN id TYPE bigint')",
                    "r2",
                    "r1",
                ),
            },
            flagged=("r2", "r2", "r2"),
            note="raw-sql-shorter-using-or-rewriting",
        ),
        Example(
            files={
                "0001_r1.py": KEYED_TABLE,
                "0002_r2.py": revision(
                    "op.rename_table('tdr', 'tar')\nop.alter_column('tar', 'dataset_id', type_=sa.BigInteger())",
                    "r2",
                    "r1",
                ),
            },
            flagged=("r2",),
            note="another-type-under-the-table-s-old-name",
        ),
        Example(
            files={
                "0001_r1.py": revision("op.alter_column('overrides', 'hits', type_=sa.BigInteger())")
                + "\n\ndef downgrade():\n    op.alter_column('overrides', 'hits', type_=sa.Integer())\n"
            },
            flagged=("r1",),
            note="a-rewrite-the-downgrade-shows",
        ),
    )

    def check_graph(self, graph: RevisionGraph) -> Iterator[Diagnostic]:
        memo = graph.memo
        revisions = graph.revisions.items()
        # (table, column) some upgrade() changes the type of without saying what it was
        untyped: set[tuple[str, str]] = set()
        for _, file in revisions:
            if "alter_column" in file.upgrade_operation_names:
                untyped.update(summarised(memo, "MG407/untyped", file, _untyped_changes))
        # -> (revision, the type it gives the column; "" when it leaves it unknown)
        setters: dict[tuple[str, str], list[tuple[str, str]]] = {}
        untyped_tables = {table for table, _ in untyped}
        if untyped:
            for rev_id, file in revisions:
                for table, packed in file.op_column_types:
                    if bare(table) not in untyped_tables:
                        continue
                    for column, type_text in unpack_column_types(packed):
                        pair = (bare(table), column.lower())
                        if pair in untyped:
                            setters.setdefault(pair, []).append((rev_id, type_text))
                for table, column, type_text in summarised(memo, "MG407/typed", file, _typed_columns):
                    pair = (table, column)
                    if not pair[0]:  # a table named at run time (tacker: a loop over names)
                        for other in untyped:
                            if other[1] == pair[1]:
                                setters.setdefault(other, []).append((rev_id, ""))
                    elif pair in untyped:
                        setters.setdefault(pair, []).append((rev_id, type_text))
        self._setters = setters
        self._graph = graph
        self._memo = memo
        yield from super().check_graph(graph)

    def _type_before(self, rev_id: str, pair: tuple[str, str]) -> tuple[str | None, str]:
        """The type the column has before `rev_id`, and the revision that gave it, from the
        last ancestor that created, added or retyped it; (None, "") when no ancestor says,
        when the last one left it unknown (a rename, a drop, a type it cannot read), or when
        two ancestors on parallel branches both do."""
        order = self._graph.topological_order
        found = [
            (maker, type_text)
            for maker, type_text in self._setters.get(pair, ())
            if self._graph.is_ancestor(maker, rev_id)
        ]
        if not found:
            return None, ""
        # the last ancestor; within it, its last operation on the column
        last = max(reversed(found), key=lambda item: order[item[0]] if order is not None else 0)
        if not last[1] or any(
            maker != last[0] and not self._graph.is_ancestor(maker, last[0]) for maker, _ in found
        ):
            return None, ""
        return last[1], last[0]

    def memo_context(self, rev_id: str, file: RevisionFile) -> Hashable:
        # the types the history gives the columns this revision retypes without existing_type
        if not self._setters:
            return ()
        changed = summarised(self._memo, "MG407/untyped", file, _untyped_changes)
        return tuple(self._type_before(rev_id, pair) for pair in changed)

    def check_operation(
        self, rev_id: str, file: RevisionFile, operation: OpFact, context: DeployContext
    ) -> Iterator[Diagnostic]:
        new = operation.option("type_")
        if operation.name != "alter_column" or new in (None, "None"):
            return
        if _defined_elsewhere(file, new or ""):
            return  # a type the revision imports from the application or a library (see the docstring)
        old = _existing_type(operation)
        maker = ""
        if old is None and (operation.via != "sql" or _builtin_change(operation)):
            here = _type_earlier_here(file, operation)
            if here is not None and _same_type(here, new or ""):
                return  # the type an earlier call of this upgrade() gave it (SurfSense 149)
            for table in (bare(operation.table), *renamed_from(file, operation)):  # its names, latest first
                old, maker = self._type_before(rev_id, (table, operation.target.lower()))
                said = self._setters.get((table, operation.target.lower()), ())
                if old is not None or any(self._graph.is_ancestor(m, rev_id) for m, _ in said):
                    break  # what the history says under the latest name it knows the column by
            if old is None:
                old = _restored_type(file, operation)  # what downgrade() gives it back (bodhi)
            if old is not None and _same_type(old, new or ""):
                return  # the type the column already has
            if old is not None and not _sqlalchemy_type(old):
                # a type of the project's or a library's (tracim: `ShortUploadField()`, a class of
                # depot's UploadedFileField that is varchar(3000) on PostgreSQL): what the column
                # is there is in code miglint does not read, as for such a new type
                old, maker = None, ""
        if old is not None and safe_change(old, new or ""):
            return
        if old is not None and _enum(old) is not None and _enum(new or "") is not None:
            if _enum(old) != _enum(new or "") and "" not in (_enum(old), _enum(new or "")):
                pass  # another ENUM type: PostgreSQL rewrites the column (given a USING cast)
            else:
                return  # the same type, or not known to differ (see the docstring)
        column = column_of(operation)
        known = f"from {old} {f'(as revision {maker} made it) ' if maker else ''}" if old else ""
        if operation.via == "sql" and new and "." in new and "(" not in new:
            new = f"the type {new}"  # `public.followup_apis` read alone looks like a table (skyportal)
        if old is not None and _changes_time_zone(old, new or ""):
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
        # a type named by a variable (`type_=text_type_maxlen`) may still be binary-compatible
        certain = old is not None and (not maker or _TYPE_CLASS.match((new or "").strip()) is not None)
        yield self.report(
            rev_id,
            file,
            operation,
            f"{shown(operation)} changes {column} {known}to {new}: "
            f"{'PostgreSQL' if certain else 'unless the change is binary-compatible, PostgreSQL'} rewrites the "
            "table and its indexes under an ACCESS EXCLUSIVE lock that blocks every read and write",
            "add a column of the new type, backfill it, switch the code, then drop the old column"
            + ("" if certain else "; if the change needs no rewrite, pass existing_type= to say so"),
        )


_ROOT = pattern(r"[^\W\d]\w*")
_TYPE_CLASS = pattern(r"(?:[\w.]*\.)?[A-Z]\w*\s*(?:\(.*\))?$", re.S)  # `sa.Integer`, `String(36)`


_OTHER_DIALECT_TYPE = pattern(r"(?:sqlalchemy\.dialects\.)?(?:mysql|mssql|oracle|sqlite)\.")


def _existing_type(operation: OpFact) -> str | None:
    """`existing_type` as PostgreSQL's column has it: None for another dialect's
    (keep: `existing_type=mysql.TINYTEXT()` says nothing of PostgreSQL's)."""
    written = operation.option("existing_type")
    if written is None or _OTHER_DIALECT_TYPE.match(written.strip()):
        return None
    if operation.via != "sql" and _TYPE_CLASS.match(written.strip()) is None:
        return None  # a value of the code's (cinder: `existing_type=col.type`, reflected): unknown
    return written


def _type_earlier_here(file: RevisionFile, operation: OpFact) -> str | None:
    """The type an earlier call of the same function gave the column (_types_given); None
    when none did, or one left it unknown. Only calls in the function's own body count
    (indented once): one in a branch may not have run (ubersystem retypes in an
    `if is_sqlite:` branch and again in its `else:`)."""
    pair = (bare(operation.table), operation.target.lower())
    at = (operation.span.line, operation.span.column)
    found: str | None = None
    for earlier in file.upgrade_operations:
        if earlier is operation or (earlier.span.line, earlier.span.column) >= at:
            break
        if earlier.function != operation.function:
            continue
        for given, type_text in _types_given(earlier):
            if given == pair:
                # in a branch, a loop or a with block: what it gave is not sure
                found = (type_text or None) if earlier.span.column == 4 else None
    return found


def _untyped_changes(file: RevisionFile) -> tuple[tuple[str, str], ...]:
    """(table, column) of each type change upgrade() makes without an existing_type that
    says what PostgreSQL's column is."""
    return tuple(
        (table, o.target.lower())
        for o in file.upgrade_operations
        if o.name == "alter_column"
        # raw SQL: a type's name may be a new type's (fides renames the old away), unless it is
        # one of PostgreSQL's own that a change may keep (varchar, text, numeric...), without USING
        and (o.via != "sql" or _builtin_change(o))
        and o.option("type_") not in (None, "None")
        and _existing_type(o) is None
        for table in (bare(o.table), *renamed_from(file, o))  # and the names its table had before
    )


def _restored_type(file: RevisionFile, operation: OpFact) -> str | None:
    """The type downgrade() gives the column back, by the one `op.alter_column(type_=...)` it
    makes on it: the type the column had before upgrade() (bodhi writes no existing_type
    in upgrade() and `type_=sa.Unicode()` in downgrade())."""
    table, column = bare(operation.table), operation.target.lower()
    given = [
        o.option("type_")
        for o in file.operations
        if o.entry == "downgrade"
        and o.name == "alter_column"
        and o.via != "sql"
        and bare(o.table) == table
        and o.target.lower() == column
        and o.option("type_") not in (None, "None")
    ]
    return given[0] if len(given) == 1 else None


def _builtin_change(o: OpFact) -> bool:
    """A raw `ALTER COLUMN ... TYPE` to one of the types whose changes may avoid a rewrite
    (_FAMILIES: no project renames such a type away), without a USING expression: its old type
    is read from the history, as for op.alter_column without existing_type."""
    return o.option("postgresql_using") is None and _parse(o.option("type_") or "") is not None


def _typed_columns(file: RevisionFile) -> tuple[tuple[str, str, str], ...]:
    """(table, column, type) of each column upgrade() adds or retypes (_types_given). The
    table is "" when the code computes it: any table's column of that name may be meant.
    Flat tuples of strings: what the memo keeps for the next run (memo._plain); a run after
    one change read every file's operations again while they nested."""
    return tuple(
        (table, column, type_text)
        for o in file.upgrade_operations
        for (table, column), type_text in _types_given(o)
    )


def _types_given(o: OpFact) -> list[tuple[tuple[str, str], str]]:
    """((table, column), type) the operation gives a column; "" for one it adds with no type
    it can read, renames (from or to) or drops: its type is not known."""
    pair = (bare(o.table), o.target.lower())
    if o.name == "add_column":
        return [(pair, o.option("column_type") or "")]
    if o.name == "drop_column":
        return [(pair, "")]
    if o.name != "alter_column":
        return []
    found = []
    if o.via == "sql":
        found.append((pair, ""))  # what a type name in SQL stands for is not known here
    elif o.option("type_") not in (None, "None"):
        found.append((pair, o.option("type_") or ""))
    renamed = literal_option(o, "new_column_name", "").lower()
    if renamed:
        found += [(pair, ""), ((pair[0], renamed), "")]
    return found


def _same_type(old: str, new: str) -> bool:
    """Whether two type expressions name the same type: `sa.String(36)` and
    `String(length=36)`, `sa.Text()` and `sa.TEXT`. Not for an Enum (a type of that name
    may have been renamed away and made anew, by SQL this reading does not follow) nor for
    what is not a type class (a name bound to one)."""
    if _enum(old) is not None or _enum(new) is not None:
        return False
    if _TYPE_CLASS.match(old.strip()) is None or _TYPE_CLASS.match(new.strip()) is None:
        return False
    return _normal(old) == _normal(new)


def _normal(text: str) -> str:
    found = _TYPE.match(text.strip())
    if found is None:
        return text
    arguments = re.sub(r"\s+|\blength\s*=", "", found.group(2) or "").replace('"', "'")
    return f"{found.group(1).lower()}({arguments})"


# SQLAlchemy's and its PostgreSQL dialect's type classes (SQLAlchemy 2.1; tests/test_deploy.py checks
# the list against the installed SQLAlchemy)
SQLALCHEMY_TYPES = frozenset({
    "ARRAY", "BIGINT", "BINARY", "BIT", "BLOB", "BOOLEAN", "BYTEA", "BigInteger", "Boolean", "CHAR", "CIDR",
    "CITEXT", "CLOB", "DATE", "DATEMULTIRANGE", "DATERANGE", "DATETIME", "DECIMAL", "DOMAIN", "DOUBLE",
    "DOUBLE_PRECISION", "Date", "DateTime", "Double", "ENUM", "Enum", "FLOAT", "Float", "HSTORE", "INET", "INT",
    "INT4MULTIRANGE", "INT4RANGE", "INT8MULTIRANGE", "INT8RANGE", "INTEGER", "INTERVAL", "Integer", "Interval",
    "JSON", "JSONB", "JSONPATH", "LargeBinary", "MACADDR", "MACADDR8", "MONEY", "NCHAR", "NUMERIC",
    "NUMMULTIRANGE", "NUMRANGE", "NVARCHAR", "Numeric", "OID", "PickleType", "REAL", "REGCLASS", "REGCONFIG",
    "SMALLINT", "SmallInteger", "String", "TEXT", "TIME", "TIMESTAMP", "TSMULTIRANGE", "TSQUERY", "TSRANGE",
    "TSTZMULTIRANGE", "TSTZRANGE", "TSVECTOR", "Text", "Time", "UUID", "Unicode", "UnicodeText", "Uuid",
    "VARBINARY", "VARCHAR",
})  # fmt: skip
_TYPE_NAME = pattern(r"\s*(?:[\w.]*\.)?(\w+)")


def _sqlalchemy_type(type_text: str) -> bool:
    """Whether a type expression names one of SQLAlchemy's types (`sa.String(36)`, `postgresql.JSONB`)."""
    found = _TYPE_NAME.match(type_text)
    return found is not None and found.group(1) in SQLALCHEMY_TYPES


def _defined_elsewhere(file: RevisionFile, type_text: str) -> bool:
    """Whether the type is named through an import other than SQLAlchemy's, Alembic's or
    the standard library's (`from tacker.db import types` ... `types.Uuid`; `from
    mistral.db.sqlalchemy import types as st` ... `st.MediumText()`)."""
    root = _ROOT.match(type_text.strip())
    return root is not None and any(root.group() in fact.bound for fact in file.imports)


_ENUM = pattern(r"(?:[\w.]*\.)?(?:Enum|ENUM)\s*(?:\((?P<arguments>.*)\))?\s*$", re.S)
_NAME = pattern(r"""\bname\s*=\s*(['"])(?P<name>[^'"\\]*)\1""")


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
    if (old_family, new_family) == ("cidr", "inet") or old_family == new_family == "bytea":
        return True
    if old_family in ("varchar", "text") and new_family == "text":
        return True
    if {old_family, new_family} <= {"varchar", "text", "citext"} and "citext" in (old_family, new_family):
        return not new_sizes  # citext's casts from and to text and varchar are WITHOUT FUNCTION
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


def _changes_time_zone(old: str, new: str) -> bool:
    """DateTime() <-> DateTime(timezone=True): timestamp to timestamptz, or back (PostgreSQL 12
    skips the rewrite either way when the session time zone is UTC: its release notes)."""

    def zoned(text: str) -> bool | None:
        found = _TYPE.match(text.strip())
        if found is None or found.group(1).lower() not in ("datetime", "timestamp"):
            return None
        return "timezone=true" in (found.group(2) or "").replace(" ", "").lower()

    before, after = zoned(old), zoned(new)
    return before is not None and after is not None and before is not after


def _parse(text: str) -> tuple[str, tuple[int, ...]] | None:
    found = _TYPE.match(text.strip())
    if found is None:
        return None
    family = _FAMILIES.get(found.group(1).lower().replace("_", ""))
    if family is None:
        return None
    return family, tuple(int(n) for n in _NUMBER.findall(found.group(2) or ""))
