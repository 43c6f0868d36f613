"""The ``cqlkit`` console script: ``cqlkit cqlsh ...`` goes straight to the shell, everything else to the
typer application (``admin.cli.app``).

cqlsh is what people run most, often many times from scripts (``cqlkit cqlsh -e ...``): it parses its own
options (cqlsh's), so importing typer and every command module first would only add start-up time
(docs/benchmarks.md, "Shell"). ``cqlkit --help`` and the other commands are unchanged.
"""

from __future__ import annotations

import sys


def main() -> None:
    argv = sys.argv[1:]
    if argv and argv[0] == "cqlsh":
        from shell.cli import main as cqlsh_main

        raise SystemExit(cqlsh_main(argv[1:]))
    from admin.cli.app import main as app_main

    app_main()
