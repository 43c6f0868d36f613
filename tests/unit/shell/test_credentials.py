"""Username and password: command line, then the credentials file (if private), then cqlshrc."""

from __future__ import annotations

from pathlib import Path

from shell.credentials import PASSWORD_ON_COMMAND_LINE, resolve


def _file(path: Path, mode: int) -> str:
    path.write_text("[plain_text_auth]\nusername = filed\npassword = secret\n")
    path.chmod(mode)
    return str(path)


def test_precedence(tmp_path: Path) -> None:
    private = _file(tmp_path / "credentials", 0o600)
    found = resolve(
        username=None, password=None, credentials_file=private, rc_username="rc", rc_password="rcpw"
    )
    assert (found.username, found.password, found.warnings) == ("filed", "secret", "")
    given = resolve(
        username="cli", password="pw", credentials_file=private, rc_username=None, rc_password=None
    )
    assert (given.username, given.password, given.warnings) == ("cli", "pw", PASSWORD_ON_COMMAND_LINE)
    quiet = resolve(
        username="cli",
        password="pw",
        credentials_file=private,
        rc_username=None,
        rc_password=None,
        quiet_password=True,
    )
    assert quiet.warnings == ""
    missing = resolve(
        username=None,
        password=None,
        credentials_file=str(tmp_path / "none"),
        rc_username="rc",
        rc_password="rcpw",
    )
    assert (missing.username, missing.password, missing.warnings) == ("rc", "rcpw", "")


def test_a_file_others_can_read_is_ignored_with_cqlshs_warning(tmp_path: Path) -> None:
    shared = _file(tmp_path / "shared", 0o644)
    found = resolve(username=None, password=None, credentials_file=shared, rc_username=None, rc_password=None)
    assert (found.username, found.password) == (None, None)
    assert found.warnings.startswith(
        f"\nWarning: Credentials file '{shared}' exists but is not used, because:"
    )
