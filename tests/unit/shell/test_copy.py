"""COPY TO / FROM over the embedded connection, and COPY's pure parts (options, conversion, progress).

The remote connection's COPY is proven against the real cqlsh in tests/integration/test_differential.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from cassandra import cqltypes

from shell.batch import run_lines
from shell.connection.embedded import EmbeddedConnection
from shell.copy.conversion import ParseError, RowConverter, parse_duration, split
from shell.copy.options import parse_options
from shell.copy.progress import RateMeter, describe_interval

KEYSPACE = (
    "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
)


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedConnection]:
    conn = EmbeddedConnection(tmp_path_factory.mktemp("copy") / "cluster")
    for statement in (
        KEYSPACE,
        "CREATE TABLE ks.kv (k int PRIMARY KEY, v text, f float, t timestamp, l list<int>)",
        "CREATE TABLE ks.hits (page text PRIMARY KEY, n counter)",
    ):
        list(conn.execute(statement))
    yield conn
    conn.close()


def batch(
    connection: EmbeddedConnection, text: str, cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("CQLSH_COPY_TEST_NUM_CORES", "3")
    out, err = io.StringIO(), io.StringIO()
    run_lines(io.StringIO(text), connection, out, err, source="<stdin>")
    return out.getvalue(), err.getvalue()


def masked(text: str) -> str:
    import re

    text = re.sub(r"Processed: \d+ rows; Rate: +\d+ rows/s; Avg\. rate: +\d+ rows/s\r\r", "", text)
    return re.sub(r" in [0-9a-z ,.]+ seconds", " in T seconds", text)


def test_round_trip_with_errors_and_stdin(
    connection: EmbeddedConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in.csv").write_text(
        'k,f,l,t,v\n1,1.5,"[1, 2]",2024-01-02 03:04:05.678+0000,one\n2,,,,\nx,,,,bad\n3,short\n'
    )
    out, err = batch(
        connection,
        "COPY ks.kv FROM 'in.csv' WITH HEADER = true;\n"
        "COPY ks.kv FROM STDIN;\n"
        "4,,,,four\n"
        ".\n"
        "COPY ks.kv TO 'out.csv' WITH HEADER = true AND NULL = '-';\n"
        "COPY ks.kv (k, v) TO STDOUT;\n",
        tmp_path,
        monkeypatch,
    )
    assert err == (
        "<stdin>:2:Failed to import 1 rows: ParseError - Failed to parse x : invalid literal for int() "
        "with base 10: 'x',  given up without retries\n"
        "<stdin>:2:Failed to import 1 rows: ParseError - Invalid row length 2 should be 5,  given up without retries\n"
        "<stdin>:2:Failed to process 2 rows; failed rows written to import_ks_kv.err\n"
    )
    # the second COPY FROM renamed the first one's error file (with a timestamp) before starting
    (renamed,) = tmp_path.glob("import_ks_kv.err.*")
    assert renamed.read_bytes() == b"x,,,,bad\r\n3,short\r\n"
    assert masked(out) == (
        "Using 2 child processes\n\nStarting copy of ks.kv with columns [k, f, l, t, v].\n\n"
        "2 rows imported from 1 files in T seconds (0 skipped).\n"
        "Using 2 child processes\n\nStarting copy of ks.kv with columns [k, f, l, t, v].\n"
        "[Use . on a line by itself to end input]\n\n"
        "1 rows imported from 1 files in T seconds (0 skipped).\n"
        "Using 2 child processes\n\nStarting copy of ks.kv with columns [k, f, l, t, v].\n\n"
        "3 rows exported to 1 files in T seconds.\n"
        "1,one\r\n2,\r\n4,four\r\n"
    )
    assert (tmp_path / "out.csv").read_text().splitlines() == [
        "k,f,l,t,v",
        '1,1.5,"[1, 2]",2024-01-02 03:04:05.678+0000,one',
        "2,-,-,-,-",
        "4,-,-,-,four",
    ]


def test_counters_are_added(
    connection: EmbeddedConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hits.csv").write_text("home,3\nabout,1\n")
    batch(connection, "COPY ks.hits FROM 'hits.csv';\nCOPY ks.hits FROM 'hits.csv';\n", tmp_path, monkeypatch)
    out, _ = batch(connection, "COPY ks.hits TO STDOUT;\n", tmp_path, monkeypatch)
    assert sorted(out.splitlines()) == ["about,2", "home,6"]


def test_missing_table_and_keyspace(
    connection: EmbeddedConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, err = batch(
        connection,
        "COPY ks.nope TO STDOUT;\nCOPY nope.t TO STDOUT;\nCOPY t TO STDOUT;\n",
        tmp_path,
        monkeypatch,
    )
    assert err == (
        "<stdin>:2:Column family nope not found\n<stdin>:3:Keyspace 'nope' not found.\n<stdin>:4:Not in any keyspace.\n"
    )


def test_options_follow_cqlsh() -> None:
    options = parse_options(
        {
            "delimiter": "|",
            "quote": "'",
            "escape": "'",
            "boolstyle": "yes, no",
            "maxrows": "5",
            "nosuch": "1",
        },
        keyspace="ks",
        table="t",
        display_format="%Y",
    )
    assert options.dialect.kwargs() == {"delimiter": "|", "quotechar": "'", "doublequote": True}
    assert (options.boolstyle, options.maxrows, options.errfile) == (("yes", "no"), 5, "import_ks_t.err")
    assert dict(options.unrecognized) == {"nosuch": "1"}
    with pytest.raises(ValueError, match="invalid literal for int"):
        parse_options({"maxattempts": "x"}, keyspace="ks", table="t", display_format="%Y")
    with pytest.raises(ValueError, match=r"Invalid boolean styles \['a'\]"):
        parse_options({"boolstyle": "a"}, keyspace="ks", table="t", display_format="%Y")
    assert options.maxinflightmessages == 512  # cqlsh's hidden option, and its default
    with pytest.raises(ValueError, match="invalid literal for int"):
        parse_options({"maxinflightmessages": "many"}, keyspace="ks", table="t", display_format="%Y")


def test_the_in_flight_window_is_processes_times_maxinflightmessages(
    connection: EmbeddedConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    windows: list[int] = []
    write = connection.write

    def recording(query, batches, consistency, concurrency, counter=False):  # type: ignore[no-untyped-def]
        windows.append(concurrency)
        return write(query, batches, consistency, concurrency, counter)

    monkeypatch.setattr(connection, "write", recording)
    (tmp_path / "in.csv").write_text("1,,,,one\n2,,,,two\n")
    batch(connection, "COPY ks.kv FROM 'in.csv';\n", tmp_path, monkeypatch)
    batch(
        connection,
        "COPY ks.kv FROM 'in.csv' WITH NUMPROCESSES = 2 AND MAXINFLIGHTMESSAGES = 3;\n",
        tmp_path,
        monkeypatch,
    )
    assert windows == [2 * 512, 2 * 3]  # CQLSH_COPY_TEST_NUM_CORES=3: two processes by default


def test_conversion() -> None:
    types = [cqltypes.Int32Type, cqltypes.MapType.apply_parameters([cqltypes.UTF8Type, cqltypes.Int32Type])]
    converter = RowConverter(
        ["k", "m"],
        types,
        ["k"],
        nullval="",
        decimal_sep=".",
        thousands_sep=",",
        boolstyle=("True", "False"),
        datetimeformat="%Y",
        protocol_version=5,
    )
    assert converter.convert(["1,000", "{'a': 1, 'b''c': 2}"]) == [
        (1000).to_bytes(4, "big"),
        types[1].to_binary({"a": 1, "b'c": 2}, 5),
    ]
    with pytest.raises(ParseError, match="Cannot insert null value for primary key column 'k'"):
        converter.convert(["", "{}"])
    assert split("[1, '2,3', (4, 5)]") == ["1", " '2,3'", " (4, 5)"]
    assert parse_duration("1y2mo3d4h5m6s7ms8us9ns").months == 14


def test_progress_text() -> None:
    now = [100.0]
    out = io.StringIO()
    meter = RateMeter(out, 0.25, clock=lambda: now[0])
    meter.increment(10)
    now[0] = 101.0
    meter.increment(10)
    assert out.getvalue() == "Processed: 20 rows; Rate:      20 rows/s; Avg. rate:      20 rows/s\r\r"
    assert describe_interval(0.5) == "0.500 seconds"
    assert describe_interval(2.25) == "0 day, 0 hour, 0 minute, and 2.250 seconds"
    assert describe_interval(125.0) == "0 day, 0 hour, 2 minutes, and 5.000 seconds"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_a_live_line() -> None:
    now = [0.0]
    out = _Terminal()
    meter = RateMeter(out, 0.25, clock=lambda: now[0])
    now[0] = 1.0
    meter.increment(1500)
    assert meter.finish() == 1500
    assert "Processed: 1,500 rows" in out.getvalue() and "Processed: 1500 rows; Rate" not in out.getvalue()
