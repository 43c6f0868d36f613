"""The bloom filter over an SSTable's partition keys (Filter.db).

A read of a partition asks every SSTable of the table; the filter lets most SSTables answer "not here"
without touching the disk. It may say "maybe" for a key that is absent (a false positive, with the
configured probability ``bloom_filter_fp_chance``), never "no" for a key that is present.

Sizing (the textbook optimum, as Cassandra's ``BloomCalculations`` approximates): for ``n`` expected keys
and false-positive chance ``p``, ``m = max(64, ceil(-n ln p / (ln 2)^2))`` bits and
``k = round(-log2 p)`` hash functions (at least 1; the optimum for the unfloored m). ``p >= 1`` means no filter (Cassandra's ``AlwaysPresentFilter``): zero bits,
every key "maybe".

Hashing: the k bit indexes come from one MurmurHash3 x64 128-bit hash of the key (``mmh3.hash64`` with
seed 0, unsigned halves ``h1``, ``h2``) by enhanced double hashing,
``index_i = (h1 + i * h2 + (i**3 - i) / 6) mod m`` for
``i`` in ``0..k-1`` (Kirsch & Mitzenmacher's double hashing, as in Cassandra's ``BloomFilter``, plus
Dillinger & Manolios' cubic term). The file stores bits, not keys, so the hashing is tied to the format
version.

Filter.db::

    u8 format version (2), u8 hash count k, u64 bit count m,
    ceil(m / 8) bytes of bits (bit i is byte i >> 3, mask 1 << (i & 7)),
    u32 crc32 of everything before it
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import mmh3

from engine.db.sstable.errors import CorruptSSTableError

_FORMAT_VERSION = 2
_MIN_BITS = 64
# Enhanced double hashing (Dillinger & Manolios): the i-th position adds (i^3 - i) / 6, so a second hash
# that is a multiple of m no longer collapses all k positions onto one bit.
_CUBIC = tuple((i**3 - i) // 6 for i in range(64))
_HEADER = struct.Struct(">BBQ")


def bloom_spec(expected_keys: int, fp_chance: float) -> tuple[int, int]:
    """``(bit count, hash count)`` for ``expected_keys`` at false-positive chance ``fp_chance``."""
    if not 0.0 < fp_chance <= 1.0:
        raise ValueError(f"bloom_filter_fp_chance must be in (0, 1], got {fp_chance}")
    if fp_chance >= 1.0:
        return 0, 0
    n = max(expected_keys, 1)
    # A floor of 64 bits: tiny filters otherwise land on a handful of bits, where double hashing's
    # collisions make the real false-positive rate many times the configured one.
    bits = max(_MIN_BITS, math.ceil(-n * math.log(fp_chance) / (math.log(2) ** 2)))
    # k from the target chance (optimal at the unfloored size), not from the floored bit count.
    hashes = min(len(_CUBIC) - 1, max(1, round(-math.log(fp_chance) / math.log(2))))
    return bits, hashes


class BloomFilter:
    """A bit array and k hash functions. Built by the writer with :meth:`add`, then only read."""

    __slots__ = ("_bits", "bit_count", "hash_count")

    def __init__(self, bit_count: int, hash_count: int, bits: bytearray | None = None) -> None:
        self.bit_count = bit_count
        self.hash_count = hash_count
        self._bits = bits if bits is not None else bytearray((bit_count + 7) // 8)

    @classmethod
    def for_keys(cls, expected_keys: int, fp_chance: float) -> BloomFilter:
        return cls(*bloom_spec(expected_keys, fp_chance))

    def add(self, key: bytes) -> None:
        if not self.bit_count:
            return
        bits = self._bits
        h1, h2 = mmh3.hash64(key, seed=0, x64arch=True, signed=False)
        m = self.bit_count
        for i in range(self.hash_count):
            index = (h1 + i * h2 + _CUBIC[i]) % m
            bits[index >> 3] |= 1 << (index & 7)

    def might_contain(self, key: bytes) -> bool:
        if not self.bit_count:
            return True
        bits = self._bits
        h1, h2 = mmh3.hash64(key, seed=0, x64arch=True, signed=False)
        m = self.bit_count
        for i in range(self.hash_count):
            index = (h1 + i * h2 + _CUBIC[i]) % m
            if not bits[index >> 3] & (1 << (index & 7)):
                return False
        return True

    @property
    def size_in_bytes(self) -> int:
        """Memory the bits take (Cassandra's "Bloom filter off heap memory used")."""
        return len(self._bits)

    def to_bytes(self) -> bytes:
        """Filter.db without its trailing checksum (the caller frames it)."""
        return _HEADER.pack(_FORMAT_VERSION, self.hash_count, self.bit_count) + bytes(self._bits)

    @classmethod
    def from_bytes(cls, body: bytes | memoryview, where: Path) -> BloomFilter:
        """Decode a Filter.db body whose checksum was already verified; ``where`` names it in errors."""
        if len(body) < _HEADER.size:
            raise CorruptSSTableError(where, 0, "bloom filter header truncated")
        version, hashes, bits = _HEADER.unpack_from(body)
        if version != _FORMAT_VERSION:
            raise CorruptSSTableError(where, 0, f"unknown bloom filter format version {version}")
        if len(body) - _HEADER.size != (bits + 7) // 8:
            raise CorruptSSTableError(where, _HEADER.size, f"{bits} bits do not fit {len(body)} bytes")
        return cls(bits, hashes, bytearray(body[_HEADER.size :]))
