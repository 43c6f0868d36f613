"""The bloom filter over an SSTable's partition keys (Filter.db).

A read of a partition asks every SSTable of the table; the filter lets most SSTables answer "not here"
without touching the disk. It may say "maybe" for a key that is absent (a false positive, with about the
configured probability ``bloom_filter_fp_chance``), never "no" for a key that is present.

**Layout: register-blocked.** The bits are ``w`` 64-bit words; a key sets (and a lookup tests) ``k`` bits
of **one** word, ``word = (h1 >> 34) mod w`` (the top 30 bits of ``h1``: a one-digit Python int, so the
modulo is cheap; ``w`` is at most ``2**30``), with the bit positions ``(h2 >> 6i) & 63`` for ``i`` in
``0..k-1``.
So a lookup is one word read and one mask test, where a classic filter (k bits anywhere, which this file
held up to version 2) costs k dependent probes: in Python ~0.25 µs against ~1.2 µs per SSTable, and a
point read asks every SSTable. The mask depends on the key and ``k`` only, not on the filter, so a read
hashes the key once (``FilterKey``) and tests it against every SSTable (Cassandra's ``FilterKey`` does the
same for its murmur hash). Blocking costs bits: with keys spread over words as a Poisson variable of mean
``64 / bits_per_key``, the false-positive rate is ``E[(1 - (1 - 1/64)^(k X))^k]``; ``bloom_spec`` picks the
smallest bits-per-key (in steps of 1/4) and the ``k`` that bring it under the target — about 12 bits a
key for 1% (a classic filter needs 9.6). ``p >= 1`` means no filter (Cassandra's
``AlwaysPresentFilter``): zero words, every key "maybe".

Hashing: one MurmurHash3 x64 128-bit hash of the key (``mmh3.hash64`` with seed 0, unsigned halves
``h1``, ``h2``). The file stores bits, not keys, so the hashing is tied to the format version.

Filter.db::

    u8 format version (3), u8 hash count k, u64 word count w,
    w words, each u64 little-endian,
    u32 crc32 of everything before it

Version 3 replaced the classic layout (version 2: k probes anywhere by enhanced double hashing); older
files are refused.
"""

from __future__ import annotations

import functools
import math
import struct
import sys
from array import array
from pathlib import Path

import mmh3

from engine.db.sstable.errors import CorruptSSTableError

_FORMAT_VERSION = 3
_HEADER = struct.Struct(">BBQ")
_MAX_HASHES = 10  # 6 bits of h2 per bit position
_MAX_BITS_PER_KEY = 64
_MAX_WORDS = 1 << 30
# The two bits of each 12-bit piece of h2 (two 6-bit positions): a mask takes k/2 lookups, not k shifts.
_PAIRS = tuple((1 << (i & 63)) | (1 << (i >> 6)) for i in range(4096))


def _false_positive_rate(bits_per_key: float, hashes: int) -> float:
    """The expected false-positive rate of a register-blocked filter (see the module docstring)."""
    mean = 64 / bits_per_key
    probability = math.exp(-mean)  # P(X = 0), other keys in the word
    total = 0.0
    x = 0
    limit = int(mean + 12 * math.sqrt(mean) + 30)
    while x <= limit:
        total += probability * (1 - (63 / 64) ** (hashes * x)) ** hashes
        x += 1
        probability *= mean / x
    return total


@functools.cache
def _shape(fp_chance: float) -> tuple[float, int]:
    """(bits per key, hash count) for a target false-positive chance (a pure function, memoized)."""
    bits = 4.0
    while bits < _MAX_BITS_PER_KEY:
        rate, hashes = min((_false_positive_rate(bits, k), k) for k in range(1, _MAX_HASHES + 1))
        if rate <= fp_chance:
            return bits, hashes
        bits += 0.25
    return float(_MAX_BITS_PER_KEY), _MAX_HASHES


def bloom_spec(expected_keys: int, fp_chance: float) -> tuple[int, int]:
    """``(word count, hash count)`` for ``expected_keys`` at false-positive chance ``fp_chance``."""
    if not 0.0 < fp_chance <= 1.0:
        raise ValueError(f"bloom_filter_fp_chance must be in (0, 1], got {fp_chance}")
    if fp_chance >= 1.0:
        return 0, 0
    bits_per_key, hashes = _shape(fp_chance)
    return min(_MAX_WORDS, max(1, math.ceil(max(expected_keys, 1) * bits_per_key / 64))), hashes


class FilterKey:
    """A key's hash, computed once per read and tested against every SSTable's filter: ``word`` is the
    hash's word selector (``word % w`` is the word of a filter of ``w`` words), ``mask(k)`` the bits."""

    __slots__ = ("_h2", "word")

    def __init__(self, key: bytes) -> None:
        h1, self._h2 = mmh3.hash64(key, seed=0, x64arch=True, signed=False)
        self.word = h1 >> 34

    def mask(self, hashes: int) -> int:
        """The bits this key sets in its word of a filter with ``hashes`` hash functions."""
        h2 = self._h2
        pairs = _PAIRS
        if hashes == 6:  # what the default 1% chance uses
            return pairs[h2 & 4095] | pairs[(h2 >> 12) & 4095] | pairs[(h2 >> 24) & 4095]
        mask = 0
        for _ in range(hashes >> 1):
            mask |= pairs[h2 & 4095]
            h2 >>= 12
        if hashes & 1:
            mask |= 1 << (h2 & 63)
        return mask


def key_probe(key: bytes, hashes: int) -> tuple[int, int]:
    """``(FilterKey(key).word, FilterKey(key).mask(hashes))`` without the object: what a point read
    tests against every SSTable whose filters share ``hashes``."""
    h1, h2 = mmh3.hash64(key, seed=0, x64arch=True, signed=False)
    if hashes == 6:
        pairs = _PAIRS
        return h1 >> 34, pairs[h2 & 4095] | pairs[(h2 >> 12) & 4095] | pairs[(h2 >> 24) & 4095]
    fkey = FilterKey.__new__(FilterKey)
    fkey.word, fkey._h2 = h1 >> 34, h2
    return fkey.word, fkey.mask(hashes)


class BloomFilter:
    """Words and a hash count. Built by the writer with :meth:`add`, then only read."""

    __slots__ = ("hash_count", "word_count", "words")

    def __init__(self, word_count: int, hash_count: int, words: array | None = None) -> None:  # type: ignore[type-arg]
        self.word_count = word_count
        self.hash_count = hash_count
        self.words = words if words is not None else array("Q", bytes(8 * word_count))

    @classmethod
    def for_keys(cls, expected_keys: int, fp_chance: float) -> BloomFilter:
        return cls(*bloom_spec(expected_keys, fp_chance))

    @property
    def bit_count(self) -> int:
        return 64 * self.word_count

    def add(self, key: bytes) -> None:
        if not self.word_count:
            return
        h1, h2 = mmh3.hash64(key, seed=0, x64arch=True, signed=False)
        if self.hash_count == 6:  # FilterKey's arithmetic, inlined: every flushed key comes here
            mask = _PAIRS[h2 & 4095] | _PAIRS[(h2 >> 12) & 4095] | _PAIRS[(h2 >> 24) & 4095]
        else:
            mask = FilterKey(key).mask(self.hash_count)
        self.words[(h1 >> 34) % self.word_count] |= mask

    def might_contain(self, key: bytes) -> bool:
        return self.might_contain_key(FilterKey(key))

    def might_contain_key(self, fkey: FilterKey) -> bool:
        if not self.word_count:
            return True
        mask = fkey.mask(self.hash_count)
        return self.words[fkey.word % self.word_count] & mask == mask

    @property
    def size_in_bytes(self) -> int:
        """Memory the bits take (Cassandra's "Bloom filter off heap memory used")."""
        return 8 * self.word_count

    def to_bytes(self) -> bytes:
        """Filter.db without its trailing checksum (the caller frames it)."""
        words = self.words
        if sys.byteorder == "big":
            words = array("Q", words)
            words.byteswap()
        return _HEADER.pack(_FORMAT_VERSION, self.hash_count, self.word_count) + words.tobytes()

    @classmethod
    def from_bytes(cls, body: bytes | memoryview, where: Path) -> BloomFilter:
        """Decode a Filter.db body whose checksum was already verified; ``where`` names it in errors."""
        if len(body) < _HEADER.size:
            raise CorruptSSTableError(where, 0, "bloom filter header truncated")
        version, hashes, count = _HEADER.unpack_from(body)
        if version != _FORMAT_VERSION:
            raise CorruptSSTableError(where, 0, f"unknown bloom filter format version {version}")
        if len(body) - _HEADER.size != 8 * count:
            raise CorruptSSTableError(where, _HEADER.size, f"{count} words do not fit {len(body)} bytes")
        if (count and not 1 <= hashes <= _MAX_HASHES) or count > _MAX_WORDS:
            raise CorruptSSTableError(where, 1, f"hash count {hashes} out of range")
        words = array("Q")
        words.frombytes(body[_HEADER.size :])
        if sys.byteorder == "big":
            words.byteswap()
        return cls(count, hashes, words)
