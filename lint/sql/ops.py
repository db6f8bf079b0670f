"""A PostgreSQL statement (pglast's JSON tree) as op-call facts: the vocabulary of facts/ops.py.

`ALTER TABLE t ALTER COLUMN c SET NOT NULL` is what `op.alter_column("t", "c",
nullable=False)` runs, so both become ("alter_column", "t", "c", nullable=False) and
the deploy-safety rules (MG4xx) read one kind of fact whichever way a revision wrote it.
"""

from __future__ import annotations

import json
from typing import Any

Node = dict[str, Any]
# (op function, table, target, options)
SqlOp = tuple[str, str, str, tuple[tuple[str, str], ...]]

# Functions whose value changes from row to row: a default calling one is computed for
# every existing row, a table rewrite. now() and CURRENT_TIMESTAMP are STABLE (one value
# per statement), so PostgreSQL 11+ stores them as a fast default: not listed.
VOLATILE = frozenset({
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    "clock_timestamp", "timeofday", "nextval", "setseed",
})  # fmt: skip

_CONSTRAINTS = {
    "CONSTR_FOREIGN": "create_foreign_key",
    "CONSTR_CHECK": "create_check_constraint",
    "CONSTR_UNIQUE": "create_unique_constraint",
    "CONSTR_PRIMARY": "create_primary_key",
    "CONSTR_EXCLUSION": "create_exclude_constraint",
}
_TRUE = "True"


def pg_operations(node_type: str, node: Node) -> tuple[SqlOp, ...]:
    """The op-call facts of one statement; () for a statement no MG4xx rule reads."""
    if node_type == "IndexStmt":
        options = [("postgresql_concurrently", _TRUE)] if node.get("concurrent") else []
        if node.get("if_not_exists"):
            options.append(("if_not_exists", _TRUE))
        return (
            ("create_index", _relation(node.get("relation")), str(node.get("idxname") or ""), tuple(options)),
        )
    if node_type == "DropStmt":
        return _drop(node)
    if node_type in ("CreateStmt", "CreateTableAsStmt"):
        into = node.get("into") or {}  # CREATE TABLE ... AS SELECT: {"into": {"rel": ...}}
        relation = node.get("relation") or into.get("IntoClause", into).get("rel")
        table = _relation(relation)
        # PARTITION OF / INHERITS: dropping the parent drops it too (MG504)
        parents = [_relation(p.get("RangeVar")) for p in node.get("inhRelations", []) if "RangeVar" in p]
        options = [("inherits", parents[0])] if parents else []
        if (relation or {}).get("relpersistence") == "t":  # gone at the session's end (MG504)
            options.append(("temporary", _TRUE))
        if node.get("objtype") == "OBJECT_MATVIEW":  # no writes to wait: a REFRESH does (MG401)
            options.append(("materialized", _TRUE))
        return (("create_table", table, table, tuple(options)),)
    if node_type == "AlterTableStmt" and node.get("objtype") == "OBJECT_TABLE":
        table = _relation(node.get("relation"))
        found: list[SqlOp] = []
        for command in node.get("cmds", []):
            found.extend(_alter(table, command.get("AlterTableCmd", {})))
        return tuple(found)
    if node_type == "CreateEnumStmt":  # MG501/MG504 read these from RevisionFile.enums (reading/parse.py)
        return (("create_enum", "", _names(node.get("typeName")), ()),)
    if node_type == "RenameStmt" and node.get("renameType") == "OBJECT_TYPE":
        old = _names(node.get("object", {}).get("List", {}).get("items"))
        return (("rename_enum", "", old, (("new_name", str(node.get("newname", ""))),)),)
    if node_type == "RenameStmt":
        table = _relation(node.get("relation"))
        if node.get("renameType") == "OBJECT_TABLE":
            return (("rename_table", table, table, (("new_table_name", str(node.get("newname", ""))),)),)
        if node.get("renameType") == "OBJECT_COLUMN":
            column = str(node.get("subname", ""))
            return (("alter_column", table, column, (("new_column_name", str(node.get("newname", ""))),)),)
        if node.get("renameType") == "OBJECT_TABCONSTRAINT":  # no op function does it; ACCESS EXCLUSIVE
            constraint = str(node.get("subname", ""))
            return (("rename_constraint", table, constraint, (("new_name", str(node.get("newname", ""))),)),)
        return ()
    if node_type == "VariableSetStmt" and node.get("kind") == "VAR_SET_VALUE":
        return (("set", "", str(node.get("name", "")), ()),)
    if node_type == "TruncateStmt":  # the table has no rows after it (MG404)
        return tuple(("empty_table", _relation(r.get("RangeVar")), "", ()) for r in node.get("relations", []))
    if node_type == "DeleteStmt" and not node.get("whereClause") and not node.get("usingClause"):
        return (("empty_table", _relation(node.get("relation")), "", ()),)
    if node_type == "TransactionStmt":
        kind = str(node.get("kind", "")).replace("TRANS_STMT_", "").lower()
        return ((kind, "", "", ()),) if kind in ("commit", "begin", "start", "rollback") else ()
    return ()


def _drop(node: Node) -> tuple[SqlOp, ...]:
    kind = node.get("removeType")
    if kind == "OBJECT_TYPE":
        return tuple(
            ("drop_enum", "", _names(item.get("TypeName", {}).get("names")), ())
            for item in node.get("objects", [])
        )
    # a materialized view as a table: CREATE MATERIALIZED VIEW is create_table's fact too
    name = {"OBJECT_INDEX": "drop_index", "OBJECT_TABLE": "drop_table", "OBJECT_MATVIEW": "drop_table"}.get(
        str(kind)
    )
    if name is None:
        return ()
    options = [("postgresql_concurrently", _TRUE)] if node.get("concurrent") else []
    if node.get("missing_ok"):
        options.append(("if_exists", _TRUE))
    found = []
    for item in node.get("objects", []):
        names = [str(s.get("String", {}).get("sval", "")) for s in item.get("List", {}).get("items", [])]
        dotted = ".".join(n for n in names if n)
        # DROP INDEX names the index; its table is not in the statement
        found.append((name, dotted if name == "drop_table" else "", dotted, tuple(options)))
    return tuple(found)


def _alter(table: str, command: Node) -> list[SqlOp]:
    subtype = command.get("subtype")
    definition = command.get("def") or {}
    if subtype == "AT_AddColumn" and "ColumnDef" in definition:
        column = definition["ColumnDef"]
        options: list[tuple[str, str]] = []
        references = ""  # the column a REFERENCES clause names: "customers.id"
        for constraint in column.get("constraints", []):
            found = constraint.get("Constraint", {})
            if found.get("contype") == "CONSTR_FOREIGN" and not references:
                attributes = [str(a.get("String", {}).get("sval", "")) for a in found.get("pk_attrs", [])]
                references = f"{_relation(found.get('pktable'))}.{attributes[0] if attributes else ''}"
            if found.get("contype") == "CONSTR_NOTNULL":
                options.append(("nullable", "False"))
            elif found.get("contype") == "CONSTR_DEFAULT":
                options.append(("server_default", "<SQL expression>"))
                if _calls_volatile(found.get("raw_expr")):
                    options.append(("volatile", _TRUE))
            elif found.get("contype") == "CONSTR_PRIMARY":
                options.append(("nullable", "False"))
            elif found.get("contype") == "CONSTR_UNIQUE":
                options.append(("unique", _TRUE))  # its unique index is built with the column (MG409)
            elif found.get("contype") in ("CONSTR_IDENTITY", "CONSTR_GENERATED"):
                options.append(("generated", _TRUE))
        if _type_text(column.get("typeName", {})) in (
            "serial",
            "bigserial",
            "smallserial",
            "serial4",
            "serial8",
        ):
            options.append(("generated", _TRUE))  # a sequence fills every row
        if references and any(o[0] in ("server_default", "generated") for o in options):
            # `ADD COLUMN ... REFERENCES` is added valid without a scan, every row holding NULL,
            # unless a DEFAULT (even NULL, or serial's) fills it: then every row is checked (MG408)
            options.append(("foreign_key", references))
        if command.get("missing_ok"):
            options.append(("if_not_exists", _TRUE))
        return [("add_column", table, str(column.get("colname", "")), tuple(options))]
    if subtype == "AT_SetNotNull":
        return [("alter_column", table, str(command.get("name", "")), (("nullable", "False"),))]
    if subtype == "AT_DropNotNull":  # the column is nullable again (MG406 reads it)
        return [("alter_column", table, str(command.get("name", "")), (("nullable", "True"),))]
    if subtype == "AT_AlterColumnType":
        column = definition.get("ColumnDef", {})
        options: tuple[tuple[str, str], ...] = (("type_", _type_text(column.get("typeName", {}))),)
        if column.get("raw_default"):  # USING <expression>: the values are computed anew (MG407)
            options += (("postgresql_using", "True"),)
        return [("alter_column", table, str(command.get("name", "")), options)]
    if subtype == "AT_AddConstraint" and "Constraint" in definition:
        constraint = definition["Constraint"]
        name = _CONSTRAINTS.get(str(constraint.get("contype")))
        if name is None:
            return []
        options = []
        if constraint.get("skip_validation"):
            options.append(("postgresql_not_valid", _TRUE))
        if constraint.get("indexname"):
            options.append(("using_index", str(constraint["indexname"])))
        checked = _not_null_checked(constraint.get("raw_expr"))
        if checked:
            options.append(("condition", f"{checked} IS NOT NULL"))
        return [(name, table, str(constraint.get("conname", "")), tuple(options))]
    if subtype == "AT_ValidateConstraint":  # MG408: after its NOT VALID ADD in the same transaction
        return [("validate_constraint", table, str(command.get("name", "")), ())]
    if subtype in ("AT_DropConstraint", "AT_DropColumn"):
        name = "drop_constraint" if subtype == "AT_DropConstraint" else "drop_column"
        guarded = (("if_exists", _TRUE),) if command.get("missing_ok") else ()  # DROP ... IF EXISTS
        return [(name, table, str(command.get("name", "")), guarded)]
    return []


def _not_null_checked(expression: Any) -> str:
    """The column of a `CHECK (column IS NOT NULL)`, else ""."""
    test = (expression or {}).get("NullTest", {})
    if test.get("nulltesttype") != "IS_NOT_NULL":
        return ""
    fields = test.get("arg", {}).get("ColumnRef", {}).get("fields", [])
    return str(fields[-1].get("String", {}).get("sval", "")) if fields else ""


def _calls_volatile(expression: Any) -> bool:
    if not expression:
        return False
    text = json.dumps(expression)
    return any(f'"sval": "{name}"' in text for name in VOLATILE) and "FuncCall" in text


def _type_text(type_name: Node) -> str:
    """A type as written, for the messages and MG407's known-safe pairs: `varchar(64)`,
    `text[]`, `geometry(point, 3857)` (a modifier may be a name), `int4[3]`."""
    names = [str(n.get("String", {}).get("sval", "")) for n in type_name.get("names", [])]
    names = [n for n in names if n != "pg_catalog"]
    modifiers = [_modifier(m) for m in type_name.get("typmods", [])]
    text = ".".join(names)
    if any(modifiers):
        text = f"{text}({', '.join(m for m in modifiers if m)})"
    for bound in type_name.get("arrayBounds", []):  # an array of the type: another type altogether
        size = bound.get("Integer", {}).get("ival", -1)
        text += "[]" if size < 0 else f"[{size}]"
    return text


def _modifier(node: Node) -> str:
    if "A_Const" in node:
        constant = node["A_Const"]
        if "ival" in constant:
            return str(constant["ival"].get("ival", 0))  # 0 is left out of pglast's tree
        if "sval" in constant:
            return repr(str(constant["sval"].get("sval", "")))
        if "fval" in constant:
            return str(constant["fval"].get("fval", ""))
        return ""
    if "ColumnRef" in node:  # `geometry(POINT, 3857)`: POINT reads as a column's name
        return ".".join(str(f.get("String", {}).get("sval", "")) for f in node["ColumnRef"].get("fields", []))
    return ""


def _names(items: Any) -> str:
    """A dotted name (`schema.mood`) from pglast's list of String nodes."""
    return ".".join(str(i.get("String", {}).get("sval", "")) for i in items or () if "String" in i)


def _relation(relation: Node | None) -> str:
    if not relation:
        return ""
    schema = relation.get("schemaname")
    name = str(relation.get("relname", ""))
    return f"{schema}.{name}" if schema else name
