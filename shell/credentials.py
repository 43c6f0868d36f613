"""cqlsh's credentials file (``~/.cassandra/credentials``, ``--credentials``, cqlshrc ``[authentication]
credentials``) and where the username and password come from.

The file is INI: ``[plain_text_auth]`` ``username`` and ``password``. It is used only when it belongs to
the current user (or cqlsh runs as root) and is not readable by group or others; otherwise cqlsh warns
on stderr and ignores it. Precedence, as cqlsh's: the command line, then the credentials file, then the
(deprecated) cqlshrc ``[authentication]`` values. A password given on the command line draws cqlsh's
warning unless ``--insecure-password-without-warning``; a password in a cqlshrc that others can read
draws its own, before the deprecation notice.
"""

from __future__ import annotations

import configparser
import os
import stat
from dataclasses import dataclass
from pathlib import Path

INSECURE_FILE = (
    "\nWarning: Credentials file '{0}' exists but is not used, because:"
    "\n  a. the file owner is not the current user; or"
    "\n  b. the file is readable by group or other."
    "\nPlease ensure the file is owned by the current user and is not readable by group or other."
    "\nOn a Linux or UNIX-like system, you often can do this by using the `chown` and `chmod` commands:"
    "\n  chown YOUR_USERNAME credentials"
    "\n  chmod 600 credentials\n\n"
)
INSECURE_CQLSHRC = (
    "\nWarning: Password is found in an insecure cqlshrc file. The file is owned or readable by other "
    "users on the system."
)
PASSWORD_ON_COMMAND_LINE = (
    "\nWarning: Using a password on the command line interface can be insecure."
    "\nRecommendation: use the credentials file to securely provide the password.\n\n"
)


def is_file_secure(path: Path) -> bool:
    """cqlsh's ``is_file_secure``: a missing file is secure; otherwise owned by us (or we are root) and
    unreadable by group and others."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return True
    uid = os.getuid()
    owned = uid == 0 or info.st_uid == uid
    return owned and stat.S_IMODE(info.st_mode) & (stat.S_IRGRP | stat.S_IROTH) == 0


def default_path() -> Path:
    return Path(os.path.expanduser(os.path.join("~", ".cassandra", "credentials")))


@dataclass(frozen=True)
class Credentials:
    username: str | None
    password: str | None
    warnings: str  # for stderr, in cqlsh's order


def resolve(
    *,
    username: str | None,
    password: str | None,
    credentials_file: str | None,
    rc_username: str | None,
    rc_password: str | None,
    quiet_password: bool = False,
) -> Credentials:
    path = Path(os.path.expanduser(credentials_file)) if credentials_file else default_path()
    warnings = ""
    readable: Path | None = path
    if not is_file_secure(path):
        warnings += INSECURE_FILE.format(path)
        readable = None
    parser = configparser.RawConfigParser()
    if readable is not None:
        try:
            parser.read(readable, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            parser = configparser.RawConfigParser()

    def from_file(option: str) -> str | None:
        return parser.get("plain_text_auth", option) if parser.has_option("plain_text_auth", option) else None

    if not username:
        username = from_file("username") or rc_username
    if not password:
        password = from_file("password") or rc_password
    elif not quiet_password:
        warnings += PASSWORD_ON_COMMAND_LINE
    return Credentials(username, password, warnings)
