"""Permission statements: GRANT, REVOKE and LIST PERMISSIONS (Cassandra's ``PermissionsManagementStatement``
and ``ListPermissionsStatement``), plus the resource translation from the parsed statement.

The permissions named must apply to the resource (``GRANT DESCRIBE ON TABLE`` is refused, as Cassandra's
parser refuses it); ``ALL PERMISSIONS`` means every permission that applies. To grant or revoke, the
performer needs AUTHORIZE and each permission named on the resource or a parent of it. LIST PERMISSIONS
answers rows ``role, username, resource, permission`` sorted by role, resource name and permission;
with a resource and no NORECURSIVE it also lists what was granted on the resource's parents.
"""

from __future__ import annotations

from engine.auth.authorizer import PermissionDetails
from engine.auth.resources import AuthResource, Permission, ResourceTree
from engine.auth.service import AuthService
from engine.auth.users import AuthenticatedUser
from engine.cql import ast
from engine.cql3.statements.auth import AuthStatement, column, rows
from engine.cql3.statements.base import ClientState, Prepared
from engine.errors import InvalidRequest, SyntaxException
from engine.schema.metadata import Schema
from engine.service.results import ResultMessage, Void

_ALL = frozenset(Permission)


def resource_of(resource: ast.Resource, client: ClientState) -> AuthResource:
    """The resource a statement names; a table without keyspace is in the session's keyspace."""
    kind = ast.ResourceKind
    match resource.kind:
        case kind.ALL_KEYSPACES:
            return AuthResource.all_keyspaces()
        case kind.KEYSPACE | kind.KEYSPACE_TABLES:
            assert resource.keyspace is not None
            return AuthResource.keyspace(resource.keyspace)
        case kind.TABLE:
            assert resource.name is not None
            return AuthResource.table(client.keyspace_for(resource.keyspace), resource.name)
        case kind.ALL_ROLES:
            return AuthResource.all_roles()
        case kind.ROLE:
            assert resource.name is not None
            return AuthResource.role(resource.name)
        case kind.ALL_FUNCTIONS:
            return AuthResource.all_functions()
        case kind.KEYSPACE_FUNCTIONS:
            assert resource.keyspace is not None
            return AuthResource.keyspace_functions(resource.keyspace)
        case kind.FUNCTION:
            assert resource.name is not None
            keyspace = client.keyspace_for(resource.keyspace)
            return AuthResource.function(
                keyspace, resource.name, tuple(t.cql() for t in resource.argument_types)
            )
    raise InvalidRequest("JMX resources (MBEANS) are not supported: cqlkit has no JMX")


def permissions_for(
    permissions: frozenset[Permission] | None, resource: AuthResource | None
) -> frozenset[Permission]:
    """``PermissionsManagementStatement``'s filtering: ALL means what applies; others must apply."""
    if resource is None:
        return _ALL if permissions is None else permissions
    applicable = resource.applicable_permissions()
    if permissions is None:
        return applicable
    unsupported = [p.value for p in Permission if p in permissions and p not in applicable]
    if unsupported:
        raise SyntaxException(
            f"Resource type {resource.tree.class_name} does not support the requested permissions: "
            + ",".join(unsupported)
        )
    return permissions


def resource_exists(resource: AuthResource, schema: Schema, service: AuthService) -> bool:
    parts = resource.parts
    match resource.tree:
        case ResourceTree.DATA:
            if not parts:
                return True
            keyspace = schema.keyspace(parts[0])
            return keyspace is not None and (len(parts) == 1 or keyspace.table_or_view(parts[1]) is not None)
        case ResourceTree.ROLES:
            return not parts or service.roles.exists(parts[0])
        case ResourceTree.FUNCTIONS:
            # user-defined functions are disabled (CREATE FUNCTION is refused), so none exists
            return not parts or (len(parts) == 1 and schema.keyspace(parts[0]) is not None)


class _PermissionStatement(AuthStatement):
    def __init__(self, service: AuthService, schema: Schema, resource: AuthResource | None) -> None:
        super().__init__(service)
        self.schema = schema
        self.resource = resource

    def _check_resource(self, message: str) -> None:
        if self.resource is not None and not resource_exists(self.resource, self.schema, self.service):
            raise InvalidRequest(message.format(self.resource))


class GrantPermissions(_PermissionStatement):
    """GRANT (``revoke=False``) or REVOKE permissions on a resource."""

    def __init__(
        self,
        service: AuthService,
        schema: Schema,
        permissions: frozenset[Permission],
        resource: AuthResource,
        grantee: str,
        revoke: bool,
    ) -> None:
        super().__init__(service, schema, resource)
        self.permissions, self.grantee, self.revoke = permissions, grantee, revoke

    def authorize(self, user: AuthenticatedUser) -> None:
        assert self.resource is not None
        self.service.ensure_permission(user, Permission.AUTHORIZE, self.resource)
        for permission in Permission:
            if permission in self.permissions:
                self.service.ensure_permission(user, permission, self.resource)

    def validate(self, user: AuthenticatedUser) -> None:
        self.service.ensure_not_anonymous(user)
        self.require_role(self.grantee, "Role {} doesn't exist")
        assert self.resource is not None
        if self.resource.tree is ResourceTree.FUNCTIONS and self.resource.parts[:1] == ("system",):
            raise InvalidRequest("Altering permissions on builtin functions is not supported")
        self._check_resource("Resource {} doesn't exist")

    def run(self, user: AuthenticatedUser) -> ResultMessage:
        assert self.resource is not None
        if self.revoke:
            self.service.authorizer.revoke(self.permissions, self.resource, self.grantee)
        else:
            self.service.authorizer.grant(self.permissions, self.resource, self.grantee)
        return ResultMessage(Void())


PERMISSIONS_COLUMNS = (
    column("permissions", "role", "text"),
    column("permissions", "username", "text"),
    column("permissions", "resource", "text"),
    column("permissions", "permission", "text"),
)


class ListPermissions(_PermissionStatement):
    def __init__(
        self,
        service: AuthService,
        schema: Schema,
        permissions: frozenset[Permission],
        resource: AuthResource | None,
        grantee: str | None,
        recursive: bool,
    ) -> None:
        super().__init__(service, schema, resource)
        self.permissions, self.grantee, self.recursive = permissions, grantee, recursive

    def validate(self, user: AuthenticatedUser) -> None:
        self.service.ensure_not_anonymous(user)
        self._check_resource("{} doesn't exist")
        if self.grantee is not None:
            self.require_role(self.grantee, "<role {}> doesn't exist")

    def run(self, user: AuthenticatedUser) -> ResultMessage:
        found: list[PermissionDetails] = []
        targets = self.resource.chain() if self.resource is not None and self.recursive else [self.resource]
        for target in targets:
            found.extend(self.service.authorizer.list(user, self.permissions, target, self.grantee))
        found.sort()
        return rows(
            PERMISSIONS_COLUMNS,
            [(d.grantee, d.grantee, str(d.resource), d.permission.value) for d in found],
        )


def prepare_permission_statement(
    statement: ast.Statement, service: AuthService, client: ClientState, schema: Schema
) -> Prepared | None:
    match statement:
        case ast.GrantPermissionsStatement(permissions=permissions, resource=resource, grantee=grantee):
            target = resource_of(resource, client)
            return GrantPermissions(
                service, schema, permissions_for(permissions, target), target, grantee, revoke=False
            )
        case ast.RevokePermissionsStatement(permissions=permissions, resource=resource, revokee=revokee):
            target = resource_of(resource, client)
            return GrantPermissions(
                service, schema, permissions_for(permissions, target), target, revokee, revoke=True
            )
        case ast.ListPermissionsStatement(
            permissions=permissions, resource=resource, of=of, recursive=recursive
        ):
            target = None if resource is None else resource_of(resource, client)
            return ListPermissions(
                service, schema, permissions_for(permissions, target), target, of, recursive
            )
    return None
