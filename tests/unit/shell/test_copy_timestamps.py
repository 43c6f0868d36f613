"""COPY FROM reads timestamps in cqlsh's default format without strptime: whenever the fast reading gives
a value, it is exactly ``strptime(...).timestamp() * 1000``; every other text is left to strptime."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from shell.copy.conversion import DEFAULT_TIME_FORMAT, _default_format


def _field(low: int, high: int, widths: tuple[int, ...] = (1, 2)) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(low, high), st.sampled_from(widths)).map(lambda t: str(t[0]).zfill(t[1]))


texts = st.builds(
    lambda y, mo, d, h, mi, s, f, sign, oh, om: f"{y}-{mo}-{d} {h}:{mi}:{s}.{f}{sign}{oh}{om}",
    _field(0, 10000, (1, 4)),
    _field(0, 14),
    _field(0, 33),
    _field(0, 25),
    _field(0, 61),
    _field(0, 62),
    st.integers(0, 999999).map(str),
    st.sampled_from("+-"),
    _field(0, 25, (2,)),
    _field(0, 61, (2,)),
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(texts)
def test_the_fast_reading_is_strptimes(text: str) -> None:
    fast = _default_format(text)
    if fast is None:
        return
    reference = datetime.datetime.strptime(text, DEFAULT_TIME_FORMAT)
    assert fast == reference.timestamp() * 1000  # the same float, bit for bit


def test_common_texts_take_the_fast_reading() -> None:
    assert _default_format("2024-01-02 03:04:05.678+0000") == 1704164645678.0
    assert _default_format("2024-01-02 03:04:05.678-0130") == 1704164645678.0 + 90 * 60 * 1000
    assert _default_format("1969-12-31 23:59:59.5+0000") == -500.0
    for other in (
        "2024-01-02 03:04:05+0000",
        "2024-13-02 03:04:05.1+0000",
        "2023-02-29 03:04:05.1+0000",
        "2024-01-02 03:04:05.1+0060",
        "2024-01-02 24:04:05.1+0000",
    ):
        assert _default_format(other) is None  # strptime decides
