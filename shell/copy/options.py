"""COPY's options: cqlsh's names, defaults, conversions and config-file sections (``copyutil.parse_options``).

Options come from the ``WITH`` clause (names case-insensitive) over those read from a config file:
``CONFIGFILE``, else cqlshrc, sections ``[copy]``, ``[copy-to]``/``[copy-from]``, ``[copy:ks.table]``,
``[copy-to:ks.table]``/``[copy-from:ks.table]`` in that order, each read announced as cqlsh announces
it (``Reading options from FILE:[section]: {...}``, then ``Reading options from the command line:
{...}``). Values convert as cqlsh converts them, so a bad number fails with Python's own message
(``invalid literal for int() with base 10: 'x'``); unknown names are collected and reported by the
caller (``Unrecognized COPY FROM options: x``).

Defaults: DELIMITER ``,``, QUOTE ``"``, ESCAPE ``\\`` (the same character as QUOTE means doubled
quotes), HEADER false, NULL ``''``, DATETIMEFORMAT the display format, MAXATTEMPTS 5,
REPORTFREQUENCY 0.25, DECIMALSEP ``.``, THOUSANDSSEP ``''``, BOOLSTYLE ``True,False``, NUMPROCESSES
cores - 1 (1 to 16), CHUNKSIZE 5000, INGESTRATE 100000, MINBATCHSIZE 10, MAXBATCHSIZE 20, MAXROWS -1,
SKIPROWS 0, SKIPCOLS ``''``, MAXPARSEERRORS -1, MAXINSERTERRORS 1000, ERRFILE ``import_ks_table.err``,
PREPAREDSTATEMENTS true, TTL -1; TO: ENCODING utf8, PAGESIZE 1000, PAGETIMEOUT max(10, 10 per 1000
rows of page), BEGINTOKEN/ENDTOKEN none, MAXREQUESTS 6, MAXOUTPUTSIZE -1, FLOATPRECISION 5,
DOUBLEPRECISION 12.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Dialect:
    """The CSV dialect (Python's ``csv`` module parameters)."""

    delimiter: str = ","
    quotechar: str = '"'
    escapechar: str | None = "\\"
    doublequote: bool = False

    def kwargs(self) -> dict[str, object]:
        found: dict[str, object] = {
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            "doublequote": self.doublequote,
        }
        if self.escapechar is not None:
            found["escapechar"] = self.escapechar
        return found


@dataclass(frozen=True)
class CopyOptions:
    dialect: Dialect
    nullval: str = ""
    header: bool = False
    encoding: str = "utf8"
    maxrequests: int = 6
    pagesize: int = 1000
    pagetimeout: float = 10
    maxattempts: int = 5
    datetimeformat: str = "%Y-%m-%d %H:%M:%S.%f%z"
    floatprecision: int = 5
    doubleprecision: int = 12
    chunksize: int = 5000
    ingestrate: int = 100000
    maxbatchsize: int = 20
    minbatchsize: int = 10
    reportfrequency: float = 0.25
    decimalsep: str = "."
    thousandssep: str = ""
    boolstyle: tuple[str, str] = ("True", "False")
    numprocesses: int = 1
    begintoken: str = ""
    endtoken: str = ""
    maxrows: int = -1
    skiprows: int = 0
    skipcols: str = ""
    maxparseerrors: int = -1
    maxinserterrors: int = 1000
    errfile: str = ""
    ratefile: str = ""
    #: requests in flight per process (cqlsh's hidden MAXINFLIGHTMESSAGES, per connection): COPY FROM's window
    maxinflightmessages: int = 512
    maxoutputsize: int = -1
    preparedstatements: bool = True
    ttl: int = -1
    unrecognized: Mapping[str, str] = field(default_factory=dict)


def default_processes(env: Mapping[str, str] = os.environ) -> int:
    """cqlsh's ``get_num_processes(16)``: the cores less one (the parent's), between 1 and 16."""
    cores_text = env.get("CQLSH_COPY_TEST_NUM_CORES", "")
    cores = int(cores_text) if cores_text else (os.cpu_count() or 1)
    return max(1, min(16, cores - 1))


def read_config(
    given: Mapping[str, str],
    direction: str,
    keyspace: str,
    table: str,
    cqlshrc: Path,
    say: Callable[[str], None],
) -> dict[str, str]:
    """The options in effect: config file sections, then ``given`` (the WITH clause) on top."""
    opts = dict(given)
    config_file = opts.pop("configfile", "") or str(cqlshrc)
    if not os.path.isfile(config_file):
        return opts
    parser = configparser.RawConfigParser()
    with open(config_file, encoding="utf-8") as handle:
        parser.read_file(handle)
    found: dict[str, str] = {}
    for section in (
        "copy",
        f"copy-{direction}",
        f"copy:{keyspace}.{table}",
        f"copy-{direction}:{keyspace}.{table}",
    ):
        if parser.has_section(section):
            values = dict(parser.items(section))
            say(f"Reading options from {config_file}:[{section}]: {values}")
            found.update(values)
    if opts:
        say(f"Reading options from the command line: {opts}")
        found.update(opts)
    return found


def parse_options(opts: Mapping[str, str], *, keyspace: str, table: str, display_format: str) -> CopyOptions:
    """cqlsh's conversions, in its order (so the first bad value is the one reported)."""
    opts = dict(opts)
    quote = opts.pop("quote", '"')
    escape: str | None = opts.pop("escape", "\\")
    delimiter = opts.pop("delimiter", ",")
    doublequote = quote == escape
    dialect = Dialect(delimiter, quote, None if doublequote else escape, doublequote)
    pagesize = int(opts.pop("pagesize", 1000))
    values: dict[str, object] = {
        "nullval": opts.pop("null", ""),
        "header": opts.pop("header", "").lower() == "true",
        "encoding": opts.pop("encoding", "utf8"),
        "maxrequests": int(opts.pop("maxrequests", 6)),
        "pagesize": pagesize,
        "pagetimeout": int(opts.pop("pagetimeout", max(10, 10 * (pagesize / 1000)))),
        "maxattempts": int(opts.pop("maxattempts", 5)),
        "datetimeformat": opts.pop("datetimeformat", display_format),
        "floatprecision": int(opts.pop("floatprecision", "5")),
        "doubleprecision": int(opts.pop("doubleprecision", "12")),
        "chunksize": int(opts.pop("chunksize", 5000)),
        "ingestrate": int(opts.pop("ingestrate", 100000)),
        "maxbatchsize": int(opts.pop("maxbatchsize", 20)),
        "minbatchsize": int(opts.pop("minbatchsize", 10)),
        "reportfrequency": float(opts.pop("reportfrequency", 0.25)),
        "decimalsep": opts.pop("decimalsep", "."),
        "thousandssep": opts.pop("thousandssep", ""),
    }
    styles = [s.strip() for s in opts.pop("boolstyle", "True, False").split(",")]
    values.update(
        numprocesses=int(opts.pop("numprocesses", default_processes())),
        begintoken=opts.pop("begintoken", ""),
        endtoken=opts.pop("endtoken", ""),
        maxrows=int(opts.pop("maxrows", "-1")),
        skiprows=int(opts.pop("skiprows", "0")),
        skipcols=opts.pop("skipcols", ""),
        maxparseerrors=int(opts.pop("maxparseerrors", "-1")),
        maxinserterrors=int(opts.pop("maxinserterrors", "1000")),
        errfile=_normpath(opts.pop("errfile", f"import_{keyspace}_{table}.err")),
        ratefile=_normpath(opts.pop("ratefile", "")),
        maxoutputsize=int(opts.pop("maxoutputsize", "-1")),
        preparedstatements=opts.pop("preparedstatements", "true").lower() == "true",
        ttl=int(opts.pop("ttl", -1)),
    )
    # hidden options cqlsh accepts: the in-flight window, and tunings of its worker processes cqlkit has no
    # use for (converted all the same, so a bad value is refused as cqlsh refuses it)
    values["maxinflightmessages"] = int(opts.pop("maxinflightmessages", "512"))
    for hidden in (
        "maxpendingchunks",
        "requesttimeout",
        "childtimeout",
    ):
        if hidden in opts:
            int(opts.pop(hidden))
    if len(styles) != 2 or styles[0] == styles[1] or not styles[0] or not styles[1]:
        raise ValueError(f"Invalid boolean styles {styles}")
    return CopyOptions(dialect=dialect, boolstyle=(styles[0], styles[1]), unrecognized=opts, **values)  # type: ignore[arg-type]


def _normpath(path: str) -> str:
    """cqlsh's ``safe_normpath``."""
    return os.path.normpath(os.path.expanduser(path)) if path else path
