"""Tokens per second: cqlkit's Murmur3Partitioner.get_token vs cassandra-driver's C murmur3.

Run from the repository root: ``python bench/murmur3.py [--per-kind N] [--repeats R] [--seed S]``.

The corpus is fixed by the seed and holds the same number of keys of each kind a partition key commonly has:
4-byte ints and 8-byte bigints (uniform over their whole range, so most have a byte >= 0x80 in the hashed tail
and need Cassandra's sign-extension correction), 16-byte UUIDs, short ASCII text, UTF-8 text with non-ASCII
characters, and two-column composite keys. Both functions hash the same key objects in the same process; the
time of each is the best of ``R`` passes (``time.perf_counter``) of a plain ``for key in keys: f(key)`` loop,
so the loop overhead, identical for both, is included.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cassandra.murmur3 import murmur3
from mmh3 import mmh3_x64_128_stupledigest as _hash

from engine.dht import composite_key, get_token

_ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
_NON_ASCII = "éèüößñçøåæœ€日本語中文한국어Привет🙂😀"


def _text(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def build_corpus(per_kind: int, seed: int) -> dict[str, list[bytes]]:
    rng = random.Random(seed)
    corpus: dict[str, list[bytes]] = {
        "int (4 B)": [
            rng.randint(-(2**31), 2**31 - 1).to_bytes(4, "big", signed=True) for _ in range(per_kind)
        ],
        "bigint (8 B)": [
            rng.randint(-(2**63), 2**63 - 1).to_bytes(8, "big", signed=True) for _ in range(per_kind)
        ],
        "uuid (16 B)": [rng.getrandbits(128).to_bytes(16, "big") for _ in range(per_kind)],
        "ascii text": [_text(rng, _ASCII, 3, 24).encode() for _ in range(per_kind)],
        "utf-8 text": [
            (_text(rng, _ASCII, 0, 8) + _text(rng, _NON_ASCII, 1, 6) + _text(rng, _ASCII, 0, 8)).encode()
            for _ in range(per_kind)
        ],
        "composite": [
            composite_key(
                [
                    rng.randint(-(2**31), 2**31 - 1).to_bytes(4, "big", signed=True),
                    _text(rng, _ASCII + _NON_ASCII, 2, 12).encode(),
                ]
                if i % 2
                else [rng.getrandbits(128).to_bytes(16, "big"), rng.randint(0, 2**31 - 1).to_bytes(4, "big")]
            )
            for i in range(per_kind)
        ],
    }
    mixed = [key for keys in corpus.values() for key in keys]
    rng.shuffle(mixed)
    return {"mixed": mixed, **corpus}


def best_times(
    functions: Sequence[Callable[[bytes], int]], keys: Sequence[bytes], repeats: int
) -> list[float]:
    """Best time of each function; passes alternate between functions so drift hits them alike."""
    best = [float("inf")] * len(functions)
    for _ in range(repeats):
        for i, function in enumerate(functions):
            start = time.perf_counter()
            for key in keys:
                function(key)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def bare_wrapper(key: bytes) -> int:
    """The least a Python-level get_token can do: one mmh3 call (no quirk, no checks). A speed floor only."""
    return _hash(key)[0]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=20_000, help="keys of each kind (default 20000)")
    parser.add_argument("--repeats", type=int, default=5, help="passes per measurement; the best counts")
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args(argv)

    corpus = build_corpus(args.per_kind, args.seed)
    mismatches = sum(get_token(key) != murmur3(key) for key in corpus["mixed"])
    if mismatches:
        raise SystemExit(f"{mismatches} keys hash differently from cassandra-driver")

    print(f"python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}")
    print(f"{args.per_kind} keys per kind, seed {args.seed}, best of {args.repeats}")
    print()
    columns = ["corpus", "keys", "cqlkit tokens/s", "driver tokens/s", "ratio", "floor ratio"]
    widths = [14, 7, 15, 15, 5, 11]
    print(
        "| "
        + " | ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(columns, widths, strict=True))
        )
        + " |"
    )
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for kind, keys in corpus.items():
        ours, driver, bare = (
            len(keys) / t for t in best_times([get_token, murmur3, bare_wrapper], keys, args.repeats)
        )
        name = f"**{kind}**" if kind == "mixed" else kind
        print(
            f"| {name:<14} | {len(keys):>7} | {ours:>15,.0f} | {driver:>15,.0f} | {ours / driver:>5.2f} "
            f"| {bare / driver:>11.2f} |"
        )
    print()
    print(
        "ratio = cqlkit / driver; floor ratio = bare_wrapper / driver, a bound for any Python-level get_token"
    )


if __name__ == "__main__":
    main()
