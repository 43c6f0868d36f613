"""``-F json|yaml``: nodetool's machine-readable output (``StatsPrinter.JsonPrinter``/``YamlPrinter``)."""

from __future__ import annotations

import json
import math
from typing import Any

from admin.nodetool.command import UsageError

FORMATS = ("json", "yaml")


def check(fmt: str | None) -> None:
    if fmt is not None and fmt not in FORMATS:
        raise UsageError("arguments for -F are json,yaml only.")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _yaml(value: Any, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}\n"
        out = []
        for k, v in value.items():
            if isinstance(v, dict) and v:
                out.append(f"{pad}{k}:\n{_yaml(v, indent + 1)}")
            else:
                out.append(f"{pad}{k}: {_yaml(v, indent + 1).strip()}\n")
        return "".join(out)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v).strip() for v in value) + "]"
    if isinstance(value, str):
        return f"'{value}'" if value in ("NaN", "") or value[:1].isdigit() else value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def dump(document: dict[str, Any], fmt: str) -> str:
    check(fmt)
    plain = _plain(document)
    if fmt == "json":
        return json.dumps(plain, indent=2) + "\n"
    return _yaml(plain) + "\n"
