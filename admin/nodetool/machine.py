"""``-F json|yaml``: nodetool's machine-readable output (``StatsPrinter.JsonPrinter``/``YamlPrinter``).

nodetool has it for tablestats, tpstats and compactionhistory. cqlkit adds it, as an extension, to
status, info, ring, compactionstats and listsnapshots: there the document is the NodeProbe answer itself
(field names as in ``engine.probe.values``, sizes in bytes, fractions as fractions)."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from admin.nodetool.command import UsageError

FORMATS = ("json", "yaml")


def check(fmt: str | None) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise UsageError("arguments for -F are json,yaml only.")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"'{value}'" if value in ("NaN", "", "true", "false", "null") or value[:1].isdigit() else value
    return str(value)


def _yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML (snakeyaml's default layout): mappings ``key: value``, sequences of mappings as
    ``- `` items, sequences of scalars in flow style."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return f"{pad}{{}}\n"
        out = []
        for k, v in value.items():
            if (isinstance(v, dict) and v) or (isinstance(v, list) and any(isinstance(x, dict) for x in v)):
                out.append(f"{pad}{k}:\n{_yaml(v, indent + 1)}")
            else:
                out.append(f"{pad}{k}: {_yaml(v).strip()}\n")
        return "".join(out)
    if isinstance(value, list):
        if not any(isinstance(x, dict) for x in value):
            return "[" + ", ".join(_scalar(x) for x in value) + "]"
        return "".join(f"{pad}- {_yaml(item, indent + 1).lstrip()}" for item in value)
    return _scalar(value)


def document(value: Any) -> Any:
    """A NodeProbe answer (dataclasses, tuples, UUIDs, enums, datetimes) as plain JSON values."""
    return _plain(value)


def dump(document: Any, fmt: str) -> str:
    check(fmt)
    plain = _plain(document)
    if fmt == "json":
        return json.dumps(plain, indent=2) + "\n"
    return _yaml(plain)
