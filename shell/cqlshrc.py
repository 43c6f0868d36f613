"""cqlsh's configuration file, ``~/.cassandra/cqlshrc`` (INI), as far as cqlkit uses it.

Read as cqlsh reads it (``cqlshmain.read_options``): a missing file or option means the default; the
command line wins over the file. Used today:

* ``[ui]`` ``color`` (on/off, when neither ``-C`` nor ``--no-color`` is given), ``float_precision`` and
  ``double_precision`` (5), ``time_format`` (read raw: ``%`` needs no escaping), ``timezone``
  (``$TZ`` wins), ``tty``;
* ``[authentication]`` ``keyspace`` (when ``-k`` is not given); a ``username`` or ``password`` here
  draws cqlsh's deprecation notice on stderr;
* ``[tracing]`` ``max_trace_wait``;
* ``[connection]`` ``hostname``, ``port``, ``ssl``, ``timeout`` (connect), ``request_timeout``;
  ``[protocol]`` ``version``; ``[authentication]`` ``username``/``password`` (deprecated, but used when
  the command line gives none, as cqlsh does); ``[ssl]``/``[certfiles]`` (``shell.connection.tls``);
* ``[copy]``, ``[copy-to]``, ``[copy-from]`` and their ``:ks.table`` forms (``shell.copy.options``).

``--cqlshrc PATH`` names another file; if it does not exist cqlsh says so on stdout and uses the default.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FLOAT_PRECISION = 5
DEFAULT_DOUBLE_PRECISION = 5
DEFAULT_MAX_TRACE_WAIT = 10.0
#: what cqlsh prints on stderr when cqlshrc holds a username or password
CREDENTIALS_NOTICE = (
    "\nNotice: Credentials in the cqlshrc file is deprecated and will be ignored in the future."
    "\nPlease use a credentials file to specify the username and password.\n\n"
)


def default_path() -> Path:
    return Path(os.path.expanduser(os.path.join("~", ".cassandra", "cqlshrc")))


@dataclass(frozen=True)
class Cqlshrc:
    path: Path
    color: bool | None = None
    float_precision: int = DEFAULT_FLOAT_PRECISION
    double_precision: int = DEFAULT_DOUBLE_PRECISION
    time_format: str | None = None
    timezone: str | None = None
    tty: bool | None = None
    keyspace: str | None = None
    max_trace_wait: float = DEFAULT_MAX_TRACE_WAIT
    has_credentials: bool = False
    hostname: str | None = None
    port: str | None = None
    ssl: bool | None = None
    connect_timeout: str | None = None
    request_timeout: str | None = None
    protocol_version: str | None = None
    username: str | None = None
    password: str | None = None
    credentials: str | None = None


@dataclass(frozen=True)
class Located:
    """The file to read and what cqlsh prints (on stdout) about the choice."""

    path: Path
    notice: str = ""


def locate(specified: str | None) -> Located:
    default = default_path()
    if specified is None:
        return Located(default)
    path = Path(os.path.expanduser(specified))
    if path.exists():
        return Located(path)
    return Located(
        default,
        f"\nWarning: Specified cqlshrc location `{path}` does not exist.  Using `{default}` instead.\n\n",
    )


def read(path: Path) -> Cqlshrc:
    """The settings in ``path`` (defaults for whatever is missing, or for a missing file)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return Cqlshrc(path)

    def get(section: str, option: str) -> str | None:
        return parser.get(section, option) if parser.has_option(section, option) else None

    def flag(section: str, option: str) -> bool | None:
        try:
            return parser.getboolean(section, option) if parser.has_option(section, option) else None
        except ValueError:
            return None

    def number(section: str, option: str, default: float, kind: type) -> float:
        text = get(section, option)
        try:
            return kind(text) if text is not None else default
        except ValueError:
            return default

    return Cqlshrc(
        path=path,
        color=flag("ui", "color"),
        float_precision=int(number("ui", "float_precision", DEFAULT_FLOAT_PRECISION, int)),
        double_precision=int(number("ui", "double_precision", DEFAULT_DOUBLE_PRECISION, int)),
        time_format=get("ui", "time_format"),
        timezone=get("ui", "timezone"),
        tty=flag("ui", "tty"),
        keyspace=get("authentication", "keyspace"),
        max_trace_wait=number("tracing", "max_trace_wait", DEFAULT_MAX_TRACE_WAIT, float),
        has_credentials=bool(get("authentication", "username") or get("authentication", "password")),
        hostname=get("connection", "hostname"),
        port=get("connection", "port"),
        ssl=flag("connection", "ssl"),
        connect_timeout=get("connection", "timeout"),
        request_timeout=get("connection", "request_timeout"),
        protocol_version=get("protocol", "version"),
        username=get("authentication", "username"),
        password=get("authentication", "password"),
        credentials=get("authentication", "credentials"),
    )


def load(specified: str | None) -> tuple[Cqlshrc, str]:
    """The settings cqlsh would use, and the notice it prints on stdout about ``--cqlshrc`` ('' if none)."""
    located = locate(specified)
    return read(located.path), located.notice
