"""Murmur3Partitioner tokens: published vectors, a slow reference, and the driver's C implementation."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from cassandra.murmur3 import murmur3 as driver_murmur3
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dht import MAX_TOKEN, MIN_TOKEN, composite_key, get_token
from engine.dht import murmur3_partitioner as m3

# Both implementations are held to the same checks: the C extension (get_token when built) and the
# pure-Python path used without it.
IMPLEMENTATIONS = pytest.mark.parametrize(
    "token_of", [m3._c_token, m3.python_token], ids=["c-extension", "python"]
)

VECTORS_PATH = Path("/work/shared/reference/murmur3_vectors.json")
MASK64 = (1 << 64) - 1


def _reference_token(key: bytes) -> int:
    """A line-by-line transcription of Cassandra's MurmurHash.hash3_x64_128 + Murmur3Partitioner.getToken.

    Deliberately slow and literal: Java longs are emulated by masking after every operation, and tail bytes
    are read as signed Java bytes, ``(long) key.get(offset + i)``, then shifted into place.
    """
    if not key:
        return MIN_TOKEN

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (64 - r))) & MASK64

    def fmix(k: int) -> int:
        k ^= k >> 33
        k = (k * 0xFF51AFD7ED558CCD) & MASK64
        k ^= k >> 33
        k = (k * 0xC4CEB9FE1A85EC53) & MASK64
        k ^= k >> 33
        return k

    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    length = len(key)
    nblocks = length // 16
    h1 = h2 = 0
    for i in range(nblocks):
        k1 = int.from_bytes(key[16 * i : 16 * i + 8], "little")
        k2 = int.from_bytes(key[16 * i + 8 : 16 * i + 16], "little")
        k1 = rotl((k1 * c1) & MASK64, 31)
        k1 = (k1 * c2) & MASK64
        h1 ^= k1
        h1 = rotl(h1, 27)
        h1 = (h1 + h2) & MASK64
        h1 = (h1 * 5 + 0x52DCE729) & MASK64
        k2 = rotl((k2 * c2) & MASK64, 33)
        k2 = (k2 * c1) & MASK64
        h2 ^= k2
        h2 = rotl(h2, 31)
        h2 = (h2 + h1) & MASK64
        h2 = (h2 * 5 + 0x38495AB5) & MASK64
    tail = key[16 * nblocks :]
    k1 = k2 = 0
    for i in range(len(tail) - 1, -1, -1):  # Java's switch falls through from case len%16 down to case 1
        signed_byte = struct.unpack("b", tail[i : i + 1])[0]
        if i >= 8:
            k2 ^= (signed_byte << (8 * (i - 8))) & MASK64
        else:
            k1 ^= (signed_byte << (8 * i)) & MASK64
    if len(tail) > 8:
        k2 = rotl((k2 * c2) & MASK64, 33)
        k2 = (k2 * c1) & MASK64
        h2 ^= k2
    if tail:
        k1 = rotl((k1 * c1) & MASK64, 31)
        k1 = (k1 * c2) & MASK64
        h1 ^= k1
    h1 ^= length
    h2 ^= length
    h1 = (h1 + h2) & MASK64
    h2 = (h2 + h1) & MASK64
    h1 = fmix(h1)
    h2 = fmix(h2)
    h1 = (h1 + h2) & MASK64
    token = h1 - (1 << 64) if h1 >= 1 << 63 else h1
    return MAX_TOKEN if token == MIN_TOKEN else token


def _vectors() -> list[dict[str, object]]:
    return json.loads(VECTORS_PATH.read_text())


@IMPLEMENTATIONS
@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v["key_hex"] or "empty")
def test_published_vectors(token_of: Callable[[bytes], int], vector: dict[str, object]) -> None:
    key = bytes.fromhex(str(vector["key_hex"]))
    assert token_of(key) == vector["token"]
    assert _reference_token(key) == vector["token"]


@IMPLEMENTATIONS
def test_empty_key_is_min_token(token_of: Callable[[bytes], int]) -> None:
    assert token_of(b"") == MIN_TOKEN == -(2**63)
    assert MAX_TOKEN == 2**63 - 1


def test_min_value_normalized_to_max() -> None:
    assert m3.normalize(MIN_TOKEN) == MAX_TOKEN
    assert m3.normalize(MAX_TOKEN) == MAX_TOKEN
    assert m3.normalize(0) == 0
    assert m3.normalize(MIN_TOKEN + 1) == MIN_TOKEN + 1


@pytest.mark.parametrize(
    "key",
    [
        b"\x80",
        b"\xff\xff\xff\xff",
        b"\x00\x00\x00\x80",
        b"\x80\x00\x00\x00\x00\x00\x00\x00",
        b"\x00\x00\x00\x00\x00\x00\x00\x80",  # only byte 7 high: sign extension adds nothing
        b"\xff" * 8,
        b"\xff" * 9,
        b"\x00" * 14 + b"\x80",
        b"\xff" * 15,
        b"\xff" * 16,
        b"\xff" * 17,
        b"\x00" * 16 + b"\x00" * 7 + b"\x80",
        b"\xc3\xa9" * 20,
        "caf\u00e9 au lait".encode(),
    ],
)
@IMPLEMENTATIONS
def test_signed_tail_edge_cases(token_of: Callable[[bytes], int], key: bytes) -> None:
    assert token_of(key) == _reference_token(key) == driver_murmur3(key)


@IMPLEMENTATIONS
def test_each_length_and_high_byte_position(token_of: Callable[[bytes], int]) -> None:
    # Every key length 1..48 with a single 0x80/0xFF byte at every position: hits every tail shape, both
    # the short-key rewrite and the inverted-finalization path.
    for length in range(1, 49):
        for position in range(length):
            for byte in (0x80, 0xFF, 0x7F):
                key = bytearray(b"\x01" * length)
                key[position] = byte
                key = bytes(key)
                assert token_of(key) == _reference_token(key) == driver_murmur3(key), key.hex()


@IMPLEMENTATIONS
@settings(max_examples=5000, deadline=None)
@given(st.binary(min_size=0, max_size=64))
def test_matches_reference(token_of: Callable[[bytes], int], key: bytes) -> None:
    assert token_of(key) == _reference_token(key)


@IMPLEMENTATIONS
@settings(max_examples=5000, deadline=None)
@given(st.binary(min_size=1, max_size=64))
def test_matches_driver(token_of: Callable[[bytes], int], key: bytes) -> None:
    # The driver's C murmur3 is Cassandra-exact except that it has no special case for the empty key.
    assert token_of(key) == driver_murmur3(key)


@IMPLEMENTATIONS
@settings(max_examples=2000, deadline=None)
@given(st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), min_size=1, max_size=3))
def test_integer_keys_match_driver(token_of: Callable[[bytes], int], values: list[int]) -> None:
    # bigint and int keys are where sign extension bites: negative values are all 0xFF bytes.
    for value in values:
        for key in (value.to_bytes(8, "big", signed=True), (value % 2**32).to_bytes(4, "big")):
            assert token_of(key) == driver_murmur3(key) == _reference_token(key)


def test_reference_is_not_plain_murmur3() -> None:
    # Guards the tests themselves: the quirk must make a difference for a high tail byte.
    import mmh3

    assert mmh3.hash64(b"\xff", signed=True)[0] != _reference_token(b"\xff")
    assert mmh3.hash64(b"\x7f", signed=True)[0] == _reference_token(b"\x7f")


def test_fmix_inverse_constants() -> None:
    assert m3._FMIX1 * m3._FMIX1_INV & MASK64 == 1
    assert m3._FMIX2 * m3._FMIX2_INV & MASK64 == 1


ONE = b"\x01"


@pytest.mark.parametrize(
    ("key", "finalized_in_python"),
    [
        (b"hello", False),  # step 1: ASCII
        (b"\xff" * 16, False),  # step 1: no tail
        (b"\xff" * 16 + b"ab", False),  # step 1: ASCII tail
        (b"\xff" * 4, False),  # step 2: 1-8 bytes
        (ONE * 8 + b"\x80\x80", False),  # step 2: 9-15 bytes, even k2
        (ONE * 8 + b"\x80", True),  # 9-15 bytes, odd k2: step 4 without blocks
        (ONE * 16 + b"\x80\x80", False),  # step 3: even k1
        (ONE * 16 + b"\x80" + ONE * 7, False),  # step 3: an 8-byte tail always fits
        (ONE * 24 + b"\x80\x80", False),  # step 3: k1 whole, even k2
        (ONE * 16 + b"\x80", True),  # step 4: odd k1
        (ONE * 24 + b"\x80", True),  # step 4: odd k2
        (b"\x80" * 47, True),  # step 4: several blocks
    ],
)
def test_each_strategy(key: bytes, finalized_in_python: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    slow_path = m3._token_with_signed_tail

    def recording(key: bytes, n: int, tail_length: int, mask: int) -> int:
        calls.append(key)
        return slow_path(key, n, tail_length, mask)

    monkeypatch.setattr(m3, "_token_with_signed_tail", recording)
    assert m3.python_token(key) == _reference_token(key) == driver_murmur3(key)
    assert bool(calls) == finalized_in_python


def test_composite_key_two_components() -> None:
    assert composite_key([b"\x00\x00\x00\x01", b"ab"]) == (
        b"\x00\x04" + b"\x00\x00\x00\x01" + b"\x00" + b"\x00\x02" + b"ab" + b"\x00"
    )


def test_composite_key_three_components() -> None:
    assert composite_key([b"x", b"", b"\xff" * 3]) == (
        b"\x00\x01x\x00" + b"\x00\x00\x00" + b"\x00\x03\xff\xff\xff\x00"
    )


def test_composite_key_single_component_is_raw() -> None:
    assert composite_key([b"\x00\x00\x00\x2a"]) == b"\x00\x00\x00\x2a"
    assert get_token(composite_key([b"123"])) == -7468325962851647638


def test_composite_key_component_too_long() -> None:
    with pytest.raises(ValueError, match="Key length of 65536 is longer than maximum of 65535"):
        composite_key([b"a", b"\x00" * 65536])


def test_composite_key_token() -> None:
    key = composite_key([b"\xff\xff\xff\xfe", "caf\u00e9".encode()])
    assert get_token(key) == _reference_token(key) == driver_murmur3(key)


def test_c_extension_is_built() -> None:
    # The install (pip install -e .) compiles engine/dht/_murmur3.c; get_token must be the C function then.
    assert m3._c_token is not None, "engine.dht._murmur3 was not built (no C compiler at install time?)"
    assert get_token is m3._c_token
