"""docs/cli.md is what the ``cqlkit`` command prints today (admin/cli/docs.py generates it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin.cli import docs


@pytest.fixture(scope="module")
def rendered() -> str:
    """The page as the command prints it now (rendered once: each rendering runs ~50 help commands)."""
    return docs.render()


def test_docs_cli_md_is_up_to_date(rendered: str) -> None:
    # On failure: python -m admin.cli.docs, and review the diff of docs/cli.md.
    page = docs.DOC.read_text(encoding="utf-8")
    # every command and every long option, whatever the versions of Python, typer and rich
    assert docs.outline(page) == docs.outline(rendered)
    if docs.recorded_with(page) != docs.generated_with():
        pytest.skip(f"docs/cli.md's exact text is of {docs.recorded_with(page)}, not {docs.generated_with()}")
    assert page == rendered


def test_the_outline_sees_a_removed_option_and_a_removed_command(rendered: str) -> None:
    assert docs.recorded_with(rendered) == docs.generated_with()
    without_option = rendered.replace("--admin-port", "")
    assert docs.outline(without_option) != docs.outline(rendered)
    without_command = rendered.replace("## `cqlkit cluster liveset`", "## `cqlkit cluster livest`")
    assert docs.outline(without_command) != docs.outline(rendered)
    assert "--admin-port" in dict(docs.outline(rendered))["`cqlkit serve`"]


def test_every_command_group_and_nodetool_command_has_its_section(rendered: str) -> None:
    text = rendered
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    for command in ("cqlkit", "cqlkit cqlsh", "cqlkit serve", "cqlkit cluster", "cqlkit cluster create"):
        assert f"## `{command}`" in headings
    assert "## `cqlkit cluster node`" not in headings  # hidden: documented in `cqlkit cluster --help`
    status = text.split("## `cqlkit nodetool status`\n", 1)[1].split("\n## ", 1)[0]
    assert status.startswith(
        "\n```text\n$ cqlkit nodetool help status\nNAME\n"
        "        nodetool status - Print cluster information (state, load, IDs, ...)\n"
    )
    assert "\x1b[" not in text  # NO_COLOR: no escape sequences
    # typer's panels fill the fixed 80 columns (nodetool's command list is not wrapped, as nodetool's)
    panels = {len(line) for line in text.splitlines() if line.startswith(("╭", "╰"))}
    assert panels == {80}


def test_check_fails_on_a_stale_page_and_regeneration_fixes_it(
    rendered: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "cli.md"
    page.write_text(rendered.replace("Serve a cluster", "Serve a clustr"), encoding="utf-8")
    monkeypatch.setattr(docs, "DOC", page)
    assert docs.main(["--check"]) == 1
    assert capsys.readouterr().err == f"{page} is out of date: run python -m admin.cli.docs\n"
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
    assert page.read_text(encoding="utf-8") == rendered
