"""Cassandra's Murmur3Partitioner: partition key bytes → token, bit for bit.

A token is a signed 64-bit integer in ``[MIN_TOKEN, MAX_TOKEN]``. Cassandra's ``Murmur3Partitioner.getToken``
computes it as follows (``src/java/org/apache/cassandra/dht/Murmur3Partitioner.java``):

* an empty key is the minimum token, ``Long.MIN_VALUE`` (it sorts before every real key);
* otherwise, take ``MurmurHash.hash3_x64_128(key, 0, len, seed=0)`` and keep the first 64-bit half ``h1``
  as a signed long;
* ``Long.MIN_VALUE`` is reserved for the minimum token, so a hash equal to it is normalized to
  ``Long.MAX_VALUE`` (``normalize``).

**The quirk.** Cassandra's ``MurmurHash.hash3_x64_128`` builds the tail words (the last ``len % 16`` bytes)
with ``k1 ^= ((long) key.get(offset + i)) << (8 * i)``; Java bytes are signed, so a tail byte ``>= 0x80`` is
sign-extended and sets every bit above it. Full 16-byte blocks are read unsigned, as in the reference
MurmurHash3. Drivers copy the quirk (python-driver's ``murmur3.c``, gocql, the C# and Node drivers) and
Cassandra can never change it, because tokens decide where data lives. Sign extension by byte ``i`` XORs
``0xFF`` into every byte above ``i``, so the Cassandra tail word is the standard one XOR a mask in which byte
``p`` is ``0xFF`` iff an odd number of the bytes below ``p`` have their high bit set (:data:`_TAIL_WORD`).

**How this module computes it fast.** When the package was installed with a C compiler, :func:`get_token` is
``engine.dht._murmur3.token`` (``_murmur3.c``): the whole hash with the signed tail, in C, one call per token,
as fast as the drivers' own murmur3. Without it (the extension is optional at install time),
:func:`python_token` is used, and that path is described next. In :func:`python_token` the hashing runs in
C in the ``mmh3`` package (the reference
MurmurHash3; cassandra-driver is a client library and the engine must not depend on it), and the quirk is
corrected around it. Each case below is exact, not an approximation:

1. No tail byte ``>= 0x80`` (``bytes.isascii`` on the whole key, then on the tail; UUID-sized keys have no
   tail): the two algorithms agree, so the reference hash is Cassandra's.
2. Keys of 1-8 bytes (ints, bigints, timestamps, short text) have no blocks, only ``k1``. With seed ``s`` the
   reference algorithm starts from the state ``(s, s)``, so hashing the 8 bytes of Cassandra's sign-extended
   ``k1`` with seed ``len ^ 8`` reaches the pre-finalization state ``(s ^ mix_k1(k1) ^ 8, s ^ 8)
   == (mix_k1(k1) ^ len, len)``, which is Cassandra's. Keys of 9-15 bytes work the same way as a 15-byte
   key with seed ``len ^ 15``, when byte 7 of ``k2`` (which a 15-byte tail cannot hold) is 0.
3. Longer keys whose sign-extended tail words still fit in the tail, that is, each word has an even number
   of negative bytes so the ``0xFF`` fill above its last byte cancels out (or the tail is exactly 8 bytes):
   the blocks followed by the rewritten tail, at the same length, hash like Cassandra's key.
4. Otherwise (``_token_with_signed_tail``), the tail is mixed and finalized in Python. The state the blocks
   leave comes from hashing the blocks alone with ``mmh3`` and inverting its finalization (``fmix64`` is a
   bijection: xorshift-33 is its own inverse on 64 bits and an odd multiplier has an inverse mod 2**64).
   About 40 big-integer operations, ~4 µs: the price of an odd number of negative bytes in a tail word.

The MurmurHash3 x64-128 steps, on 64-bit words (``c1 = 0x87c37b91114253d5``, ``c2 = 0x4cf5ad432745937f``)::

    per 16-byte block (k1, k2 little-endian):
        h1 ^= mix_k1(k1); h1 = rotl(h1, 27) + h2; h1 = h1 * 5 + 0x52dce729
        h2 ^= mix_k2(k2); h2 = rotl(h2, 31) + h1; h2 = h2 * 5 + 0x38495ab5
    tail: h2 ^= mix_k2(k2) if len % 16 > 8;  h1 ^= mix_k1(k1) if len % 16 > 0
    finalization: h1 ^= len; h2 ^= len; h1 += h2; h2 += h1;
                  h1 = fmix64(h1); h2 = fmix64(h2); h1 += h2; h2 += h1
    mix_k1(k) = rotl(k * c1, 31) * c2        mix_k2(k) = rotl(k * c2, 33) * c1
    fmix64(k) = k ^= k >> 33; k *= 0xff51afd7ed558ccd; k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53; k ^= k >> 33

A multi-column partition key is hashed as its CompositeType serialization (:func:`composite_key`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import mmh3

MIN_TOKEN = -(2**63)
MAX_TOKEN = 2**63 - 1

_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_C1 = 0x87C3_7B91_1142_53D5
_C2 = 0x4CF5_AD43_2745_937F
_FMIX1 = 0xFF51_AFD7_ED55_8CCD
_FMIX2 = 0xC4CE_B9FE_1A85_EC53
# An odd multiplier is a unit mod 2**64, so fmix64's multiplications can be undone.
_FMIX1_INV = pow(_FMIX1, -1, 1 << 64)
_FMIX2_INV = pow(_FMIX2, -1, 1 << 64)

# Bound once: looking up ``int.from_bytes`` builds a bound method per call, which doubles its cost.
_from_bytes = int.from_bytes
_to_bytes = int.to_bytes
_hash_signed_pair = mmh3.mmh3_x64_128_stupledigest
_hash_unsigned_pair = mmh3.mmh3_x64_128_utupledigest

# bytes.translate table: each byte becomes 1 if Java sees it as negative (>= 0x80), else 0.
_NEGATIVE_FLAGS = bytes(int(b >= 0x80) for b in range(256))


def _sign_extension_mask(flags: bytes) -> int:
    """XOR mask turning a tail word read unsigned into Cassandra's sign-extended one.

    ``flags[j]`` is 1 when byte ``j`` of the word is ``>= 0x80``; ``(long) b << 8j`` then also sets bits
    ``8j+8 .. 63`` (nothing for ``j = 7``).
    """
    mask = 0
    for j, negative in enumerate(flags):
        if negative:
            mask ^= (_MASK64 << (8 * j + 8)) & _MASK64
    return mask


# Negative-byte flags of a tail word (0 to 8 bytes, from key.translate(_NEGATIVE_FLAGS)) → (sign-extension
# mask, mmh3 seed for a key of that many bytes; see step 2 of the module docstring). 511 entries.
_TAIL_WORD: Mapping[bytes, tuple[int, int]] = MappingProxyType(
    {
        flags: (_sign_extension_mask(flags), n ^ 8)
        for n in range(9)
        for flags in map(bytes, itertools.product((0, 1), repeat=n))
    }
)


def normalize(h1: int) -> int:
    """Cassandra's ``Murmur3Partitioner.normalize``: ``Long.MIN_VALUE`` is reserved for the minimum token."""
    return MAX_TOKEN if h1 == MIN_TOKEN else h1


def python_token(key: bytes) -> int:
    """The Murmur3Partitioner token of a serialized partition key, exactly as Cassandra computes it (the
    path without the C extension; see the module docstring)."""
    # Hot path: normalize() is inlined, and every branch but the last ends in one mmh3 call.
    if key.isascii():
        # No byte >= 0x80, so no sign extension: the reference hash is Cassandra's.
        token = _hash_signed_pair(key)[0]
        if token and token != MIN_TOKEN:
            return token
        # The empty key hashes to 0 (fmix64(0) == 0), so only a zero hash needs the emptiness test.
        if not key:
            return MIN_TOKEN
        return MAX_TOKEN if token == MIN_TOKEN else token
    n = len(key)
    if n <= 8:
        mask, seed = _TAIL_WORD[key.translate(_NEGATIVE_FLAGS)]
        token = _hash_signed_pair(_to_bytes(_from_bytes(key, "little") ^ mask, 8, "little"), seed)[0]
        return MAX_TOKEN if token == MIN_TOKEN else token
    tail_length = n & 15
    if not tail_length:
        token = _hash_signed_pair(key)[0]
        return MAX_TOKEN if token == MIN_TOKEN else token
    tail = key[-tail_length:]
    if tail.isascii():
        token = _hash_signed_pair(key)[0]
        return MAX_TOKEN if token == MIN_TOKEN else token
    flags = tail.translate(_NEGATIVE_FLAGS)
    if tail_length <= 8:
        mask = _TAIL_WORD[flags][0]
    else:
        mask = _TAIL_WORD[flags[:8]][0] | _TAIL_WORD[flags[8:]][0] << 64
    if n < 16:
        if not mask >> 120:
            # Step 2 for 9-15 bytes: a 15-byte key and seed n ^ 15 carry both sign-extended words, as long
            # as byte 7 of k2 (which a 15-byte tail cannot hold) is 0.
            token = _hash_signed_pair(_to_bytes(_from_bytes(key, "little") ^ mask, 15, "little"), n ^ 15)[0]
            return MAX_TOKEN if token == MIN_TOKEN else token
    elif not mask >> 8 * tail_length:
        # Step 3: the sign-extended tail words fit in the tail (even number of negative bytes per word), so
        # the blocks followed by them, at the same length, is a key whose reference hash is Cassandra's.
        tail = _to_bytes(_from_bytes(tail, "little") ^ mask, tail_length, "little")
        token = _hash_signed_pair(key[:-tail_length] + tail)[0]
        return MAX_TOKEN if token == MIN_TOKEN else token
    return _token_with_signed_tail(key, n, tail_length, mask)


def _token_with_signed_tail(key: bytes, n: int, tail_length: int, mask: int) -> int:
    """Step 4: Cassandra's hash of ``key``, its tail sign-extended with ``mask``, finalized in Python.

    The arithmetic is written out rather than split into ``mix_k1``/``fmix64`` helpers: a Python call costs
    as much as two of these 64-bit operations, and this path is nothing but them.
    """
    words = _from_bytes(key[n - tail_length :], "little") ^ mask
    k = words & _MASK64
    k = k * _C1 & _MASK64
    h1 = ((k << 31 | k >> 33) & _MASK64) * _C2 & _MASK64 ^ n  # mix_k1(k1) ^ len
    h2 = n
    k = words >> 64
    if k:
        k = k * _C2 & _MASK64
        h2 ^= ((k << 33 | k >> 31) & _MASK64) * _C1 & _MASK64  # mix_k2(k2)
    blocks_end = n - tail_length
    if blocks_end:
        # mmh3 of the blocks alone is finalize(state ^ blocks_end): undo the finalization to get the state.
        f1, f2 = _hash_unsigned_pair(key[:blocks_end])
        f2 = (f2 - f1) & _MASK64  # undo h2 += h1, then h1 += h2
        f1 = (f1 - f2) & _MASK64
        # undo fmix64 on both halves; x ^= x >> 33 is an involution on 64-bit words (x >> 66 is 0)
        f1 ^= f1 >> 33
        f1 = f1 * _FMIX2_INV & _MASK64
        f1 ^= f1 >> 33
        f1 = f1 * _FMIX1_INV & _MASK64
        f1 ^= f1 >> 33
        f2 ^= f2 >> 33
        f2 = f2 * _FMIX2_INV & _MASK64
        f2 ^= f2 >> 33
        f2 = f2 * _FMIX1_INV & _MASK64
        f2 ^= f2 >> 33
        f2 = (f2 - f1) & _MASK64  # undo h1 += h2; h2 += h1, then the ^ len of the blocks-only hash
        f1 = (f1 - f2) & _MASK64
        h1 ^= f1 ^ blocks_end
        h2 ^= f2 ^ blocks_end
    h1 = (h1 + h2) & _MASK64
    h2 = (h2 + h1) & _MASK64
    # fmix64 on both halves, then h1 += h2 (the second half of the result is not needed)
    h1 ^= h1 >> 33
    h1 = h1 * _FMIX1 & _MASK64
    h1 ^= h1 >> 33
    h1 = h1 * _FMIX2 & _MASK64
    h1 ^= h1 >> 33
    h2 ^= h2 >> 33
    h2 = h2 * _FMIX1 & _MASK64
    h2 ^= h2 >> 33
    h2 = h2 * _FMIX2 & _MASK64
    h2 ^= h2 >> 33
    h1 = (h1 + h2) & _MASK64
    return normalize(h1 - (1 << 64) if h1 >> 63 else h1)


try:
    from engine.dht._murmur3 import token as _c_token
except ImportError:  # installed without a C compiler
    _c_token = None

#: The Murmur3Partitioner token of a serialized partition key, exactly as Cassandra computes it.
get_token: Callable[[bytes], int] = python_token if _c_token is None else _c_token


def composite_key(components: Sequence[bytes]) -> bytes:
    """The partition key bytes of a (possibly multi-column) partition key, as CompositeType serializes it.

    Each component is written as a 2-byte big-endian length, the bytes, then an end-of-component byte
    ``0x00``. A single-column key is not wrapped: its bytes are the key.
    """
    if len(components) == 1:
        return bytes(components[0])
    for component in components:
        if len(component) > 0xFFFF:
            raise ValueError(f"Key length of {len(component)} is longer than maximum of {0xFFFF}")
    return b"".join(len(c).to_bytes(2, "big") + bytes(c) + b"\x00" for c in components)
