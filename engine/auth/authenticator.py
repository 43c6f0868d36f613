"""Authenticators: Cassandra's ``IAuthenticator`` seam and its two built-in implementations.

``AllowAllAuthenticator`` (the default) requires no login: every connection is ``anonymous``.
``PasswordAuthenticator`` requires one: after STARTUP the server answers AUTHENTICATE naming
``org.apache.cassandra.auth.PasswordAuthenticator`` and the client sends SASL PLAIN credentials in
AUTH_RESPONSE (RFC 4616: ``[authzid] NUL authcid NUL passwd``), checked against the role's salted hash
in ``system_auth.roles``. A successful login also needs the role to have LOGIN (``ClientState.login``).
"""

from __future__ import annotations

import abc

from engine.auth import passwords
from engine.auth.roles import RoleManager
from engine.auth.users import ANONYMOUS_USER, AuthenticatedUser
from engine.errors import AuthenticationError

PASSWORD_AUTHENTICATOR_CLASS = "org.apache.cassandra.auth.PasswordAuthenticator"
ALLOW_ALL_AUTHENTICATOR_CLASS = "org.apache.cassandra.auth.AllowAllAuthenticator"


class SaslNegotiator(abc.ABC):
    """One connection's SASL exchange (``IAuthenticator.SaslNegotiator``)."""

    @abc.abstractmethod
    def evaluate_response(self, token: bytes) -> bytes | None:
        """Take the client's token; return a challenge, or None when there is none to send."""

    @abc.abstractmethod
    def is_complete(self) -> bool: ...

    @abc.abstractmethod
    def authenticated_user(self) -> AuthenticatedUser: ...


class Authenticator(abc.ABC):
    class_name: str

    @property
    @abc.abstractmethod
    def requires_authentication(self) -> bool: ...

    @abc.abstractmethod
    def new_sasl_negotiator(self) -> SaslNegotiator: ...

    def login(self, username: str, password: str) -> AuthenticatedUser:
        """Check credentials directly (the embedded API's login); raises AuthenticationError."""
        negotiator = self.new_sasl_negotiator()
        negotiator.evaluate_response(b"\x00" + username.encode() + b"\x00" + password.encode())
        return negotiator.authenticated_user()


class AllowAllAuthenticator(Authenticator):
    class_name = ALLOW_ALL_AUTHENTICATOR_CLASS

    @property
    def requires_authentication(self) -> bool:
        return False

    def new_sasl_negotiator(self) -> SaslNegotiator:
        return _AnonymousNegotiator()

    def login(self, username: str, password: str) -> AuthenticatedUser:
        return ANONYMOUS_USER


class _AnonymousNegotiator(SaslNegotiator):
    def evaluate_response(self, token: bytes) -> bytes | None:
        return None

    def is_complete(self) -> bool:
        return True

    def authenticated_user(self) -> AuthenticatedUser:
        return ANONYMOUS_USER


def decode_plain(token: bytes) -> tuple[str, str]:
    """``PasswordAuthenticator.PlainTextSaslAuthenticator.decodeCredentials``: read from the end,
    so the optional authzid is ignored."""
    user = password = None
    end = len(token)
    for i in range(len(token) - 1, -1, -1):
        if token[i] == 0:
            if password is None:
                password = token[i + 1 : end]
            elif user is None:
                user = token[i + 1 : end]
            else:
                raise AuthenticationError(
                    "Credential format error: username or password is empty or contains NUL(\\0) character"
                )
            end = i
    if not password:
        raise AuthenticationError("Password must not be null")
    if not user:
        raise AuthenticationError("Authentication ID must not be null")
    return user.decode("utf-8", "replace"), password.decode("utf-8", "replace")


class PasswordAuthenticator(Authenticator):
    class_name = PASSWORD_AUTHENTICATOR_CLASS

    def __init__(self, roles: RoleManager) -> None:
        self.roles = roles
        # checked against when the role does not exist, so an unknown name costs as much as a wrong
        # password and response times do not tell which role names exist
        self._decoy_hash = passwords.hash_password("", roles.cost)

    @property
    def requires_authentication(self) -> bool:
        return True

    def new_sasl_negotiator(self) -> SaslNegotiator:
        return _PlainTextNegotiator(self)

    def authenticate(self, username: str, password: str) -> AuthenticatedUser:
        record = self.roles.record(username)
        real = record is not None and record.salted_hash is not None
        stored = record.salted_hash if real and record is not None else self._decoy_hash
        if not passwords.check_password(password, stored) or not real:
            raise AuthenticationError(f"Provided username {username} and/or password are incorrect")
        return AuthenticatedUser(username)


class _PlainTextNegotiator(SaslNegotiator):
    def __init__(self, authenticator: PasswordAuthenticator) -> None:
        self._authenticator = authenticator
        self._user: AuthenticatedUser | None = None

    def evaluate_response(self, token: bytes) -> bytes | None:
        username, password = decode_plain(token)
        self._user = self._authenticator.authenticate(username, password)
        return None

    def is_complete(self) -> bool:
        return self._user is not None

    def authenticated_user(self) -> AuthenticatedUser:
        if self._user is None:
            raise AuthenticationError("SASL negotiation not complete")
        return self._user
