"""Role statements: CREATE/ALTER/DROP ROLE and USER, GRANT/REVOKE role, LIST ROLES/USERS.

Each runs as Cassandra's ``AuthenticationStatement``: ``authorize`` (the performer's permissions), then
``validate`` (options, existence; anonymous users are refused here so they learn nothing about which
roles exist), then ``execute``. The messages are Cassandra 5.0's, including its quirks (``LIST ROLES OF``
an unknown role says ``<role x> doesn't exist``; the "not authorized to view roles" message ends in a
space). USER statements are the legacy spelling: CREATE USER is a role with LOGIN (and SUPERUSER false
unless given), LIST USERS shows the roles that can log in.
"""

from __future__ import annotations

import abc

from engine.auth.resources import AuthResource, Permission
from engine.auth.roles import RoleOption, RoleOptions
from engine.auth.service import AuthService
from engine.auth.users import AuthenticatedUser
from engine.cql import ast
from engine.cql3.statements.base import ClientState, ExecutionContext, Prepared
from engine.errors import InvalidRequest, Unauthorized
from engine.schema.types.resolve import parse_type
from engine.service.query_options import QueryOptions
from engine.service.results import ColumnSpec, ResultMessage, Rows, Void

AUTH_KEYSPACE = "system_auth"


def column(table: str, name: str, cql_type: str) -> ColumnSpec:
    return ColumnSpec(AUTH_KEYSPACE, table, name, parse_type(cql_type, AUTH_KEYSPACE, lambda k, n: None))


def rows(columns: tuple[ColumnSpec, ...], values: list[tuple[object, ...]]) -> ResultMessage:
    """A Rows result, or Void when there are none (Cassandra answers empty listings with Void)."""
    if not values:
        return ResultMessage(Void())
    encoded = tuple(
        tuple(None if v is None else c.type.serialize(v) for c, v in zip(columns, row, strict=True))
        for row in values
    )
    return ResultMessage(Rows(columns, encoded))


class AuthStatement(Prepared):
    """``authorize`` → ``validate`` → ``run``, with the performing user resolved once."""

    def __init__(self, service: AuthService) -> None:
        self.service = service

    def execute(self, ctx: ExecutionContext, client: ClientState, options: QueryOptions) -> ResultMessage:
        user = self.service.validate_login(client.user)
        self.authorize(user)
        self.validate(user)
        return self.run(user)

    def authorize(self, user: AuthenticatedUser) -> None:
        pass

    def validate(self, user: AuthenticatedUser) -> None:
        pass

    @abc.abstractmethod
    def run(self, user: AuthenticatedUser) -> ResultMessage:
        """The statement's effect, for ``user`` (every role and permission statement defines it)."""

    def check_permission(
        self, user: AuthenticatedUser, permission: Permission, resource: AuthResource
    ) -> None:
        """``AuthenticationStatement.checkPermission``: the friendlier message."""
        try:
            self.service.ensure_permission(user, permission, resource)
        except Unauthorized:
            raise Unauthorized(
                f"User {user.name} does not have sufficient privileges to perform the requested operation"
            ) from None

    def require_role(self, role: str, message: str = "{} doesn't exist") -> None:
        if not self.service.roles.exists(role):
            raise InvalidRequest(message.format(role))


def role_options(options: tuple[ast.RoleOption, ...]) -> RoleOptions:
    values: dict[str, object] = {}
    for option in options:
        kind = option.kind
        if kind in (ast.RoleOptionKind.ACCESS_TO_DATACENTERS, ast.RoleOptionKind.ACCESS_FROM_CIDRS):
            # CassandraNetworkAuthorizer / CIDR authorizer are not configurable in cqlkit (AllowAll)
            raise InvalidRequest(f"{kind.value} is not supported: cqlkit has no network authorizer")
        key = {
            ast.RoleOptionKind.PASSWORD: "password",
            ast.RoleOptionKind.HASHED_PASSWORD: "hashed_password",
            ast.RoleOptionKind.SUPERUSER: "superuser",
            ast.RoleOptionKind.LOGIN: "login",
            ast.RoleOptionKind.OPTIONS: "options",
        }[kind]
        if key in values:
            raise InvalidRequest(f"Multiple definition for property '{key}'")
        values[key] = {} if kind is ast.RoleOptionKind.OPTIONS else option.value
    return RoleOptions(**values)  # type: ignore[arg-type]


def _user_options(statement: ast.CreateUserStatement | ast.AlterUserStatement, creating: bool) -> RoleOptions:
    password = statement.password
    superuser = statement.superuser
    return RoleOptions(
        superuser=(bool(superuser) if creating else superuser),
        login=True if creating else None,
        password=None if password is None or password.hashed else password.password,
        hashed_password=password.password if password is not None and password.hashed else None,
    )


class CreateRole(AuthStatement):
    def __init__(self, service: AuthService, role: str, options: RoleOptions, if_not_exists: bool) -> None:
        super().__init__(service)
        self.role, self.options, self.if_not_exists = role, options, if_not_exists

    def authorize(self, user: AuthenticatedUser) -> None:
        self.check_permission(user, Permission.CREATE, AuthResource.all_roles())
        if self.options.superuser and not self.service.is_super(user):
            raise Unauthorized("Only superusers can create a role with superuser status")

    def validate(self, user: AuthenticatedUser) -> None:
        self.service.roles.validate(self.options)
        if not self.role:
            raise InvalidRequest("Role name can't be an empty string")
        self.service.ensure_not_anonymous(user)
        if not self.if_not_exists and self.service.roles.exists(self.role):
            raise InvalidRequest(f"{self.role} already exists")

    def run(self, user: AuthenticatedUser) -> ResultMessage:
        if self.if_not_exists and self.service.roles.exists(self.role):
            return ResultMessage(Void())
        self.service.roles.create(self.role, self.options)
        # the creator gets every permission that applies to the new role, where grants are supported
        resource = AuthResource.role(self.role)
        if self.service.authorizer.requires_authorization:
            self.service.authorizer.grant(resource.applicable_permissions(), resource, user.name)
        return ResultMessage(Void())


class AlterRole(AuthStatement):
    def __init__(self, service: AuthService, role: str, options: RoleOptions, if_exists: bool) -> None:
        super().__init__(service)
        self.role, self.options, self.if_exists = role, options, if_exists

    def authorize(self, user: AuthenticatedUser) -> None:
        is_super = self.service.is_super(user)
        if self.options.superuser is not None and self.role in self.service.roles.roles_of(user.name):
            raise Unauthorized(
                "You aren't allowed to alter your own superuser status or that of a role granted to you"
            )
        if self.options.superuser is not None and not is_super:
            raise Unauthorized("Only superusers are allowed to alter superuser status")
        if is_super:
            return
        if user.name == self.role:
            alterable = self.service.roles.alterable_options()
            for option in self.options.given():
                if option not in alterable:
                    raise Unauthorized(f"You aren't allowed to alter {option.value}")
        else:
            self.check_permission(user, Permission.ALTER, AuthResource.role(self.role))

    def validate(self, user: AuthenticatedUser) -> None:
        self.service.roles.validate(self.options)
        if self.options.empty:
            raise InvalidRequest("ALTER [ROLE|USER] can't be empty")
        self.service.ensure_not_anonymous(user)
        if not self.if_exists:
            self.require_role(self.role)

    def run(self, user: AuthenticatedUser) -> ResultMessage:
        if self.service.roles.exists(self.role):
            self.service.roles.alter(self.role, self.options)
        return ResultMessage(Void())


class DropRole(AuthStatement):
    def __init__(self, service: AuthService, role: str, if_exists: bool) -> None:
        super().__init__(service)
        self.role, self.if_exists = role, if_exists

    def authorize(self, user: AuthenticatedUser) -> None:
        self.check_permission(user, Permission.DROP, AuthResource.role(self.role))
        roles = self.service.roles
        if roles.exists(self.role) and roles.is_super(self.role) and not self.service.is_super(user):
            raise Unauthorized("Only superusers can drop a role with superuser status")

    def validate(self, user: AuthenticatedUser) -> None:
        self.service.ensure_not_anonymous(user)
        if not self.if_exists:
            self.require_role(self.role)
        if user.name == self.role:
            raise InvalidRequest("Cannot DROP primary role for current login")

    def run(self, user: AuthenticatedUser) -> ResultMessage:
        if not self.service.roles.exists(self.role):
            return ResultMessage(Void())
        self.service.roles.drop(self.role)
        self.service.authorizer.revoke_all_from(self.role)
        self.service.authorizer.revoke_all_on(AuthResource.role(self.role))
        return ResultMessage(Void())


class GrantRole(AuthStatement):
    """GRANT role TO grantee, and (``revoke=True``) REVOKE role FROM revokee."""

    def __init__(self, service: AuthService, role: str, grantee: str, revoke: bool) -> None:
        super().__init__(service)
        self.role, self.grantee, self.revoke = role, grantee, revoke

    def authorize(self, user: AuthenticatedUser) -> None:
        self.check_permission(user, Permission.AUTHORIZE, AuthResource.role(self.role))

    def validate(self, user: AuthenticatedUser) -> None:
        self.service.ensure_not_anonymous(user)
        self.require_role(self.role)
        self.require_role(self.grantee)

    def run(self, user: AuthenticatedUser) -> ResultMessage:
        if self.revoke:
            self.service.roles.revoke(self.role, self.grantee)
        else:
            self.service.roles.grant(self.role, self.grantee)
        return ResultMessage(Void())


ROLES_COLUMNS = (
    column("roles", "role", "text"),
    column("roles", "super", "boolean"),
    column("roles", "login", "boolean"),
    column("roles", "options", "map<text, text>"),
    column("roles", "datacenters", "text"),
)
USERS_COLUMNS = (
    column("users", "name", "text"),
    column("users", "super", "boolean"),
    column("users", "datacenters", "text"),
)


class ListRoles(AuthStatement):
    def __init__(
        self, service: AuthService, grantee: str | None, recursive: bool, users: bool = False
    ) -> None:
        super().__init__(service)
        self.grantee, self.recursive, self.users = grantee, recursive, users

    def validate(self, user: AuthenticatedUser) -> None:
        self.service.ensure_not_anonymous(user)
        if self.grantee is not None:
            self.require_role(self.grantee, "<role {}> doesn't exist")

    def _visible(self, user: AuthenticatedUser) -> frozenset[str] | set[str]:
        roles = self.service.roles
        if Permission.DESCRIBE in self.service.permissions(user, AuthResource.all_roles()):
            if self.grantee is None:
                return roles.all_roles()
            return roles.roles_of(self.grantee, self.recursive)
        if self.grantee is None:
            return roles.roles_of(user.name, self.recursive)
        if self.grantee in roles.roles_of(user.name):
            return roles.roles_of(self.grantee, self.recursive)
        raise Unauthorized(f"You are not authorized to view roles granted to {self.grantee} ")

    def run(self, user: AuthenticatedUser) -> ResultMessage:
        roles = self.service.roles
        visible = sorted(self._visible(user))
        out: list[tuple[object, ...]] = []
        for name in visible:
            record = roles.record(name)
            assert record is not None
            if self.users:
                if record.can_login:
                    out.append((name, roles.is_super(name), "ALL"))
            else:
                out.append((name, record.is_superuser, record.can_login, {}, "ALL"))
        return rows(USERS_COLUMNS if self.users else ROLES_COLUMNS, out)


def prepare_role_statement(statement: ast.Statement, service: AuthService) -> Prepared | None:
    """The executable form of a role statement, or None if ``statement`` is not one."""
    match statement:
        case ast.CreateRoleStatement(role=role, options=options, if_not_exists=if_not_exists):
            return CreateRole(service, role, role_options(options), if_not_exists)
        case ast.AlterRoleStatement(role=role, options=options, if_exists=if_exists):
            return AlterRole(service, role, role_options(options), if_exists)
        case ast.DropRoleStatement(role=role, if_exists=if_exists):
            return DropRole(service, role, if_exists)
        case ast.CreateUserStatement():
            return CreateRole(
                service, statement.name, _user_options(statement, True), statement.if_not_exists
            )
        case ast.AlterUserStatement():
            return AlterRole(service, statement.name, _user_options(statement, False), statement.if_exists)
        case ast.DropUserStatement(name=name, if_exists=if_exists):
            return DropRole(service, name, if_exists)
        case ast.GrantRoleStatement(role=role, grantee=grantee):
            return GrantRole(service, role, grantee, revoke=False)
        case ast.RevokeRoleStatement(role=role, revokee=revokee):
            return GrantRole(service, role, revokee, revoke=True)
        case ast.ListRolesStatement(of=of, recursive=recursive):
            return ListRoles(service, of, recursive)
        case ast.ListUsersStatement():
            return ListRoles(service, None, False, users=True)
    return None


__all__ = ["RoleOption", "prepare_role_statement"]
