"""Authentication and authorization for a cluster opened in this process (the embedded API).

::

    from engine import Cluster
    from engine.auth import embedded

    cluster = Cluster.open("secure")
    embedded.enable(cluster, authenticator="PasswordAuthenticator", authorizer="CassandraAuthorizer")
    session = embedded.connect(cluster, auth=("cassandra", "cassandra"))   # or embedded.login(session, ...)
    session.execute("CREATE ROLE alice WITH PASSWORD = 'wonder' AND LOGIN = true")

:func:`enable` installs one :class:`~engine.auth.service.AuthService` on every node of the cluster, its
state in the first node's ``data/system_auth`` (where ``cqlkit serve`` keeps it too), so every node
agrees on roles and grants. :func:`login` checks the credentials as the native protocol does
(PasswordAuthenticator, then LOGIN) and makes the session run as that role; a failed login leaves the
session as it was and raises :class:`~engine.errors.AuthenticationError` with Cassandra's message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.auth import passwords
from engine.auth.service import AuthService
from engine.auth.users import AuthenticatedUser

if TYPE_CHECKING:  # the composition root sits above auth; only its types are needed here
    from engine.cluster.node import Node
    from engine.cluster.session import Cluster, Session


def enable(
    cluster: Cluster,
    *,
    authenticator: str = "PasswordAuthenticator",
    authorizer: str = "CassandraAuthorizer",
    cost: passwords.ScryptCost = passwords.DEFAULT_COST,
) -> AuthService:
    """Run every node of ``cluster`` with this authenticator and authorizer (cassandra.yaml names)."""
    first = cluster.nodes[0]
    service = AuthService.create(
        first.directory / "data" / "system_auth",
        authenticator=authenticator,
        authorizer=authorizer,
        cost=cost,
    )
    for node in cluster.nodes:
        node.query_processor.install_auth(service)

    def follow(event: str, node: Node) -> None:
        if event in ("added", "reopened"):  # a node that joins later checks the same roles
            node.query_processor.install_auth(service)

    cluster.node_listeners.append(follow)
    return service


def login(session: Session, username: str, password: str) -> AuthenticatedUser:
    """Log ``session`` (an embedded :class:`~engine.cluster.session.Session`) in as ``username``."""
    user = session.node.query_processor.auth.login(username, password)
    session._client.user = user  # the session's ClientState (Session offers no setter yet)
    return user


def connect(cluster: Cluster, keyspace: str | None = None, *, auth: tuple[str, str] | None = None) -> Session:
    """``cluster.connect(keyspace)``, logged in with ``auth=(username, password)`` before the keyspace
    is set (USE needs a login)."""
    session = cluster.connect()
    if auth is not None:
        login(session, *auth)
    if keyspace is not None:
        session.set_keyspace(keyspace)
    return session
