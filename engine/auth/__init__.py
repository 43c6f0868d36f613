"""Authentication and authorization, as Cassandra's ``org.apache.cassandra.auth``.

- :mod:`engine.auth.authenticator` — who may connect (AllowAll, or PasswordAuthenticator with SASL PLAIN)
- :mod:`engine.auth.roles` — roles, their options and memberships (CassandraRoleManager)
- :mod:`engine.auth.authorizer` — what a role may do (AllowAll, or CassandraAuthorizer with grants)
- :mod:`engine.auth.resources` — the resources permissions apply to, and their hierarchy
- :mod:`engine.auth.store` — the durable ``system_auth`` rows; :mod:`engine.auth.passwords` — hashes
- :mod:`engine.auth.service` — the composition a node runs with, and ``ClientState``'s checks
- :mod:`engine.auth.embedded` — turning auth on for an in-process cluster, and logging a session in

See docs/security.md.
"""

from engine.auth.service import AuthService
from engine.auth.users import ANONYMOUS_USER, AuthenticatedUser

__all__ = ["ANONYMOUS_USER", "AuthService", "AuthenticatedUser"]
