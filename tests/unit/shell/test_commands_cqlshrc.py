"""cqlshrc: what is read from it, and how ``cqlkit cqlsh`` uses it (the command line wins)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from shell import cqlshrc
from shell.cli import main


def test_read_settings(tmp_path: Path) -> None:
    path = tmp_path / "cqlshrc"
    path.write_text(
        "[ui]\ncolor = off\nfloat_precision = 3\ndouble_precision = 7\ntime_format = %Y-%m-%d %H:%M%z\n"
        "timezone = Europe/Paris\n[authentication]\nkeyspace = shop\n[tracing]\nmax_trace_wait = 2.5\n"
    )
    rc = cqlshrc.read(path)
    assert rc == cqlshrc.Cqlshrc(
        path=path,
        color=False,
        float_precision=3,
        double_precision=7,
        time_format="%Y-%m-%d %H:%M%z",
        timezone="Europe/Paris",
        keyspace="shop",
        max_trace_wait=2.5,
    )


def test_missing_or_broken_files_give_the_defaults(tmp_path: Path) -> None:
    assert cqlshrc.read(tmp_path / "none") == cqlshrc.Cqlshrc(tmp_path / "none")
    broken = tmp_path / "broken"
    broken.write_text("no section\n")
    assert cqlshrc.read(broken) == cqlshrc.Cqlshrc(broken)
    odd = tmp_path / "odd"
    odd.write_text("[ui]\nfloat_precision = many\ncolor = perhaps\n")
    assert cqlshrc.read(odd) == cqlshrc.Cqlshrc(odd)


def test_a_specified_file_that_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    located = cqlshrc.locate(str(tmp_path / "nope"))
    default = tmp_path / ".cassandra" / "cqlshrc"
    assert located.path == default
    assert located.notice == (
        f"\nWarning: Specified cqlshrc location `{tmp_path / 'nope'}` does not exist.  Using `{default}` instead.\n\n"
    )


def test_the_shell_uses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TZ", raising=False)
    rc = tmp_path / "rc"
    rc.write_text("[ui]\nfloat_precision = 2\n[authentication]\nkeyspace = shop\nusername = bob\n")
    cluster = str(tmp_path / "cluster")
    setup = (
        "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};"
        "CREATE TABLE shop.t (k int PRIMARY KEY, f float);"
        "INSERT INTO shop.t (k, f) VALUES (1, 3.14159);"
    )
    assert main(["--cluster", cluster, "-e", setup], stdout=io.StringIO(), stderr=io.StringIO()) == 0
    out, err = io.StringIO(), io.StringIO()
    code = main(["--cluster", cluster, "--cqlshrc", str(rc), "-e", "SELECT f FROM t"], stdout=out, stderr=err)
    assert (code, out.getvalue()) == (0, "\n f\n------\n 3.14\n\n(1 rows)\n")
    assert err.getvalue() == cqlshrc.CREDENTIALS_NOTICE
    out = io.StringIO()
    code = main(
        ["--cluster", cluster, "--cqlshrc", str(rc), "-k", "nope", "-e", "SELECT 1"], stdout=out, stderr=err
    )
    assert code == 1
    assert err.getvalue().endswith(
        "Connection error: (\"Unable to connect to any servers using keyspace 'nope'\", ['127.0.0.1'])\n"
    )
