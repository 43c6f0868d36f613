"""A node's authentication and authorization, composed: authenticator, role manager, authorizer.

``AuthService.create(directory, authenticator=..., authorizer=...)`` builds the pair a node runs with
(names as in cassandra.yaml: ``AllowAllAuthenticator``/``PasswordAuthenticator``,
``AllowAllAuthorizer``/``CassandraAuthorizer``; the ``org.apache.cassandra.auth.`` prefix is accepted).
``AuthService.allow_all()`` is the default: no login, no permission checks.

The ``ensure_*`` methods are ``ClientState``'s checks, with Cassandra's messages: a request needs a
logged-in user (``anonymous`` counts when no login is required), and a permission on a resource or
any of its parents. Some system tables are readable by anyone logged in (tools and drivers need them);
the replicated system keyspaces' tables cannot be created, altered or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.auth import passwords
from engine.auth.authenticator import AllowAllAuthenticator, Authenticator, PasswordAuthenticator
from engine.auth.authorizer import AllowAllAuthorizer, Authorizer, CassandraAuthorizer
from engine.auth.resources import AuthResource, Permission
from engine.auth.roles import RoleManager
from engine.auth.store import AuthStore
from engine.auth.users import ANONYMOUS_USER, AuthenticatedUser
from engine.errors import ConfigurationException, Unauthorized

AUTH_PACKAGE = "org.apache.cassandra.auth."

#: Cassandra's ``READABLE_SYSTEM_RESOURCES``: system.local/peers/peers_v2 and every schema table
_READABLE_SYSTEM_TABLES = {("system", "local"), ("system", "peers"), ("system", "peers_v2")}
_READABLE_SYSTEM_KEYSPACES = {"system_schema", "system_virtual_schema"}
_LOCAL_SYSTEM_KEYSPACES = {"system", "system_schema", "system_views", "system_virtual_schema"}
_REPLICATED_SYSTEM_KEYSPACES = {"system_auth", "system_distributed", "system_traces"}
_DDL = {Permission.CREATE, Permission.ALTER, Permission.DROP}


def _simple(name: str) -> str:
    return name.removeprefix(AUTH_PACKAGE)


@dataclass
class AuthService:
    authenticator: Authenticator
    authorizer: Authorizer
    roles: RoleManager
    store: AuthStore

    @classmethod
    def allow_all(cls) -> AuthService:
        store = AuthStore(None)
        roles = RoleManager(store, passwords_supported=False, cost=passwords.DEFAULT_COST)
        return cls(AllowAllAuthenticator(), AllowAllAuthorizer(), roles, store)

    @classmethod
    def create(
        cls,
        directory: Path | None,
        *,
        authenticator: str = "AllowAllAuthenticator",
        authorizer: str = "AllowAllAuthorizer",
        cost: passwords.ScryptCost = passwords.DEFAULT_COST,
    ) -> AuthService:
        """Open the auth state in ``directory`` (``<data>/system_auth``; None: memory only) and build the
        named authenticator and authorizer; with PasswordAuthenticator the default superuser is created
        when no role exists."""
        store = AuthStore(directory)
        password_auth = _simple(authenticator) == "PasswordAuthenticator"
        roles = RoleManager(store, passwords_supported=password_auth, cost=cost)
        chosen_authenticator: Authenticator
        if password_auth:
            chosen_authenticator = PasswordAuthenticator(roles)
        elif _simple(authenticator) == "AllowAllAuthenticator":
            chosen_authenticator = AllowAllAuthenticator()
        else:
            raise ConfigurationException(f"Unknown authenticator: {authenticator}")
        chosen_authorizer: Authorizer
        if _simple(authorizer) == "CassandraAuthorizer":
            chosen_authorizer = CassandraAuthorizer(store, roles)
        elif _simple(authorizer) == "AllowAllAuthorizer":
            chosen_authorizer = AllowAllAuthorizer()
        else:
            raise ConfigurationException(f"Unknown authorizer: {authorizer}")
        if password_auth or isinstance(chosen_authorizer, CassandraAuthorizer):
            roles.setup()
        return cls(chosen_authenticator, chosen_authorizer, roles, store)

    @property
    def enabled(self) -> bool:
        """False for AllowAll/AllowAll: no request needs a check."""
        return self.authenticator.requires_authentication or self.authorizer.requires_authorization

    # ------------------------------------------------------------------------------------ login

    def login(self, username: str, password: str) -> AuthenticatedUser:
        """Check credentials and LOGIN (``ClientState.login``); raises AuthenticationError."""
        user = self.authenticator.login(username, password)
        self.check_can_login(user)
        return user

    def check_can_login(self, user: AuthenticatedUser) -> None:
        from engine.errors import AuthenticationError

        if not user.is_anonymous and not self.roles.can_login(user.name):
            raise AuthenticationError(f"{user.name} is not permitted to log in")

    def effective_user(self, user: AuthenticatedUser | None) -> AuthenticatedUser | None:
        """The user a request runs as: nobody before login, ``anonymous`` when no login is required."""
        if user is not None:
            return user
        return None if self.authenticator.requires_authentication else ANONYMOUS_USER

    # ----------------------------------------------------------------------------------- checks

    def validate_login(self, user: AuthenticatedUser | None) -> AuthenticatedUser:
        user = self.effective_user(user)
        if user is None:
            raise Unauthorized("You have not logged in")
        return user

    def ensure_not_anonymous(self, user: AuthenticatedUser | None) -> AuthenticatedUser:
        user = self.validate_login(user)
        if user.is_anonymous:
            raise Unauthorized("You have to be logged in and not anonymous to perform this request")
        return user

    def is_super(self, user: AuthenticatedUser | None) -> bool:
        """``ClientState.isSuper``: everyone is, when no login is required."""
        if not self.authenticator.requires_authentication:
            return True
        return user is not None and not user.is_anonymous and self.roles.is_super(user.name)

    def permissions(self, user: AuthenticatedUser, resource: AuthResource) -> frozenset[Permission]:
        return self.authorizer.authorize(user, resource)

    def ensure_permission(
        self, user: AuthenticatedUser, permission: Permission, resource: AuthResource
    ) -> None:
        """``ClientState.ensurePermission``: granted on the resource or one of its parents."""
        if not self.authorizer.requires_authorization:
            return
        for candidate in resource.chain():
            if permission in self.authorizer.authorize(user, candidate):
                return
        raise Unauthorized(
            f"User {user.name} has no {permission.value} permission on {resource} or any of its parents"
        )

    def ensure_data_permission(
        self, user: AuthenticatedUser | None, permission: Permission, keyspace: str, table: str | None = None
    ) -> None:
        """``ClientState.ensurePermission(keyspace, perm, DataResource)``."""
        checked = self.validate_login(user)
        resource = AuthResource.keyspace(keyspace) if table is None else AuthResource.table(keyspace, table)
        if permission in _DDL:
            if keyspace in _LOCAL_SYSTEM_KEYSPACES:
                raise Unauthorized(f"{keyspace} keyspace is not user-modifiable.")
            if keyspace in _REPLICATED_SYSTEM_KEYSPACES and not (
                permission is Permission.ALTER and table is None
            ):
                raise Unauthorized(f"Cannot {permission.value} {resource}")
        if permission is Permission.SELECT and (
            keyspace in _READABLE_SYSTEM_KEYSPACES or (keyspace, table) in _READABLE_SYSTEM_TABLES
        ):
            return
        self.ensure_permission(checked, permission, resource)
