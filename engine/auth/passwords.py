"""Salted, deliberately slow password hashes for ``system_auth.roles.salted_hash``.

Cassandra stores bcrypt hashes (``$2a$10$...``). cqlkit uses scrypt from the standard library
(``hashlib.scrypt``, RFC 7914) so it needs no native dependency (decision in docs/decisions.md); the
stored text is self-describing, so the cost can be raised later without invalidating old hashes::

    $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt, base64 without padding>$<hash, base64 without padding>

Defaults: N = 2^14, r = 8, p = 1 (16 MiB, ~50 ms on a laptop core), 16-byte random salt, 32-byte key.
Verification compares in constant time. The plaintext never leaves memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

PREFIX = "$scrypt$"


@dataclass(frozen=True, slots=True)
class ScryptCost:
    log2_n: int = 14
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        return 128 * self.r * (2**self.log2_n) * 2 + 1024 * 1024


DEFAULT_COST = ScryptCost()
#: cheap parameters for tests (hashing stays real, only faster)
TEST_COST = ScryptCost(log2_n=4, r=8, p=1)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=2**cost.log2_n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.maxmem,
        dklen=32,
    )


def hash_password(password: str, cost: ScryptCost = DEFAULT_COST, salt: bytes | None = None) -> str:
    salt = os.urandom(16) if salt is None else salt
    key = _derive(password, salt, cost)
    return f"{PREFIX}ln={cost.log2_n},r={cost.r},p={cost.p}${_b64(salt)}${_b64(key)}"


def is_valid_hash(text: str) -> bool:
    """True if ``text`` is a hash :func:`check_password` can verify (for ``HASHED PASSWORD``)."""
    try:
        _parse(text)
    except ValueError:
        return False
    return True


def _parse(text: str) -> tuple[ScryptCost, bytes, bytes]:
    if not text.startswith(PREFIX):
        raise ValueError("not an scrypt hash")
    try:
        params, salt, key = text[len(PREFIX) :].split("$")
        fields = dict(item.split("=", 1) for item in params.split(","))
        cost = ScryptCost(int(fields["ln"]), int(fields["r"]), int(fields["p"]))
        if not (1 <= cost.log2_n <= 20 and 1 <= cost.r <= 32 and 1 <= cost.p <= 16):
            raise ValueError("scrypt parameters out of range")
        return cost, _unb64(salt), _unb64(key)
    except (KeyError, ValueError, TypeError) as e:
        raise ValueError(f"malformed scrypt hash: {e}") from None


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        cost, salt, key = _parse(stored)
    except ValueError:
        return False
    return hmac.compare_digest(_derive(password, salt, cost), key)
