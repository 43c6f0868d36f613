"""``QueryOptions.with_values`` is ``dataclasses.replace`` of the values and timestamp, every other field
kept: a field added to the options and forgotten there fails this test."""

from __future__ import annotations

import dataclasses

from engine.db.consistency_level import ConsistencyLevel
from engine.service.query_options import QueryOptions


def test_with_values_keeps_every_other_field() -> None:
    changed = {
        "consistency": ConsistencyLevel.QUORUM,
        "values": (b"\x01",),
        "names": ("a",),
        "page_size": 10,
        "paging_state": b"\x02",
        "serial_consistency": ConsistencyLevel.LOCAL_SERIAL,
        "timestamp": 5,
        "keyspace": "ks",
        "now_in_seconds": 7,
        "tracing": True,
    }
    assert set(changed) == {f.name for f in dataclasses.fields(QueryOptions)}
    options = QueryOptions(**changed)  # type: ignore[arg-type]
    for f in dataclasses.fields(QueryOptions):
        assert getattr(options, f.name) != f.default, f.name  # every field away from its default
    made = options.with_values((b"\x03", None), 9)
    assert made == dataclasses.replace(options, values=(b"\x03", None), timestamp=9)
