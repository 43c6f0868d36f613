"""The empty value (``cassandra.cqltypes.EMPTY``): a zero-length value of a type that has no empty form.

The result model carries cassandra-driver's sentinel for it (``shell.output.result``). It exists only
once ``cassandra.cqltypes`` is loaded, and only a connection that loaded it can have produced one, so
asking here never loads the driver: a shell that printed rows without it (the native connection's
usual case) starts faster.
"""

from __future__ import annotations

import sys


def is_empty(value: object) -> bool:
    types = sys.modules.get("cassandra.cqltypes")
    return types is not None and value is types.EMPTY
