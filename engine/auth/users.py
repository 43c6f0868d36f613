"""Who a connection is: Cassandra's ``AuthenticatedUser`` (a role name; ``anonymous`` when the
authenticator requires no login)."""

from __future__ import annotations

from dataclasses import dataclass

ANONYMOUS_USERNAME = "anonymous"


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    name: str

    @property
    def is_anonymous(self) -> bool:
        return self.name == ANONYMOUS_USERNAME


ANONYMOUS_USER = AuthenticatedUser(ANONYMOUS_USERNAME)
