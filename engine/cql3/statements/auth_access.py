"""What a statement needs to be allowed to run (Cassandra's ``CQLStatement.authorize`` of each statement).

:func:`requirements` maps a parsed statement to the data permissions it needs, computed once when the
statement is prepared (the keyspace it names, or the session's at that time) and checked on every
execution by :func:`check`:

=============================================  ==============================================
SELECT                                         SELECT on the table
INSERT / UPDATE / DELETE                       MODIFY on the table; also SELECT when conditional
TRUNCATE                                       MODIFY on the table
BATCH                                          what each statement needs
CREATE KEYSPACE                                CREATE on ALL KEYSPACES
ALTER / DROP KEYSPACE                          ALTER / DROP on the keyspace
CREATE TABLE, CREATE/ALTER/DROP TYPE           CREATE / ALTER / DROP on the keyspace
ALTER / DROP TABLE                             ALTER / DROP on the table
CREATE / DROP INDEX, CREATE MATERIALIZED VIEW  ALTER on the (base) table
ALTER / DROP MATERIALIZED VIEW                 ALTER on the base table
CREATE / DROP TRIGGER                          superuser
USE, DESCRIBE                                  a login
=============================================  ==============================================

Role and permission statements check their own access (``engine.cql3.statements.auth``).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.auth.resources import Permission
from engine.auth.service import AuthService
from engine.auth.users import AuthenticatedUser
from engine.cql import ast
from engine.cql.ast import ddl
from engine.errors import Unauthorized
from engine.schema.metadata import Schema

P = Permission


@dataclass(frozen=True, slots=True)
class DataAccess:
    permission: Permission
    keyspace: str
    table: str | None = None


@dataclass(frozen=True, slots=True)
class SuperuserOnly:
    message: str


Requirement = DataAccess | SuperuserOnly


def _keyspace(name: ast.QualifiedName, session_keyspace: str | None) -> str | None:
    return name.keyspace or session_keyspace


def _on_table(permission: Permission, name: ast.QualifiedName, ks: str | None) -> tuple[Requirement, ...]:
    keyspace = _keyspace(name, ks)
    return () if keyspace is None else (DataAccess(permission, keyspace, name.name),)


def _on_keyspace(permission: Permission, keyspace: str | None) -> tuple[Requirement, ...]:
    return () if keyspace is None else (DataAccess(permission, keyspace),)


def _view_base(schema: Schema, name: ast.QualifiedName, ks: str | None) -> tuple[Requirement, ...]:
    keyspace = _keyspace(name, ks)
    view = None if keyspace is None else schema.table(keyspace, name.name)
    base = view.base_table if view is not None else None
    if keyspace is None or base is None:
        return _on_table(P.ALTER, name, ks)
    return (DataAccess(P.ALTER, keyspace, base),)


def _index_table(schema: Schema, name: ast.QualifiedName, ks: str | None) -> tuple[Requirement, ...]:
    keyspace = _keyspace(name, ks)
    metadata = None if keyspace is None else schema.keyspace(keyspace)
    if metadata is None:
        return ()
    for table in metadata.tables.values():
        if name.name in table.indexes:
            return (DataAccess(P.ALTER, keyspace, table.name),)
    return ()


def _modification(statement: ast.Statement, ks: str | None) -> tuple[Requirement, ...]:
    table = statement.table  # type: ignore[attr-defined]
    needs = _on_table(P.MODIFY, table, ks)
    conditional = (
        getattr(statement, "if_not_exists", False)
        or getattr(statement, "if_exists", False)
        or bool(getattr(statement, "conditions", ()))
    )
    return needs + (_on_table(P.SELECT, table, ks) if conditional else ())


def requirements(
    statement: ast.Statement, session_keyspace: str | None, schema: Schema
) -> tuple[Requirement, ...]:
    ks = session_keyspace
    match statement:
        case ast.SelectStatement(table=table):
            return _on_table(P.SELECT, table, ks)
        case (
            ast.InsertStatement() | ast.InsertJsonStatement() | ast.UpdateStatement() | ast.DeleteStatement()
        ):
            return _modification(statement, ks)
        case ast.TruncateStatement(table=table):
            return _on_table(P.MODIFY, table, ks)
        case ast.BatchStatement():
            out: list[Requirement] = []
            for inner in statement.statements:
                out.extend(r for r in _modification(inner, ks) if r not in out)
            return tuple(out)
        case ddl.CreateKeyspaceStatement():
            return (DataAccess(P.CREATE, "", None),)  # the root: checked as ALL KEYSPACES
        case ddl.AlterKeyspaceStatement(keyspace=keyspace):
            return _on_keyspace(P.ALTER, keyspace)
        case ddl.DropKeyspaceStatement(keyspace=keyspace):
            return _on_keyspace(P.DROP, keyspace)
        case ddl.CreateTableStatement(table=table):
            return _on_keyspace(P.CREATE, _keyspace(table, ks))
        case ddl.AlterTableStatement(table=table):
            return _on_table(P.ALTER, table, ks)
        case ddl.DropTableStatement(table=table):
            return _on_table(P.DROP, table, ks)
        case ddl.CreateTypeStatement(name=name):
            return _on_keyspace(P.CREATE, _keyspace(name, ks))
        case ddl.AlterTypeStatement(name=name):
            return _on_keyspace(P.ALTER, _keyspace(name, ks))
        case ddl.DropTypeStatement(name=name):
            return _on_keyspace(P.DROP, _keyspace(name, ks))
        case ddl.CreateIndexStatement(table=table):
            return _on_table(P.ALTER, table, ks)
        case ddl.DropIndexStatement(index=index):
            return _index_table(schema, index, ks)
        case ddl.CreateViewStatement(base_table=table):
            return _on_table(P.ALTER, table, ks)
        case ddl.AlterViewStatement(view=view) | ddl.DropViewStatement(view=view):
            return _view_base(schema, view, ks)
        case ddl.CreateTriggerStatement():
            return (SuperuserOnly("Only superusers are allowed to perform CREATE TRIGGER queries"),)
        case ddl.DropTriggerStatement():
            # (sic) DropTriggerStatement.authorize
            return (SuperuserOnly("Only superusers are allowed to perfrom DROP TRIGGER queries"),)
    return ()


def check(service: AuthService, user: AuthenticatedUser | None, needs: tuple[Requirement, ...]) -> None:
    """Raise Unauthorized unless ``user`` may run a statement with these requirements (every
    statement needs at least a login)."""
    checked = service.validate_login(user)
    for need in needs:
        if isinstance(need, SuperuserOnly):
            if not service.is_super(checked):
                raise Unauthorized(need.message)
        elif need.keyspace == "":
            from engine.auth.resources import AuthResource

            service.ensure_permission(checked, need.permission, AuthResource.all_keyspaces())
        else:
            service.ensure_data_permission(checked, need.permission, need.keyspace, need.table)
