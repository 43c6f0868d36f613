"""``python -m shell [options] [host [port]]``: ``cqlkit cqlsh`` without the ``cqlkit`` command's own
start-up (its typer application and every command group), for scripts that start many shells."""

import sys

from shell.cli import main

sys.exit(main())
