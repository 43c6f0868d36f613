"""Roles: Cassandra's ``CassandraRoleManager`` over :class:`~engine.auth.store.AuthStore`.

A role has LOGIN and SUPERUSER flags, an optional salted password hash, and the roles granted to it
(``member_of``). Granted roles are inherited transitively: a role's superuser status and permissions
include those of every role it is (directly or indirectly) a member of. Grants may not form cycles.

On first start with no roles at all, the default superuser ``cassandra`` (password ``cassandra``, LOGIN,
SUPERUSER) is created, as ``CassandraRoleManager.setupDefaultRole`` does.

Options: LOGIN and SUPERUSER always; PASSWORD and HASHED PASSWORD only with PasswordAuthenticator;
OPTIONS never (``CassandraRoleManager`` supports no custom options, so LIST ROLES shows ``{}``).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, replace

from engine.auth import passwords
from engine.auth.store import AuthState, AuthStore, RoleRecord, with_role
from engine.errors import InvalidRequest

log = logging.getLogger(__name__)

DEFAULT_SUPERUSER_NAME = "cassandra"
DEFAULT_SUPERUSER_PASSWORD = "cassandra"
ROLE_MANAGER_CLASS = "org.apache.cassandra.auth.CassandraRoleManager"


class RoleOption(enum.Enum):
    """``IRoleManager.Option``."""

    SUPERUSER = "SUPERUSER"
    PASSWORD = "PASSWORD"
    HASHED_PASSWORD = "HASHED_PASSWORD"
    LOGIN = "LOGIN"
    OPTIONS = "OPTIONS"


@dataclass(frozen=True, slots=True)
class RoleOptions:
    """The options of one CREATE/ALTER ROLE; None means "not given"."""

    superuser: bool | None = None
    login: bool | None = None
    password: str | None = None
    hashed_password: str | None = None
    options: dict[str, str] | None = None

    def given(self) -> list[RoleOption]:
        values = {
            RoleOption.SUPERUSER: self.superuser,
            RoleOption.PASSWORD: self.password,
            RoleOption.HASHED_PASSWORD: self.hashed_password,
            RoleOption.LOGIN: self.login,
            RoleOption.OPTIONS: self.options,
        }
        return [option for option, value in values.items() if value is not None]

    @property
    def empty(self) -> bool:
        return not self.given()


class RoleManager:
    def __init__(self, store: AuthStore, *, passwords_supported: bool, cost: passwords.ScryptCost) -> None:
        self.store = store
        self.passwords_supported = passwords_supported
        self.cost = cost
        # roles_of answers for one immutable AuthState: every statement's check asks it, so it is
        # remembered until the state is swapped (the store never mutates a state in place)
        # (state, answers) swapped as one reference, so answers never mix two states across threads
        self._cache: tuple[AuthState | None, dict[tuple[str, bool], frozenset[str]]] = (None, {})

    def setup(self) -> None:
        """Create the default superuser when no role exists yet."""
        if self.store.state.roles:
            return
        hashed = passwords.hash_password(DEFAULT_SUPERUSER_PASSWORD, self.cost)
        record = RoleRecord(DEFAULT_SUPERUSER_NAME, is_superuser=True, can_login=True, salted_hash=hashed)
        self.store.update(lambda state: with_role(state, record) if not state.roles else state)
        log.info("Created default superuser role '%s'", DEFAULT_SUPERUSER_NAME)

    # --------------------------------------------------------------------------------- options

    def supported_options(self) -> frozenset[RoleOption]:
        base = {RoleOption.LOGIN, RoleOption.SUPERUSER}
        if self.passwords_supported:
            base |= {RoleOption.PASSWORD, RoleOption.HASHED_PASSWORD}
        return frozenset(base)

    def alterable_options(self) -> frozenset[RoleOption]:
        """What a role may change about itself without ALTER permission."""
        return frozenset({RoleOption.PASSWORD}) if self.passwords_supported else frozenset()

    def validate(self, options: RoleOptions) -> None:
        """``RoleOptions.validate``."""
        supported = self.supported_options()
        for option in options.given():
            if option not in supported:
                raise InvalidRequest(f"{ROLE_MANAGER_CLASS} doesn't support {option.value}")
        if options.password is not None and options.hashed_password is not None:
            raise InvalidRequest("Properties 'password' and 'hashed_password' are mutually exclusive")
        if options.hashed_password is not None and not passwords.is_valid_hash(options.hashed_password):
            raise InvalidRequest("Invalid hashed password value. Please use a valid scrypt hash.")

    def _hash(self, options: RoleOptions) -> str | None:
        if options.password is not None:
            return passwords.hash_password(options.password, self.cost)
        return options.hashed_password

    # ---------------------------------------------------------------------------------- changes

    def exists(self, role: str) -> bool:
        return role in self.store.state.roles

    def create(self, role: str, options: RoleOptions) -> None:
        record = RoleRecord(
            role,
            is_superuser=bool(options.superuser),
            can_login=bool(options.login),
            salted_hash=self._hash(options),
        )
        self.store.update(lambda state: with_role(state, record))

    def alter(self, role: str, options: RoleOptions) -> None:
        salted = self._hash(options)

        def change(state: AuthState) -> AuthState:
            current = state.roles[role]
            updated = replace(
                current,
                is_superuser=current.is_superuser if options.superuser is None else options.superuser,
                can_login=current.can_login if options.login is None else options.login,
                salted_hash=current.salted_hash if salted is None else salted,
            )
            return with_role(state, updated)

        self.store.update(change)

    def drop(self, role: str) -> None:
        """Remove the role and every membership of or in it (``CassandraRoleManager.dropRole``)."""

        def change(state: AuthState) -> AuthState:
            roles = {
                name: replace(r, member_of=r.member_of - {role})
                for name, r in state.roles.items()
                if name != role
            }
            return replace(state, roles=roles)

        self.store.update(change)

    def grant(self, role: str, grantee: str) -> None:
        if role in self.roles_of(grantee):
            raise InvalidRequest(f"{grantee} is a member of {role}")
        if grantee in self.roles_of(role):
            raise InvalidRequest(f"{role} is a member of {grantee}")

        def change(state: AuthState) -> AuthState:
            current = state.roles[grantee]
            return with_role(state, replace(current, member_of=current.member_of | {role}))

        self.store.update(change)

    def revoke(self, role: str, revokee: str) -> None:
        if role not in self.roles_of(revokee, recursive=False):
            raise InvalidRequest(f"{revokee} is not a member of {role}")

        def change(state: AuthState) -> AuthState:
            current = state.roles[revokee]
            return with_role(state, replace(current, member_of=current.member_of - {role}))

        self.store.update(change)

    # ---------------------------------------------------------------------------------- queries

    def all_roles(self) -> set[str]:
        return set(self.store.state.roles)

    def roles_of(self, role: str, recursive: bool = True) -> frozenset[str]:
        """``getRoles(grantee, includeInherited)``: the role itself and the roles granted to it."""
        state = self.store.state
        cache = self._cache
        if cache[0] is not state:
            cache = (state, {})
            self._cache = cache
        answers = cache[1]
        key = (role, recursive)
        found = answers.get(key)
        if found is None:
            found = answers[key] = frozenset(self._walk(state, role, recursive))
        return found

    @staticmethod
    def _walk(state: AuthState, role: str, recursive: bool) -> set[str]:
        roles = state.roles
        if role not in roles:
            return set()
        found = {role}
        pending = list(roles[role].member_of)
        while pending:
            name = pending.pop()
            if name in found or name not in roles:
                continue
            found.add(name)
            if recursive:
                pending.extend(roles[name].member_of)
        return found

    def record(self, role: str) -> RoleRecord | None:
        return self.store.state.roles.get(role)

    def is_super(self, role: str) -> bool:
        roles = self.store.state.roles
        return any(roles[name].is_superuser for name in self.roles_of(role))

    def can_login(self, role: str) -> bool:
        record = self.record(role)
        return record is not None and record.can_login
