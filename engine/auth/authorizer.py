"""Authorizers: Cassandra's ``IAuthorizer`` seam, ``AllowAllAuthorizer`` and ``CassandraAuthorizer``.

``CassandraAuthorizer`` keeps grants in ``system_auth.role_permissions`` (one row per role and resource,
a set of permission names) with the reverse index ``resource_role_permissons_index``. What a user may do
on a resource is the union of what was granted on it to the user's role and to every role granted to
it, transitively; a superuser may do everything that applies to the resource. Whether a grant on a
parent resource covers a child (``ALL KEYSPACES`` > ``KEYSPACE`` > ``TABLE``) is the caller's walk up
:meth:`~engine.auth.resources.AuthResource.chain` (``ClientState.ensurePermission``).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass, replace

from engine.auth.resources import AuthResource, Permission
from engine.auth.roles import RoleManager
from engine.auth.store import AuthState, AuthStore
from engine.auth.users import AuthenticatedUser
from engine.errors import InvalidRequest, Unauthorized


@dataclass(frozen=True, slots=True, order=True)
class PermissionDetails:
    """One row of LIST PERMISSIONS; ordered as Cassandra sorts them (grantee, resource name, permission)."""

    grantee: str
    resource_name: str
    permission_order: int
    resource: AuthResource
    permission: Permission


_ORDER = {p: i for i, p in enumerate(Permission)}


def details(grantee: str, resource: AuthResource, permission: Permission) -> PermissionDetails:
    return PermissionDetails(grantee, resource.name, _ORDER[permission], resource, permission)


class Authorizer(abc.ABC):
    simple_name: str

    @property
    @abc.abstractmethod
    def requires_authorization(self) -> bool: ...

    @abc.abstractmethod
    def authorize(self, user: AuthenticatedUser, resource: AuthResource) -> frozenset[Permission]: ...

    def _unsupported(self, operation: str) -> InvalidRequest:
        return InvalidRequest(f"{operation} operation is not supported by {self.simple_name}")

    def grant(self, permissions: Iterable[Permission], resource: AuthResource, grantee: str) -> None:
        raise self._unsupported("GRANT")

    def revoke(self, permissions: Iterable[Permission], resource: AuthResource, revokee: str) -> None:
        raise self._unsupported("REVOKE")

    def list(
        self,
        performer: AuthenticatedUser,
        permissions: frozenset[Permission],
        resource: AuthResource | None,
        grantee: str | None,
    ) -> list[PermissionDetails]:
        raise self._unsupported("LIST PERMISSIONS")

    def revoke_all_from(self, role: str) -> None:  # noqa: B027 (a no-op unless grants are kept)
        """Forget every grant to ``role`` (it was dropped)."""

    def revoke_all_on(self, resource: AuthResource) -> None:  # noqa: B027
        """Forget every grant on ``resource`` (it was dropped)."""


class AllowAllAuthorizer(Authorizer):
    simple_name = "AllowAllAuthorizer"

    @property
    def requires_authorization(self) -> bool:
        return False

    def authorize(self, user: AuthenticatedUser, resource: AuthResource) -> frozenset[Permission]:
        return resource.applicable_permissions()


class CassandraAuthorizer(Authorizer):
    simple_name = "CassandraAuthorizer"

    def __init__(self, store: AuthStore, roles: RoleManager) -> None:
        self.store = store
        self.roles = roles

    @property
    def requires_authorization(self) -> bool:
        return True

    def authorize(self, user: AuthenticatedUser, resource: AuthResource) -> frozenset[Permission]:
        if self.roles.is_super(user.name):
            return resource.applicable_permissions()
        granted = self.store.state.permissions
        out: set[Permission] = set()
        for role in self.roles.roles_of(user.name):
            out.update(Permission(p) for p in granted.get((role, resource.name), ()))
        return frozenset(out)

    def grant(self, permissions: Iterable[Permission], resource: AuthResource, grantee: str) -> None:
        names = frozenset(p.value for p in permissions)

        def change(state: AuthState) -> AuthState:
            key = (grantee, resource.name)
            merged = state.permissions.get(key, frozenset()) | names
            return replace(state, permissions={**state.permissions, key: merged})

        self.store.update(change)

    def revoke(self, permissions: Iterable[Permission], resource: AuthResource, revokee: str) -> None:
        names = frozenset(p.value for p in permissions)

        def change(state: AuthState) -> AuthState:
            key = (revokee, resource.name)
            remaining = state.permissions.get(key, frozenset()) - names
            updated = {k: v for k, v in state.permissions.items() if k != key}
            if remaining:
                updated[key] = remaining
            return replace(state, permissions=updated)

        self.store.update(change)

    def revoke_all_from(self, role: str) -> None:
        self.store.update(
            lambda state: replace(
                state, permissions={k: v for k, v in state.permissions.items() if k[0] != role}
            )
        )

    def revoke_all_on(self, resource: AuthResource) -> None:
        """Forget the grants on ``resource`` and on everything below it (a dropped keyspace takes its
        tables with it)."""
        name = resource.name
        below = name + "/"

        def keep(key: tuple[str, str]) -> bool:
            return key[1] != name and not key[1].startswith(below)

        self.store.update(
            lambda state: replace(state, permissions={k: v for k, v in state.permissions.items() if keep(k)})
        )

    def list(
        self,
        performer: AuthenticatedUser,
        permissions: frozenset[Permission],
        resource: AuthResource | None,
        grantee: str | None,
    ) -> list[PermissionDetails]:
        if not self.roles.is_super(performer.name) and (
            grantee is None or grantee not in self.roles.roles_of(performer.name)
        ):
            who = "everyone" if grantee is None else grantee
            raise Unauthorized(f"You are not authorized to view {who}'s permissions")
        wanted_roles = None if grantee is None else self.roles.roles_of(grantee)
        out: list[PermissionDetails] = []
        for (role, name), granted in self.store.state.permissions.items():
            if wanted_roles is not None and role not in wanted_roles:
                continue
            if resource is not None and name != resource.name:
                continue
            for permission_name in granted:
                permission = Permission(permission_name)
                if permission in permissions:
                    out.append(details(role, AuthResource.from_name(name), permission))
        return out
