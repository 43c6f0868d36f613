"""Java behaviour Cassandra's messages and formats depend on, reproduced in Python.

Cassandra parses constants with ``Integer.parseInt``, ``Double.valueOf``, ``new BigDecimal(...)``;
prints doubles with ``Double.toString`` (``1.0E10``), inet addresses with ``getHostAddress``
(``0:0:0:0:0:0:0:1``), JSON strings with Jackson's encoder; and its JSON error messages show the
Java class and ``toString`` of what Jackson parsed (``Expected an int value, but got a Double: 1.5``).
Each function here is one such behaviour, so the type modules can read like Cassandra's.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal
from typing import Any

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_DOUBLE_RE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)\Z"
)
_HEX_DOUBLE_RE = re.compile(r"([+-]?)0[xX]([0-9a-fA-F]*(?:\.[0-9a-fA-F]*)?)[pP]([+-]?[0-9]+)[fFdD]?\Z")

INT_RANGES = {8: (-(2**7), 2**7 - 1), 16: (-(2**15), 2**15 - 1), 32: (-(2**31), 2**31 - 1)}
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def parse_integer(text: str, bits: int | None) -> int:
    """``Integer.parseInt``/``Long.parseLong``/``Short.parseShort``/``Byte.parseByte`` (``bits`` 32,
    64, 16, 8) or ``new BigInteger`` (``bits`` None): optional sign, ASCII digits, nothing else.
    Raises ``ValueError`` as Java throws ``NumberFormatException``."""
    if not _INT_RE.match(text):
        raise ValueError(text)
    value = int(text)
    if bits is not None:
        low, high = (LONG_MIN, LONG_MAX) if bits == 64 else INT_RANGES[bits]
        if not low <= value <= high:
            raise ValueError(text)
    return value


def parse_big_decimal(text: str) -> Decimal:
    """``new BigDecimal(String)``; ``ValueError`` for anything it refuses (NaN, spaces, ``1e``)."""
    if not _DECIMAL_RE.match(text):
        raise ValueError(text)
    return Decimal(text)


def parse_double(text: str) -> float:
    """``Double.valueOf(String)``: surrounding whitespace trimmed, ``NaN``/``Infinity`` spelled so,
    an optional ``d``/``f`` suffix, hexadecimal ``0x1.8p1`` forms."""
    s = text.strip(" \t\n\r\f\v\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16")
    if _DOUBLE_RE.match(s):
        body = s.rstrip("fFdD") if not s.endswith(("NaN", "Infinity")) else s
        if body.lstrip("+-") == "NaN":
            return math.nan
        if body.lstrip("+-") == "Infinity":
            return -math.inf if body.startswith("-") else math.inf
        return float(body)
    hexed = _HEX_DOUBLE_RE.match(s)
    if hexed and hexed.group(2) not in ("", "."):
        sign, mantissa, exponent = hexed.groups()
        return float.fromhex(f"{sign}0x{mantissa}p{exponent}")
    raise ValueError(text)


def to_float32(value: float) -> float:
    """The float nearest ``value`` that a Java ``float`` holds (overflowing to ±Infinity)."""
    try:
        return struct.unpack(">f", struct.pack(">f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def double_to_string(value: float) -> str:
    """``Double.toString``: ``1.0``, ``123.456``, ``1.0E10``, ``1.0E-5``, ``NaN``, ``-Infinity``."""
    return _java_float_text(value, repr(value))


def float_to_string(value: float) -> str:
    """``Float.toString``: the shortest digits that read back as the same 32-bit float."""
    if math.isnan(value) or math.isinf(value) or value == 0:
        return _java_float_text(value, repr(value))
    for precision in range(1, 10):
        text = f"{value:.{precision}g}"
        if to_float32(float(text)) == value:
            return _java_float_text(value, repr(float(text)))
    return _java_float_text(value, repr(value))  # pragma: no cover - 9 digits always round-trip


def _java_float_text(value: float, shortest: str) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    digits, exponent = _digits_and_exponent(shortest)
    sign = "-" if value < 0 else ""
    if 1e-3 <= abs(value) < 1e7:
        point = exponent + 1
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{sign}{digits}{'0' * (point - len(digits))}.0"
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if len(digits) == 1:
        # Java writes at least two significant digits here (d.dE±n), and picks the two closest to
        # the value: Double.MIN_VALUE is 4.9E-324, not 5.0E-324.
        digits, exponent = _digits_and_exponent(f"{abs(value):.1e}")
    fraction = digits[1:] or "0"
    return f"{sign}{digits[0]}.{fraction}E{exponent}"


def _digits_and_exponent(text: str) -> tuple[str, int]:
    """Significant digits (no leading/trailing zeros) and the decimal exponent of the first one."""
    mantissa, _, exp = text.lstrip("-").lower().partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exponent = int(exp or 0) + len(whole) - 1 - (len(whole + frac) - len((whole + frac).lstrip("0")))
    return digits.rstrip("0") or "0", exponent


def big_decimal_to_string(value: Decimal) -> str:
    """``BigDecimal.toString``: plain unless the exponent is positive or below -6 (``-1.23E-12``).
    Python's ``str(Decimal)`` follows the same rule (both come from the same specification)."""
    return str(value)


def big_decimal_to_plain_string(value: Decimal) -> str:
    """``BigDecimal.toPlainString``: never an exponent."""
    return f"{value:f}"


# ---------------------------------------------------------------------------------------------- JSON


_JSON_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_JSON_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def json_quote(text: str) -> str:
    """A JSON string as Jackson's ``JsonStringEncoder`` writes it (control characters as ``\\u00XX``
    in upper case; nothing else escaped), with the surrounding quotes."""
    return '"' + _JSON_NEEDS_ESCAPE.sub(_json_escape, text) + '"'


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    return _JSON_SHORT_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def class_name(obj: Any) -> str:
    """The simple Java class name Jackson gives a parsed JSON value (``Integer``, ``Long``...)."""
    if isinstance(obj, bool):
        return "Boolean"
    if isinstance(obj, int):
        if INT_RANGES[32][0] <= obj <= INT_RANGES[32][1]:
            return "Integer"
        return "Long" if LONG_MIN <= obj <= LONG_MAX else "BigInteger"
    if isinstance(obj, float):
        return "Double"
    if isinstance(obj, str):
        return "String"
    if isinstance(obj, list):
        return "ArrayList"
    if isinstance(obj, dict):
        return "LinkedHashMap"
    return type(obj).__name__


def to_string(obj: Any) -> str:
    """Java's ``toString`` of a parsed JSON value (``[1, 2]``, ``{a=1}``, ``1.0E10``, ``null``)."""
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, float):
        return double_to_string(obj)
    if isinstance(obj, list):
        return "[" + ", ".join(to_string(o) for o in obj) + "]"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{to_string(k)}={to_string(v)}" for k, v in obj.items()) + "}"
    return str(obj)


def class_cast_message(obj: Any, target: str) -> str:
    """The message of the ``ClassCastException`` Java 11+ throws casting ``obj`` to ``target``."""
    name = class_name(obj)
    package = (
        "java.util"
        if name in ("ArrayList", "LinkedHashMap")
        else ("java.math" if name == "BigInteger" else "java.lang")
    )
    return (
        f"class {package}.{name} cannot be cast to class java.lang.{target} "
        f"({package}.{name} and java.lang.{target} are in module java.base of loader 'bootstrap')"
    )


# ---------------------------------------------------------------------------------------------- inet


def inet_host_address(data: bytes) -> str:
    """``InetAddress.getByAddress(data).getHostAddress()``: dotted IPv4, or IPv6 as eight groups of
    lower-case hex without zero compression; an IPv4-mapped IPv6 address prints as IPv4, as Java
    returns an ``Inet4Address`` for it."""
    if len(data) == 16 and data[:12] == b"\x00" * 10 + b"\xff\xff":
        data = data[12:]
    if len(data) == 4:
        return ".".join(str(b) for b in data)
    return ":".join(f"{int.from_bytes(data[i : i + 2], 'big'):x}" for i in range(0, 16, 2))
