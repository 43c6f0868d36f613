"""Access-control statements: roles, users (the legacy spelling of roles), permissions, identities.

Role names come from identifiers (lower-cased unless quoted) or string literals (kept verbatim), as in
Cassandra's ``RoleName``; they render as string literals, which read back unchanged.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engine.cql.ast.dml import Statement
from engine.cql.ast.terms import FunctionName, MapLiteral, QualifiedName, TypeRef, render_name, render_string


def _if_not_exists(flag: bool) -> str:
    return " IF NOT EXISTS" if flag else ""


def _if_exists(flag: bool) -> str:
    return " IF EXISTS" if flag else ""


class RoleOptionKind(enum.Enum):
    PASSWORD = "PASSWORD"
    HASHED_PASSWORD = "HASHED PASSWORD"
    OPTIONS = "OPTIONS"
    SUPERUSER = "SUPERUSER"
    LOGIN = "LOGIN"
    ACCESS_TO_DATACENTERS = "ACCESS TO DATACENTERS"
    ACCESS_FROM_CIDRS = "ACCESS FROM CIDRS"


@dataclass(frozen=True, slots=True)
class RoleOption:
    """One option of CREATE/ALTER ROLE. ``value`` is a str (passwords), bool (SUPERUSER, LOGIN), a
    MapLiteral (OPTIONS), a tuple of names (datacenters, CIDRs) or None for ``ACCESS TO ALL ...``."""

    kind: RoleOptionKind
    value: str | bool | MapLiteral | tuple[str, ...] | None

    def cql(self) -> str:
        match self.kind:
            case RoleOptionKind.PASSWORD | RoleOptionKind.HASHED_PASSWORD:
                assert isinstance(self.value, str)
                return f"{self.kind.value} = {render_string(self.value)}"
            case RoleOptionKind.OPTIONS:
                assert isinstance(self.value, MapLiteral)
                return f"OPTIONS = {self.value.cql()}"
            case RoleOptionKind.SUPERUSER | RoleOptionKind.LOGIN:
                return f"{self.kind.value} = {str(self.value).lower()}"
            case RoleOptionKind.ACCESS_TO_DATACENTERS:
                if self.value is None:
                    return "ACCESS TO ALL DATACENTERS"
                assert isinstance(self.value, tuple)
                return "ACCESS TO DATACENTERS {" + ", ".join(map(render_string, self.value)) + "}"
            case RoleOptionKind.ACCESS_FROM_CIDRS:
                if self.value is None:
                    return "ACCESS FROM ALL CIDRS"
                assert isinstance(self.value, tuple)
                return "ACCESS FROM CIDRS {" + ", ".join(map(render_string, self.value)) + "}"


def _options(options: tuple[RoleOption, ...]) -> str:
    return " WITH " + " AND ".join(o.cql() for o in options) if options else ""


@dataclass(frozen=True, slots=True)
class CreateRoleStatement(Statement):
    role: str
    options: tuple[RoleOption, ...] = ()
    if_not_exists: bool = False

    def cql(self) -> str:
        head = f"CREATE ROLE{_if_not_exists(self.if_not_exists)} {render_string(self.role)}"
        return head + _options(self.options)


@dataclass(frozen=True, slots=True)
class AlterRoleStatement(Statement):
    role: str
    options: tuple[RoleOption, ...] = ()
    if_exists: bool = False

    def cql(self) -> str:
        return f"ALTER ROLE{_if_exists(self.if_exists)} {render_string(self.role)}" + _options(self.options)


@dataclass(frozen=True, slots=True)
class DropRoleStatement(Statement):
    role: str
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP ROLE{_if_exists(self.if_exists)} {render_string(self.role)}"


@dataclass(frozen=True, slots=True)
class ListRolesStatement(Statement):
    of: str | None = None
    recursive: bool = True

    def cql(self) -> str:
        text = "LIST ROLES"
        if self.of is not None:
            text += f" OF {render_string(self.of)}"
        return text + ("" if self.recursive else " NORECURSIVE")


@dataclass(frozen=True, slots=True)
class GrantRoleStatement(Statement):
    role: str
    grantee: str

    def cql(self) -> str:
        return f"GRANT {render_string(self.role)} TO {render_string(self.grantee)}"


@dataclass(frozen=True, slots=True)
class RevokeRoleStatement(Statement):
    role: str
    revokee: str

    def cql(self) -> str:
        return f"REVOKE {render_string(self.role)} FROM {render_string(self.revokee)}"


# ------------------------------------------------------------------------------------------- users


@dataclass(frozen=True, slots=True)
class UserPassword:
    password: str
    hashed: bool = False

    def cql(self) -> str:
        return ("HASHED PASSWORD " if self.hashed else "PASSWORD ") + render_string(self.password)


@dataclass(frozen=True, slots=True)
class CreateUserStatement(Statement):
    name: str
    password: UserPassword | None = None
    superuser: bool | None = None
    if_not_exists: bool = False

    def cql(self) -> str:
        return f"CREATE USER{_if_not_exists(self.if_not_exists)} {_user_tail(self)}"


@dataclass(frozen=True, slots=True)
class AlterUserStatement(Statement):
    name: str
    password: UserPassword | None = None
    superuser: bool | None = None
    if_exists: bool = False

    def cql(self) -> str:
        return f"ALTER USER{_if_exists(self.if_exists)} {_user_tail(self)}"


def _user_tail(statement: CreateUserStatement | AlterUserStatement) -> str:
    text = render_string(statement.name)
    if statement.password is not None:
        text += " WITH " + statement.password.cql()
    if statement.superuser is not None:
        text += " SUPERUSER" if statement.superuser else " NOSUPERUSER"
    return text


@dataclass(frozen=True, slots=True)
class DropUserStatement(Statement):
    name: str
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP USER{_if_exists(self.if_exists)} {render_string(self.name)}"


@dataclass(frozen=True, slots=True)
class ListUsersStatement(Statement):
    def cql(self) -> str:
        return "LIST USERS"


@dataclass(frozen=True, slots=True)
class AddIdentityStatement(Statement):
    identity: str
    role: str
    if_not_exists: bool = False

    def cql(self) -> str:
        head = f"ADD IDENTITY{_if_not_exists(self.if_not_exists)} {render_string(self.identity)}"
        return f"{head} TO ROLE {render_string(self.role)}"


@dataclass(frozen=True, slots=True)
class DropIdentityStatement(Statement):
    identity: str
    if_exists: bool = False

    def cql(self) -> str:
        return f"DROP IDENTITY{_if_exists(self.if_exists)} {render_string(self.identity)}"


# ------------------------------------------------------------------------------------- permissions


class Permission(enum.Enum):
    CREATE = "CREATE"
    ALTER = "ALTER"
    DROP = "DROP"
    SELECT = "SELECT"
    MODIFY = "MODIFY"
    AUTHORIZE = "AUTHORIZE"
    DESCRIBE = "DESCRIBE"
    EXECUTE = "EXECUTE"
    UNMASK = "UNMASK"
    SELECT_MASKED = "SELECT_MASKED"


class ResourceKind(enum.Enum):
    ALL_KEYSPACES = "ALL KEYSPACES"
    KEYSPACE = "KEYSPACE"
    KEYSPACE_TABLES = "ALL TABLES IN KEYSPACE"
    TABLE = "TABLE"
    ALL_ROLES = "ALL ROLES"
    ROLE = "ROLE"
    ALL_FUNCTIONS = "ALL FUNCTIONS"
    KEYSPACE_FUNCTIONS = "ALL FUNCTIONS IN KEYSPACE"
    FUNCTION = "FUNCTION"
    ALL_MBEANS = "ALL MBEANS"
    MBEAN = "MBEAN"
    MBEANS = "MBEANS"


@dataclass(frozen=True, slots=True)
class Resource:
    """What a permission applies to. ``keyspace``/``name`` name the keyspace, table, role, function or
    MBean, as the kind needs; ``argument_types`` is a function's signature."""

    kind: ResourceKind
    keyspace: str | None = None
    name: str | None = None
    argument_types: tuple[TypeRef, ...] = ()

    def cql(self) -> str:
        match self.kind:
            case ResourceKind.KEYSPACE | ResourceKind.KEYSPACE_FUNCTIONS | ResourceKind.KEYSPACE_TABLES:
                assert self.keyspace is not None
                return f"{self.kind.value} {render_name(self.keyspace)}"
            case ResourceKind.TABLE:
                assert self.name is not None
                return f"TABLE {QualifiedName(self.keyspace, self.name).cql()}"
            case ResourceKind.ROLE:
                assert self.name is not None
                return f"ROLE {render_string(self.name)}"
            case ResourceKind.FUNCTION:
                assert self.name is not None
                signature = ", ".join(t.cql() for t in self.argument_types)
                return f"FUNCTION {FunctionName(self.keyspace, self.name).cql()}({signature})"
            case ResourceKind.MBEAN | ResourceKind.MBEANS:
                assert self.name is not None
                return f"{self.kind.value} {render_string(self.name)}"
            case _:
                return self.kind.value


def _permissions(permissions: frozenset[Permission] | None) -> str:
    if permissions is None:
        return "ALL PERMISSIONS"
    ordered = [p for p in Permission if p in permissions]
    return ", ".join(p.value for p in ordered)


@dataclass(frozen=True, slots=True)
class GrantPermissionsStatement(Statement):
    permissions: frozenset[Permission] | None  # None for ALL [PERMISSIONS]
    resource: Resource
    grantee: str

    def cql(self) -> str:
        permissions = _permissions(self.permissions)
        return f"GRANT {permissions} ON {self.resource.cql()} TO {render_string(self.grantee)}"


@dataclass(frozen=True, slots=True)
class RevokePermissionsStatement(Statement):
    permissions: frozenset[Permission] | None
    resource: Resource
    revokee: str

    def cql(self) -> str:
        permissions = _permissions(self.permissions)
        return f"REVOKE {permissions} ON {self.resource.cql()} FROM {render_string(self.revokee)}"


@dataclass(frozen=True, slots=True)
class ListPermissionsStatement(Statement):
    permissions: frozenset[Permission] | None
    resource: Resource | None = None
    of: str | None = None
    recursive: bool = True

    def cql(self) -> str:
        text = f"LIST {_permissions(self.permissions)}"
        if self.resource is not None:
            text += f" ON {self.resource.cql()}"
        if self.of is not None:
            text += f" OF {render_string(self.of)}"
        return text + ("" if self.recursive else " NORECURSIVE")
