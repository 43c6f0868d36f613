# ruff: noqa: W291 (nodetool pads the last column: expected outputs end lines in spaces)
"""Renderers and the command-line parser on their own: Java number formats, TableBuilder, airline's rules,
and ``status``/``ring`` of a three-node, two-datacenter ring (placement computed by ``engine.probe.ring``)."""

from __future__ import annotations

import contextlib
import io
import textwrap
import uuid
from types import MappingProxyType

import pytest

from admin.nodetool.command import UsageError, parse
from admin.nodetool.formatting import (
    TableBuilder,
    file_size,
    java_double,
    java_fixed,
    pretty_memory,
    shared_widths,
)
from admin.nodetool.main import COMMANDS, run
from engine.probe import EndpointDescription, NodeState, NodeStatus, RingEndpoint
from engine.probe import ring as probe_ring
from engine.schema.metadata import KeyspaceMetadata, ReplicationParams, Schema


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (1024, "1 KiB"),
        (111524, "108.91 KiB"),
        (1.5 * 1024**3, "1.5 GiB"),
        (5 * 1024**4, "5 TiB"),
    ],
)
def test_file_size(value: float, text: str) -> None:
    assert file_size(value) == text


def test_java_numbers() -> None:
    assert [java_double(v) for v in (0.0, 100.0, 0.85, 1e-4, 12345678.0, float("nan"))] == [
        "0.0",
        "100.0",
        "0.85",
        "1.0E-4",
        "1.2345678E7",
        "NaN",
    ]
    assert [java_fixed(v, 3) for v in (0.0405, 2.0, float("nan"))] == ["0.041", "2.000", "NaN"]
    assert [pretty_memory(v) for v in (0, 1023, 5123, 3 * 1024**2)] == ["0B", "1023B", "5.003KiB", "3.000MiB"]


def test_table_builder_pads_every_cell() -> None:
    table = TableBuilder()
    table.add("a", "bb", "c")
    table.add("ddd", "e")
    assert table.render() == "a   bb c\nddd e   \n"
    other = TableBuilder("  ")
    other.add("xxxxx", "y")
    assert other.render(shared_widths([table, other])) == "xxxxx  y    \n"


def test_parser_follows_airline() -> None:
    parsed = parse(["-h", "127.0.0.2", "snapshot", "-t", "s1", "ks", "-pp", "--", "-x"], COMMANDS)
    assert (parsed.command.name, parsed.value("host"), parsed.value("tag"), parsed.flag("print_port")) == (
        "snapshot",
        "127.0.0.2",
        "s1",
        True,
    )
    assert parsed.arguments == ["ks", "-x"]
    assert parse(["snapshot", "--tag=s2"], COMMANDS).value("tag") == "s2"
    with pytest.raises(UsageError, match=r"^Found unexpected parameters: \[-x\]$"):
        parse(["version", "-x"], COMMANDS)
    with pytest.raises(UsageError, match=r"^Required values for option 'host' not provided$"):
        parse(["-h"], COMMANDS)
    assert parse([], COMMANDS).command is None


def _endpoint(
    n: int, dc: str, tokens: tuple[int, ...], status: NodeStatus = NodeStatus.UP
) -> EndpointDescription:
    return EndpointDescription(
        name=f"node{n}",
        address=f"127.0.0.{n}",
        storage_port=7000,
        host_id=uuid.UUID(int=n),
        tokens=tokens,
        data_center=dc,
        rack="rack1",
        release_version="5.0.0",
        status=status,
        state=NodeState.NORMAL,
        started_at=None,
    )


class _RingProbe:
    """The ring questions of NodeProbe, answered by engine.probe.ring over given endpoints."""

    def __init__(self, endpoints: tuple[EndpointDescription, ...], schema: Schema) -> None:
        self.endpoints, self.schema = endpoints, schema

    def ownership(self, keyspace: str | None = None):  # type: ignore[no-untyped-def]
        return probe_ring.ownership(self.endpoints, self.schema, keyspace)

    def ring_endpoints(self) -> tuple[RingEndpoint, ...]:
        return tuple(RingEndpoint(e, 1024 * e.host_id.int) for e in self.endpoints)


def _schema(*keyspaces: KeyspaceMetadata) -> Schema:
    return Schema(MappingProxyType({k.name: k for k in keyspaces}))


def _nodetool(probe: object, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(
        list(args), out=out, err=io.StringIO(), connect=lambda host, port: contextlib.nullcontext(probe)
    )
    return code, out.getvalue()


RING = (
    _endpoint(1, "dc1", (-6000000000000000000,)),
    _endpoint(2, "dc1", (0,), NodeStatus.DOWN),
    _endpoint(3, "dc2", (6000000000000000000,)),
)


def test_status_of_a_single_token_ring_in_two_datacenters() -> None:
    schema = _schema(KeyspaceMetadata("ks", ReplicationParams.simple(2)))
    code, out = _nodetool(_RingProbe(RING, schema), "status")
    assert code == 0
    assert out == textwrap.dedent(
        """\
        Datacenter: dc1
        ===============
        Status=Up/Down
        |/ State=Normal/Leaving/Joining/Moving
        --  Address    Load   Owns (effective)  Host ID                               Token                 Rack 
        UN  127.0.0.1  1 KiB  67.5%             00000000-0000-0000-0000-000000000001  -6000000000000000000  rack1
        DN  127.0.0.2  2 KiB  67.5%             00000000-0000-0000-0000-000000000002  0                     rack1

        Datacenter: dc2
        ===============
        Status=Up/Down
        |/ State=Normal/Leaving/Joining/Moving
        --  Address    Load   Owns (effective)  Host ID                               Token                 Rack 
        UN  127.0.0.3  3 KiB  65.1%             00000000-0000-0000-0000-000000000003  6000000000000000000   rack1

        """
    )


def test_status_notes_differing_replication() -> None:
    schema = _schema(
        KeyspaceMetadata("a", ReplicationParams.simple(1)), KeyspaceMetadata("b", ReplicationParams.simple(3))
    )
    code, out = _nodetool(_RingProbe(RING, schema), "status")
    assert code == 0
    lines = out.splitlines()
    assert (
        lines[4]
        == "--  Address    Load   Owns  Host ID                               Token                 Rack "
    )
    assert lines[5].split()[4] == "?"
    assert out.endswith(
        "\nNote: Non-system keyspaces don't have the same replication settings, effective ownership "
        "information is meaningless\n"
    )
    ring_lines = _nodetool(_RingProbe(RING, schema), "ring")[1].split("\n")
    assert ring_lines[4].rstrip() == " " * 74 + "0"
    assert ring_lines[6].split() == ["127.0.0.2", "rack1", "Down", "Normal", "2", "KiB", "?", "0"]
    assert ring_lines[10:12] == [
        "Address    Rack        Status State   Load            Owns                Token" + " " * 39,
        "",
    ]
    # With a keyspace named, ownership is that keyspace's: RF 3 on three nodes is 100% each.
    assert [
        line.split()[4]
        for line in _nodetool(_RingProbe(RING, schema), "status", "b")[1].splitlines()
        if line.startswith(("UN", "DN"))
    ] == ["100.0%"] * 3
