"""The shell-completion scripts for the ``cqlkit`` command (``completions/``) complete from cqlkit's own
help output: commands, nodetool commands, tutorial names and options."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "completions"
BASH = shutil.which("bash")


def bash_complete(words: list[str]) -> list[str]:
    """COMPREPLY after completing the last of ``words`` with completions/cqlkit.bash."""
    line = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {SCRIPTS / 'cqlkit.bash'}; COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); "
        '_cqlkit; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [BASH, "-c", program], capture_output=True, text=True, env=env, timeout=60, check=True
    )
    return [w for w in done.stdout.splitlines() if w]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_bash_completes_commands_nodetool_tutorials_and_options() -> None:
    assert {"cqlsh", "serve", "nodetool", "tutorial"} <= set(bash_complete(["cqlkit", ""]))
    assert bash_complete(["cqlkit", "nodetool", "statusa"]) == ["statusautocompaction"]
    assert bash_complete(["cqlkit", "tutorial", "gy"]) == ["gyms"]
    assert bash_complete(["cqlkit", "cqlsh", "--request-t"]) == ["--request-timeout"]
    assert bash_complete(["cqlkit", "cqlsh", "--mo"]) == ["--mode"]
    assert bash_complete(["cqlkit", "cqlsh", "--mode", ""]) == ["tabular", "csv", "json"]
    assert bash_complete(["cqlkit", "cqlsh", "--pa"]) == ["--pager", "--password"]
    assert bash_complete(["cqlkit", "serve", "--po"]) == ["--port"]


def test_every_shell_has_a_script() -> None:
    names = {p.name for p in SCRIPTS.iterdir()}
    assert {"cqlkit.bash", "_cqlkit", "cqlkit.fish"} <= names
    assert (SCRIPTS / "_cqlkit").read_text().startswith("#compdef cqlkit\n")
