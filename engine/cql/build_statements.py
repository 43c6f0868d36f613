"""Tree building, part 2: the statements (see ``build_terms`` for how the callbacks are called).

Where Cassandra's parser itself rejects a construct with a message of its own (``addRecognitionError``
in Parser.g: duplicate properties, quoted user names, COMPACT STORAGE on a view, ...), the callback raises
the same SyntaxException.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.cql.ast import clauses as c
from engine.cql.ast import dcl, ddl, dml
from engine.cql.ast import terms as t
from engine.cql.build_terms import TermBuilder, name_of, recognition_error, role_name_of, selections
from engine.cql.lexer import Token


@dataclass(frozen=True, slots=True)
class _CompactStorage:
    """Stands for `COMPACT STORAGE` among a table's or view's WITH items."""


COMPACT_STORAGE = _CompactStorage()


@dataclass(frozen=True, slots=True)
class _Distinct:
    """Marks the selectors of SELECT DISTINCT on their way to select_body."""

    selectors: Any


def _flag(value: Any) -> bool:
    return value is not None


def _statement_properties(*properties: ddl.Property) -> tuple[ddl.Property, ...]:
    seen: set[str] = set()
    for prop in properties:
        if prop.name in seen:
            raise recognition_error(f"Multiple definition for property {prop.name}")
        seen.add(prop.name)
    return properties


def _table_options(items: tuple[Any, ...]) -> ddl.TableOptions:
    properties = tuple(i for i in items if isinstance(i, ddl.Property))
    order: list[tuple[str, c.Direction]] = []
    compact = False
    for item in items:
        if item is COMPACT_STORAGE:
            compact = True
        elif isinstance(item, list):
            order.extend(item)
    return ddl.TableOptions(_statement_properties(*properties), tuple(order), compact)


def _user_name(token: Token) -> str:
    if token.type == "QUOTED_NAME":
        raise recognition_error(
            "Quoted strings are are not supported for user names and USER is deprecated, please use ROLE"
        )
    return role_name_of(token)


def _identity(token: Token) -> str:
    if token.type == "QUOTED_NAME":
        raise recognition_error("Quoted strings are are not supported for identity")
    return str(token.value)


def _role(value: Token) -> str:
    return role_name_of(value)


class StatementBuilder(TermBuilder):
    """Callbacks for the statement rules; the top rule ``start`` returns the statements with positions."""

    def start(self, *children: Any) -> list[dml.Statement]:
        # The lexer adapter puts a STMT_START token before every top-level statement: it carries the
        # statement's position, which the statement callbacks cannot see.
        statements: list[dml.Statement] = []
        position: Token | None = None
        for child in children:
            if isinstance(child, Token):
                position = child
            elif child is not None and position is not None:
                statements.append(_positioned(child, position))
        return statements

    # --------------------------------------------------------------------------------- DML

    def use_statement(self, keyspace: str) -> dml.UseStatement:
        return dml.UseStatement(keyspace)

    def select_statement(self, body: dict[str, Any]) -> dml.SelectStatement:
        return dml.SelectStatement(**body)

    def select_json_statement(self, body: dict[str, Any]) -> dml.SelectStatement:
        return dml.SelectStatement(json=True, **body)

    def select_body(
        self,
        clause: Any,
        table: t.QualifiedName,
        where: Any,
        group_by: Any,
        order_by: Any,
        per_partition_limit: Any,
        limit: Any,
        allow_filtering: Any,
    ) -> dict[str, Any]:
        distinct = isinstance(clause, _Distinct)
        return {
            "table": table,
            "selection": selections(clause.selectors if distinct else clause),
            "where": where or (),
            "distinct": distinct,
            "group_by": group_by or (),
            "order_by": order_by or (),
            "per_partition_limit": per_partition_limit,
            "limit": limit,
            "allow_filtering": _flag(allow_filtering),
        }

    def distinct_selectors(self, selectors: Any) -> _Distinct:
        return _Distinct(selectors)

    def json_flag(self) -> bool:
        return True

    allow_filtering = static_flag = primary_key_flag = custom_flag = json_flag
    or_replace = if_not_exists = if_exists = with_internals = json_flag

    def norecursive(self) -> bool:
        return True

    def group_by_clause(self, *selectors: Any) -> tuple[c.Selector, ...]:
        return tuple(s.selector for s in selections(selectors) or ())

    def order_by_clause(self, *orderings: c.Ordering) -> tuple[c.Ordering, ...]:
        return orderings

    def ordering(self, column: str, ann: t.Term | None, direction: c.Direction | None) -> c.Ordering:
        return c.Ordering(column, direction or c.Direction.ASC, ann)

    def ann_of(self, vector: t.Term) -> t.Term:
        return vector

    def direction(self, token: Token) -> c.Direction:
        return c.Direction(token.value.upper())

    def per_partition_limit(self, value: t.Term) -> t.Term:
        return value

    limit = per_partition_limit

    def insert_statement(self, table: t.QualifiedName, *rest: Any) -> dml.InsertStatement:
        *columns_and_values, if_not_exists, attributes = rest
        half = len(columns_and_values) // 2
        columns, values = columns_and_values[:half], columns_and_values[half:]
        if len(columns) != len(values) or not all(isinstance(x, str) for x in columns):
            # The grammar cannot count; Cassandra's message for this case comes from preparation.
            columns = tuple(x for x in columns_and_values if isinstance(x, str))
            values = tuple(x for x in columns_and_values if not isinstance(x, str))
        return dml.InsertStatement(
            table,
            tuple(columns),
            tuple(values),
            _flag(if_not_exists),
            attributes or c.Attributes(),
        )

    def insert_json_statement(
        self, table: t.QualifiedName, json: t.Term, default: Any, if_not_exists: Any, attributes: Any
    ) -> dml.InsertJsonStatement:
        return dml.InsertJsonStatement(
            table, json, default == "unset", _flag(if_not_exists), attributes or c.Attributes()
        )

    def json_string(self, token: Token) -> t.Constant:
        return t.Constant(t.ConstantKind.STRING, token.value)

    def json_default(self, _default: Token, which: Token) -> str:
        return which.value.lower()

    def using_clause(self, *objectives: tuple[str, t.Term]) -> c.Attributes:
        values = dict(objectives)
        return c.Attributes(timestamp=values.get("timestamp"), ttl=values.get("ttl"))

    def using_timestamp(self, value: t.Term) -> tuple[str, t.Term]:
        return ("timestamp", value)

    def using_ttl(self, value: t.Term) -> tuple[str, t.Term]:
        return ("ttl", value)

    def update_statement(self, table: t.QualifiedName, attributes: Any, *rest: Any) -> dml.UpdateStatement:
        *operations, where, condition = rest
        _check_compatible(operations)
        if_exists, conditions = _condition(condition)
        return dml.UpdateStatement(
            table, tuple(operations), where, attributes or c.Attributes(), conditions, if_exists
        )

    def if_exists_condition(self) -> str:
        return "exists"

    def if_conditions(self, *conditions: c.ColumnCondition) -> tuple[c.ColumnCondition, ...]:
        return conditions

    def delete_statement(
        self, deletions: Any, table: t.QualifiedName, timestamp: Any, where: Any, condition: Any
    ) -> dml.DeleteStatement:
        if_exists, conditions = _condition(condition)
        return dml.DeleteStatement(table, deletions or (), where, timestamp, conditions, if_exists)

    def delete_selection(self, *deletions: c.Deletion) -> tuple[c.Deletion, ...]:
        return deletions

    def delete_column(self, column: str) -> c.Deletion:
        return c.Deletion(column)

    def delete_element(self, column: str, element: t.Term) -> c.Deletion:
        return c.Deletion(column, element=element)

    def delete_field(self, column: str, field: str) -> c.Deletion:
        return c.Deletion(column, field=field)

    def using_timestamp_clause(self, value: t.Term) -> t.Term:
        return value

    def batch_statement(self, batch_type: Any, attributes: Any, *statements: Any) -> dml.BatchStatement:
        kind = dml.BatchType.LOGGED if batch_type is None else batch_type
        return dml.BatchStatement(
            kind, tuple(s for s in statements if s is not None), attributes or c.Attributes()
        )

    def batch_type(self, token: Token) -> dml.BatchType:
        return dml.BatchType(token.value.upper())

    def truncate_statement(self, *children: Any) -> dml.TruncateStatement:
        return dml.TruncateStatement(children[-1])

    # ------------------------------------------------------------------------- keyspaces/tables

    def property(self, name: str, value: ddl.PropertyValue) -> ddl.Property:
        return ddl.Property(name, value)

    def keyword_value(self, token: Token) -> ddl.KeywordValue:
        return ddl.KeywordValue(token.value.lower())

    def properties(self, *properties: ddl.Property) -> tuple[ddl.Property, ...]:
        return _statement_properties(*properties)

    def create_keyspace_statement(self, if_not_exists: Any, keyspace: str, properties: Any) -> Any:
        return ddl.CreateKeyspaceStatement(keyspace, properties, _flag(if_not_exists))

    def alter_keyspace_statement(self, if_exists: Any, keyspace: str, properties: Any) -> Any:
        return ddl.AlterKeyspaceStatement(keyspace, properties, _flag(if_exists))

    def drop_keyspace_statement(self, if_exists: Any, keyspace: str) -> Any:
        return ddl.DropKeyspaceStatement(keyspace, _flag(if_exists))

    def create_table_statement(self, if_not_exists: Any, table: t.QualifiedName, *items: Any) -> Any:
        columns = tuple(i for i in items if isinstance(i, ddl.ColumnDefinition))
        keys = tuple(i for i in items if isinstance(i, ddl.PrimaryKey))
        options = _table_options(
            tuple(i for i in items if not isinstance(i, ddl.ColumnDefinition | ddl.PrimaryKey))
        )
        return ddl.CreateTableStatement(table, columns, keys, options, _flag(if_not_exists))

    def column_definition(self, name: str, type_: t.TypeRef, static: Any, mask: Any, primary: Any) -> Any:
        return ddl.ColumnDefinition(name, type_, _flag(static), mask, _flag(primary))

    def added_column(self, name: str, type_: t.TypeRef, static: Any, mask: Any) -> ddl.ColumnDefinition:
        return ddl.ColumnDefinition(name, type_, _flag(static), mask)

    def primary_key_definition(self, partition: tuple[str, ...], *clustering: str) -> ddl.PrimaryKey:
        return ddl.PrimaryKey(partition, clustering)

    def table_partition_key(self, *columns: str) -> tuple[str, ...]:
        return columns

    def compact_storage(self) -> _CompactStorage:
        return COMPACT_STORAGE

    def clustering_order_by(self, *orders: tuple[str, c.Direction]) -> list[tuple[str, c.Direction]]:
        return list(orders)

    def clustering_order(self, column: str, direction: c.Direction) -> tuple[str, c.Direction]:
        return (column, direction)

    def column_mask(self, function: t.FunctionName, *arguments: Any) -> ddl.ColumnMask:
        return ddl.ColumnMask(function, tuple(a for a in arguments if a is not None))

    def column_mask_default(self) -> ddl.ColumnMask:
        return ddl.ColumnMask(ddl.DEFAULT_MASK)

    def alter_table_statement(
        self, if_exists: Any, table: t.QualifiedName, instruction: dict[str, Any]
    ) -> Any:
        return ddl.AlterTableStatement(table=table, if_exists=_flag(if_exists), **instruction)

    def alter_column_type(self, column: str, type_: t.TypeRef) -> dict[str, Any]:
        return {"action": ddl.AlterTableAction.ALTER_TYPE, "column_name": column, "type": type_}

    def alter_column_mask(self, if_exists: Any, column: str, mask: ddl.ColumnMask) -> dict[str, Any]:
        return {
            "action": ddl.AlterTableAction.MASK,
            "column_name": column,
            "mask": mask,
            "if_column_exists": _flag(if_exists),
        }

    def alter_column_drop_mask(self, if_exists: Any, column: str) -> dict[str, Any]:
        return {
            "action": ddl.AlterTableAction.DROP_MASK,
            "column_name": column,
            "if_column_exists": _flag(if_exists),
        }

    def add_columns(self, if_not_exists: Any, *columns: ddl.ColumnDefinition) -> dict[str, Any]:
        return _add(if_not_exists, columns, parenthesized=False)

    def add_column_list(self, if_not_exists: Any, *columns: ddl.ColumnDefinition) -> dict[str, Any]:
        return _add(if_not_exists, columns, parenthesized=True)

    def drop_columns(self, if_exists: Any, *rest: Any) -> dict[str, Any]:
        return _drop(if_exists, rest, parenthesized=False)

    def drop_column_list(self, if_exists: Any, *rest: Any) -> dict[str, Any]:
        return _drop(if_exists, rest, parenthesized=True)

    def drop_timestamp(self, token: Token) -> int:
        return int(token.value)

    def rename_columns(self, if_exists: Any, *names: str) -> dict[str, Any]:
        pairs = tuple(zip(names[::2], names[1::2], strict=True))
        return {"action": ddl.AlterTableAction.RENAME, "renamed": pairs, "if_column_exists": _flag(if_exists)}

    def drop_compact_storage(self) -> dict[str, Any]:
        return {"action": ddl.AlterTableAction.DROP_COMPACT_STORAGE}

    def alter_table_properties(self, properties: tuple[ddl.Property, ...]) -> dict[str, Any]:
        return {"action": ddl.AlterTableAction.WITH, "properties": properties}

    def drop_table_statement(self, if_exists: Any, table: t.QualifiedName) -> Any:
        return ddl.DropTableStatement(table, _flag(if_exists))

    # ---------------------------------------------------------------- types, indexes, views, triggers

    def create_type_statement(self, if_not_exists: Any, name: t.QualifiedName, *fields: Any) -> Any:
        return ddl.CreateTypeStatement(name, tuple(f for f in fields if f is not None), _flag(if_not_exists))

    def type_field(self, name: str, type_: t.TypeRef) -> tuple[str, t.TypeRef]:
        return (name, type_)

    def alter_type_statement(self, if_exists: Any, name: t.QualifiedName, instruction: dict[str, Any]) -> Any:
        return ddl.AlterTypeStatement(name=name, if_exists=_flag(if_exists), **instruction)

    def alter_field_type(self, field: str, type_: t.TypeRef) -> dict[str, Any]:
        return {"action": ddl.AlterTypeAction.ALTER_TYPE, "field": field, "type": type_}

    def add_field(self, if_not_exists: Any, field: str, type_: t.TypeRef) -> dict[str, Any]:
        return {
            "action": ddl.AlterTypeAction.ADD,
            "field": field,
            "type": type_,
            "if_field_exists": _flag(if_not_exists),
        }

    def rename_fields(self, if_exists: Any, *names: str) -> dict[str, Any]:
        pairs = tuple(zip(names[::2], names[1::2], strict=True))
        return {"action": ddl.AlterTypeAction.RENAME, "renamed": pairs, "if_field_exists": _flag(if_exists)}

    def drop_type_statement(self, if_exists: Any, name: t.QualifiedName) -> Any:
        return ddl.DropTypeStatement(name, _flag(if_exists))

    def create_index_statement(
        self, custom: Any, if_not_exists: Any, name: Any, table: t.QualifiedName, *rest: Any
    ) -> Any:
        *targets, using, properties = rest
        return ddl.CreateIndexStatement(
            table=table,
            targets=tuple(x for x in targets if x is not None),
            name=name,
            custom=_flag(custom),
            using=None if using is None else using.value,
            properties=properties or (),
            if_not_exists=_flag(if_not_exists),
        )

    def index_simple(self, column: str) -> ddl.IndexTarget:
        return ddl.IndexTarget(column)

    def index_values(self, column: str) -> ddl.IndexTarget:
        return ddl.IndexTarget(column, ddl.IndexTargetKind.VALUES)

    def index_keys(self, column: str) -> ddl.IndexTarget:
        return ddl.IndexTarget(column, ddl.IndexTargetKind.KEYS)

    def index_entries(self, column: str) -> ddl.IndexTarget:
        return ddl.IndexTarget(column, ddl.IndexTargetKind.ENTRIES)

    def index_full(self, column: str) -> ddl.IndexTarget:
        return ddl.IndexTarget(column, ddl.IndexTargetKind.FULL)

    def drop_index_statement(self, if_exists: Any, index: t.QualifiedName) -> Any:
        return ddl.DropIndexStatement(index, _flag(if_exists))

    def create_view_statement(
        self,
        if_not_exists: Any,
        view: t.QualifiedName,
        selection: Any,
        base: t.QualifiedName,
        where: Any,
        *rest: Any,
    ) -> Any:
        partition, *rest_items = rest
        clustering = tuple(x for x in rest_items if isinstance(x, str))
        option_items = tuple(x for x in rest_items if not isinstance(x, str) and x is not None)
        if COMPACT_STORAGE in option_items:
            raise recognition_error("COMPACT STORAGE tables are not allowed starting with version 4.0")
        return ddl.CreateViewStatement(
            view=view,
            base_table=base,
            selection=selections(selection),
            where=where or (),
            primary_key=ddl.PrimaryKey(partition, clustering),
            options=_table_options(option_items),
            if_not_exists=_flag(if_not_exists),
        )

    def alter_view_statement(self, if_exists: Any, view: t.QualifiedName, properties: Any) -> Any:
        return ddl.AlterViewStatement(view, properties, _flag(if_exists))

    def drop_view_statement(self, if_exists: Any, view: t.QualifiedName) -> Any:
        return ddl.DropViewStatement(view, _flag(if_exists))

    def create_trigger_statement(
        self, if_not_exists: Any, name: str, table: t.QualifiedName, cls: Token
    ) -> Any:
        return ddl.CreateTriggerStatement(name, table, cls.value, _flag(if_not_exists))

    def drop_trigger_statement(self, if_exists: Any, name: str, table: t.QualifiedName) -> Any:
        return ddl.DropTriggerStatement(name, table, _flag(if_exists))

    # ------------------------------------------------------------------- functions and aggregates

    def create_function_statement(
        self, or_replace: Any, if_not_exists: Any, name: t.FunctionName, *rest: Any
    ) -> Any:
        *arguments, called_on_null, return_type, language, body = rest
        return ddl.CreateFunctionStatement(
            name=name,
            arguments=tuple(a for a in arguments if a is not None),
            called_on_null_input=called_on_null,
            return_type=return_type,
            language=language.value.lower(),
            body=body.value,
            or_replace=_flag(or_replace),
            if_not_exists=_flag(if_not_exists),
        )

    def function_argument(self, name: str, type_: t.TypeRef) -> tuple[str, t.TypeRef]:
        return (name, type_)

    def null_input_behaviour(self, first: Token, *_rest: Token) -> bool:
        return first.value.lower() == "called"

    def argument_types(self, *types: Any) -> tuple[t.TypeRef, ...]:
        return tuple(x for x in types if x is not None)

    def drop_function_statement(self, if_exists: Any, name: t.FunctionName, types: Any) -> Any:
        return ddl.DropFunctionStatement(name, types, _flag(if_exists))

    def create_aggregate_statement(
        self,
        or_replace: Any,
        if_not_exists: Any,
        name: t.FunctionName,
        types: tuple[t.TypeRef, ...],
        sfunc: str,
        stype: t.TypeRef,
        finalfunc: Any,
        initcond: Any,
    ) -> Any:
        return ddl.CreateAggregateStatement(
            name, types, sfunc, stype, finalfunc, initcond, _flag(or_replace), _flag(if_not_exists)
        )

    def drop_aggregate_statement(self, if_exists: Any, name: t.FunctionName, types: Any) -> Any:
        return ddl.DropAggregateStatement(name, types, _flag(if_exists))

    # ------------------------------------------------------------------------- roles and users

    def create_role_statement(self, if_not_exists: Any, role: Token, *options: Any) -> Any:
        return dcl.CreateRoleStatement(_role(role), _role_options(options), _flag(if_not_exists))

    def alter_role_statement(self, if_exists: Any, role: Token, *options: Any) -> Any:
        return dcl.AlterRoleStatement(_role(role), _role_options(options), _flag(if_exists))

    def drop_role_statement(self, if_exists: Any, role: Token) -> Any:
        return dcl.DropRoleStatement(_role(role), _flag(if_exists))

    def list_roles_statement(self, of: Any, norecursive: Any) -> Any:
        return dcl.ListRolesStatement(None if of is None else _role(of), not _flag(norecursive))

    def grant_role_statement(self, role: Token, grantee: Token) -> Any:
        return dcl.GrantRoleStatement(_role(role), _role(grantee))

    def revoke_role_statement(self, role: Token, revokee: Token) -> Any:
        return dcl.RevokeRoleStatement(_role(role), _role(revokee))

    def role_password(self, value: Token) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.PASSWORD, value.value)

    def role_hashed_password(self, value: Token) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.HASHED_PASSWORD, value.value)

    def role_options(self, value: t.MapLiteral) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.OPTIONS, value)

    def role_superuser(self, value: Token) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.SUPERUSER, value.value.lower() == "true")

    def role_login(self, value: Token) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.LOGIN, value.value.lower() == "true")

    def role_all_datacenters(self) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.ACCESS_TO_DATACENTERS, None)

    def role_datacenters(self, *names: Token) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.ACCESS_TO_DATACENTERS, tuple(n.value for n in names))

    def role_all_cidrs(self) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.ACCESS_FROM_CIDRS, None)

    def role_cidrs(self, *names: Token) -> dcl.RoleOption:
        return dcl.RoleOption(dcl.RoleOptionKind.ACCESS_FROM_CIDRS, tuple(n.value for n in names))

    def create_user_statement(self, if_not_exists: Any, name: Token, password: Any, superuser: Any) -> Any:
        return dcl.CreateUserStatement(_user_name(name), password, superuser, _flag(if_not_exists))

    def alter_user_statement(self, if_exists: Any, name: Token, password: Any, superuser: Any) -> Any:
        return dcl.AlterUserStatement(_user_name(name), password, superuser, _flag(if_exists))

    def drop_user_statement(self, if_exists: Any, name: Token) -> Any:
        return dcl.DropUserStatement(_user_name(name), _flag(if_exists))

    def list_users_statement(self) -> Any:
        return dcl.ListUsersStatement()

    def user_plain_password(self, value: Token) -> dcl.UserPassword:
        return dcl.UserPassword(value.value)

    def user_hashed_password(self, value: Token) -> dcl.UserPassword:
        return dcl.UserPassword(value.value, hashed=True)

    def superuser_flag(self, token: Token) -> bool:
        return token.value.lower() == "superuser"

    def add_identity_statement(self, if_not_exists: Any, identity: Token, role: Token) -> Any:
        return dcl.AddIdentityStatement(_identity(identity), _identity(role), _flag(if_not_exists))

    def drop_identity_statement(self, if_exists: Any, identity: Token) -> Any:
        return dcl.DropIdentityStatement(_identity(identity), _flag(if_exists))

    # ----------------------------------------------------------------------------- permissions

    def grant_permissions_statement(self, permissions: Any, resource: dcl.Resource, grantee: Token) -> Any:
        return dcl.GrantPermissionsStatement(permissions, resource, _role(grantee))

    def revoke_permissions_statement(self, permissions: Any, resource: dcl.Resource, revokee: Token) -> Any:
        return dcl.RevokePermissionsStatement(permissions, resource, _role(revokee))

    def list_permissions_statement(self, permissions: Any, resource: Any, of: Any, norecursive: Any) -> Any:
        return dcl.ListPermissionsStatement(
            permissions, resource, None if of is None else _role(of), not _flag(norecursive)
        )

    def all_permissions(self, *_: Any) -> None:
        return None

    def permissions(self, *items: Any) -> frozenset[dcl.Permission]:
        return frozenset(p for p in items if isinstance(p, dcl.Permission))

    def permission(self, token: Token) -> dcl.Permission:
        return dcl.Permission(token.value.upper())

    def all_keyspaces_resource(self) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.ALL_KEYSPACES)

    def keyspace_resource(self, keyspace: str) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.KEYSPACE, keyspace=keyspace)

    def table_resource(self, *children: Any) -> dcl.Resource:
        table: t.QualifiedName = children[-1]
        return dcl.Resource(dcl.ResourceKind.TABLE, keyspace=table.keyspace, name=table.name)

    def keyspace_tables_resource(self, keyspace: str) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.KEYSPACE_TABLES, keyspace=keyspace)

    def all_roles_resource(self) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.ALL_ROLES)

    def role_resource(self, role: Token) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.ROLE, name=_role(role))

    def all_functions_resource(self) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.ALL_FUNCTIONS)

    def keyspace_functions_resource(self, keyspace: str) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.KEYSPACE_FUNCTIONS, keyspace=keyspace)

    def function_resource(self, name: t.FunctionName, types: tuple[t.TypeRef, ...]) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.FUNCTION, name.keyspace, name.name, types)

    def all_mbeans_resource(self) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.ALL_MBEANS)

    def mbean_resource(self, name: Token) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.MBEAN, name=name.value)

    def mbeans_resource(self, name: Token) -> dcl.Resource:
        return dcl.Resource(dcl.ResourceKind.MBEANS, name=name.value)

    # -------------------------------------------------------------------------------- DESCRIBE

    def describe_statement(self, target: ddl.DescribeStatement, with_internals: Any) -> Any:
        if with_internals is None:
            return target
        return ddl.DescribeStatement(target.kind, target.keyspace, target.name, with_internals=True)

    def describe_cluster(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.CLUSTER)

    def describe_schema(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.SCHEMA)

    def describe_full_schema(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.FULL_SCHEMA)

    def describe_keyspaces(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.KEYSPACES)

    def describe_keyspace(self, keyspace: str | None) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.KEYSPACE, keyspace)

    def describe_only_keyspace(self, keyspace: str | None) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.ONLY_KEYSPACE, keyspace)

    def describe_tables(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.TABLES)

    def describe_types(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.TYPES)

    def describe_functions(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.FUNCTIONS)

    def describe_aggregates(self) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.AGGREGATES)

    def describe_table(self, *children: Any) -> ddl.DescribeStatement:
        return _describe_named(ddl.DescribeKind.TABLE, children[-1])

    def describe_index(self, name: t.QualifiedName) -> ddl.DescribeStatement:
        return _describe_named(ddl.DescribeKind.INDEX, name)

    def describe_view(self, name: t.QualifiedName) -> ddl.DescribeStatement:
        return _describe_named(ddl.DescribeKind.MATERIALIZED_VIEW, name)

    def describe_type(self, name: t.QualifiedName) -> ddl.DescribeStatement:
        return _describe_named(ddl.DescribeKind.TYPE, name)

    def describe_function(self, name: t.FunctionName) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.FUNCTION, name.keyspace, name.name)

    def describe_aggregate(self, name: t.FunctionName) -> ddl.DescribeStatement:
        return ddl.DescribeStatement(ddl.DescribeKind.AGGREGATE, name.keyspace, name.name)

    def describe_generic(self, *names: Any) -> ddl.DescribeStatement:
        if len(names) == 1:
            return ddl.DescribeStatement(ddl.DescribeKind.GENERIC, None, name_of(names[0]))
        return ddl.DescribeStatement(ddl.DescribeKind.GENERIC, name_of(names[0]), name_of(names[1]))


def _describe_named(kind: ddl.DescribeKind, name: t.QualifiedName) -> ddl.DescribeStatement:
    return ddl.DescribeStatement(kind, name.keyspace, name.name)


def _role_options(options: tuple[Any, ...]) -> tuple[dcl.RoleOption, ...]:
    present = tuple(o for o in options if o is not None)
    kinds = {o.kind for o in present}
    if {dcl.RoleOptionKind.PASSWORD, dcl.RoleOptionKind.HASHED_PASSWORD} <= kinds:
        raise recognition_error("Options 'password' and 'hashed password' are mutually exclusive")
    return present


def _condition(condition: Any) -> tuple[bool, tuple[c.ColumnCondition, ...]]:
    if condition is None:
        return False, ()
    if condition == "exists":
        return True, ()
    return False, condition


def _check_compatible(operations: list[c.Operation]) -> None:
    # Parser.g addRawUpdate: setting a whole column twice, or setting it and updating it, is refused.
    seen: dict[str, list[c.OperationKind]] = {}
    for op in operations:
        previous = seen.setdefault(op.column, [])
        if previous and (op.kind is c.OperationKind.SET or c.OperationKind.SET in previous):
            raise recognition_error(f"Multiple incompatible setting of column {op.column}")
        previous.append(op.kind)


def _add(
    if_not_exists: Any, columns: tuple[ddl.ColumnDefinition, ...], *, parenthesized: bool
) -> dict[str, Any]:
    return {
        "action": ddl.AlterTableAction.ADD,
        "added": columns,
        "if_column_exists": _flag(if_not_exists),
        "parenthesized": parenthesized,
    }


def _drop(if_exists: Any, rest: tuple[Any, ...], *, parenthesized: bool) -> dict[str, Any]:
    *columns, timestamp = rest
    return {
        "action": ddl.AlterTableAction.DROP,
        "dropped": tuple(columns),
        "if_column_exists": _flag(if_exists),
        "timestamp": timestamp,
        "parenthesized": parenthesized,
    }


def _positioned(statement: dml.Statement, token: Token) -> dml.Statement:
    # Positions are set once, right after construction and before anyone else holds the statement;
    # they take no part in equality or hashing, so the statement's value is unchanged.
    object.__setattr__(statement, "line", token.line)
    object.__setattr__(statement, "column", token.column)
    return statement
