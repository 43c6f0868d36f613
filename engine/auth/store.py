"""The rows of the ``system_auth`` tables, kept durable in the node's data directory.

Four tables, as Cassandra 5.0 names them: ``roles`` (role, is_superuser, can_login, salted_hash,
member_of), ``role_members`` (role, member), ``role_permissions`` (role, resource, permissions) and
``resource_role_permissons_index`` (resource, role; Cassandra's spelling). ``role_members`` and the
index are the reverse lookups of ``member_of`` and ``role_permissions``, derived here so they can never
disagree with what they index.

File format (``<data>/system_auth/auth_state.db``), rewritten whole on every change (auth changes are
rare and small), through a temporary file, fsync and rename, so a crash leaves the old or the new state::

    b"CQLKITAUTH1\\n"  magic
    u32 big-endian     length of the body
    u32 big-endian     CRC32 of the body
    body               UTF-8 JSON: {"roles": {...}, "permissions": [[role, resource, [perm, ...]], ...]}

A file whose magic, length or CRC does not match is refused (:class:`CorruptAuthState`, naming the
field): a damaged auth state must not silently become "no roles" (which would recreate the default
superuser). Only salted hashes are stored, never a password.

Why not the node's storage engine: the system keyspaces are served from memory by the node and their
tables are not opened in storage (see docs/decisions.md); a file of its own keeps auth durable without
changing the node.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

MAGIC = b"CQLKITAUTH1\n"
FILE_NAME = "auth_state.db"


class CorruptAuthState(Exception):
    """The auth state file cannot be trusted."""


@dataclass(frozen=True, slots=True)
class RoleRecord:
    name: str
    is_superuser: bool = False
    can_login: bool = False
    salted_hash: str | None = None
    member_of: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AuthState:
    roles: dict[str, RoleRecord] = field(default_factory=dict)
    #: (role, resource name) -> permission names granted
    permissions: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)


def _encode(state: AuthState) -> bytes:
    document = {
        "roles": {
            name: {
                "is_superuser": r.is_superuser,
                "can_login": r.can_login,
                "salted_hash": r.salted_hash,
                "member_of": sorted(r.member_of),
            }
            for name, r in sorted(state.roles.items())
        },
        "permissions": [
            [role, res, sorted(perms)] for (role, res), perms in sorted(state.permissions.items())
        ],
    }
    body = json.dumps(document, sort_keys=True).encode("utf-8")
    return MAGIC + struct.pack(">II", len(body), zlib.crc32(body)) + body


def _decode(data: bytes) -> AuthState:
    if not data.startswith(MAGIC):
        raise CorruptAuthState("auth state: bad magic")
    header = data[len(MAGIC) : len(MAGIC) + 8]
    if len(header) < 8:
        raise CorruptAuthState("auth state: truncated header")
    length, crc = struct.unpack(">II", header)
    body = data[len(MAGIC) + 8 :]
    if len(body) != length:
        raise CorruptAuthState(f"auth state: length {length} but {len(body)} body bytes")
    if zlib.crc32(body) != crc:
        raise CorruptAuthState("auth state: body CRC mismatch")
    document = json.loads(body)
    roles = {
        name: RoleRecord(
            name, bool(r["is_superuser"]), bool(r["can_login"]), r["salted_hash"], frozenset(r["member_of"])
        )
        for name, r in document["roles"].items()
    }
    permissions = {(role, res): frozenset(perms) for role, res, perms in document["permissions"]}
    return AuthState(roles, permissions)


class AuthStore:
    """The current :class:`AuthState` (immutable, swapped under a lock) and its file; ``directory=None``
    keeps it in memory only (tests)."""

    def __init__(self, directory: Path | None) -> None:
        self._path = None if directory is None else directory / FILE_NAME
        self._lock = threading.Lock()
        self._state = AuthState()
        if self._path is not None and self._path.exists():
            self._state = _decode(self._path.read_bytes())

    @property
    def state(self) -> AuthState:
        return self._state

    def update(self, change) -> AuthState:  # change: Callable[[AuthState], AuthState]
        """Apply ``change`` to the current state and make the result durable before it is visible."""
        with self._lock:
            new = change(self._state)
            if self._path is not None:
                self._write(new)
            self._state = new
            return new

    def _write(self, state: AuthState) -> None:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        with open(tmp, "wb") as handle:
            handle.write(_encode(state))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self._path)
        directory = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    # -------------------------------------------------------------------------- system_auth rows

    def rows(self, table: str) -> Iterator[dict[str, object]]:
        """The rows of ``system_auth.<table>`` as column -> Python value."""
        state = self._state
        if table == "roles":
            for r in state.roles.values():
                yield {
                    "role": r.name,
                    "is_superuser": r.is_superuser,
                    "can_login": r.can_login,
                    "salted_hash": r.salted_hash,
                    "member_of": set(r.member_of) or None,
                }
        elif table == "role_members":
            for r in state.roles.values():
                for granted in r.member_of:
                    yield {"role": granted, "member": r.name}
        elif table == "role_permissions":
            for (role, resource), perms in state.permissions.items():
                yield {"role": role, "resource": resource, "permissions": set(perms)}
        elif table == "resource_role_permissons_index":
            for role, resource in state.permissions:
                yield {"resource": resource, "role": role}


def with_role(state: AuthState, record: RoleRecord) -> AuthState:
    return replace(state, roles={**state.roles, record.name: record})
