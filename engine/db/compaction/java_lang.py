"""Java's number parsing and printing, for compaction options and messages that must match Cassandra's.

Cassandra validates compaction sub-options with ``Integer.parseInt``, ``Long.parseLong``,
``Float.parseFloat``/``Double.parseDouble`` and ``Boolean.parseBoolean``, and prints numbers in its error
messages with ``String.format("%d")``/``("%f")`` and ``Double.toString``. Python's ``int()``/``float()`` accept
text Java rejects (``"1_000"``, ``" 7 "``, ``"inf"``) and print differently (``1e-05`` against Java's
``1.0E-5``), so the Java rules live here, in one place:

* integers: an optional ``+``/``-`` then one or more decimal digits, nothing else, within the type's range;
  ``Character.digit`` accepts any Unicode decimal digit, and so do we;
* floating point: ``String.trim()`` first (drops characters ``<= ' '``), then ``NaN``, ``Infinity``, a
  decimal with optional exponent, or a hexadecimal float, each with an optional sign and ``f``/``d`` suffix;
  ``float`` is a value rounded to IEEE single precision, as ``Float.parseFloat`` returns;
* ``Boolean.parseBoolean``: ``"true"`` in any case is true, everything else (including junk) is false.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import ROUND_HALF_UP, Decimal

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
LONG_MIN = -(2**63)
LONG_MAX = 2**63 - 1

_DECIMAL_FLOAT = re.compile(r"[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)", re.ASCII)
_HEX_FLOAT = re.compile(
    r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?", re.ASCII
)


class JavaNumberFormatError(ValueError):
    """The text is not a number Java would parse (Java's ``NumberFormatException``)."""


def parse_int(text: str) -> int:
    """``Integer.parseInt``: a signed 32-bit decimal integer."""
    return _parse_integer(text, INT_MIN, INT_MAX)


def parse_long(text: str) -> int:
    """``Long.parseLong``: a signed 64-bit decimal integer."""
    return _parse_integer(text, LONG_MIN, LONG_MAX)


def _parse_integer(text: str, low: int, high: int) -> int:
    digits = text[1:] if text[:1] in ("+", "-") else text
    # str.isdecimal is Character.isDigit's set; checking it first also keeps int() from accepting the
    # whitespace and underscores Java rejects.
    if not digits or not digits.isdecimal():
        raise JavaNumberFormatError(f"For input string: {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise JavaNumberFormatError(f"For input string: {text!r}")
    return value


def parse_double(text: str) -> float:
    """``Double.parseDouble``."""
    body = _java_trim(text)
    if _DECIMAL_FLOAT.fullmatch(body):
        unsigned = body.lstrip("+-")
        negative = body.startswith("-")
        if unsigned == "NaN":
            return math.nan
        if unsigned == "Infinity":
            return -math.inf if negative else math.inf
        return float(body.rstrip("fFdD"))
    if _HEX_FLOAT.fullmatch(body):
        return float.fromhex(body.rstrip("fFdD"))
    raise JavaNumberFormatError(f"For input string: {text!r}")


def parse_float(text: str) -> float:
    """``Float.parseFloat``: the value rounded to single precision (so ``"0.2"`` is 0.20000000298...).

    Rounds through double precision first, which differs from Java's single rounding only for decimal
    strings lying within a hair of a halfway point between two floats.
    """
    return to_float32(parse_double(text))


def to_float32(value: float) -> float:
    """The nearest IEEE single-precision value, as Java's ``(float)`` cast (overflow gives infinity)."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


def parse_boolean(text: str | None) -> bool:
    """``Boolean.parseBoolean``: lenient, never fails."""
    return text is not None and text.lower() == "true"


def is_java_boolean(text: str) -> bool:
    """Whether ``text`` is ``true`` or ``false`` ignoring case (Cassandra's ``equalsIgnoreCase`` checks)."""
    return text.lower() in ("true", "false")


def is_numeric(text: str) -> bool:
    """commons-lang3 ``StringUtils.isNumeric``: non-empty and every character a decimal digit (no sign)."""
    return bool(text) and text.isdecimal()


def double_to_string(value: float) -> str:
    """``Double.toString``: plain notation in [1e-3, 1e7), otherwise ``d.dddE±n``; always a fraction digit."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    if 1e-3 <= magnitude < 1e7:
        # repr is plain notation throughout this range and always has a fraction digit.
        return sign + repr(magnitude)
    digits_tuple = Decimal(repr(magnitude)).as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits).rstrip("0") or "0"
    exponent = len(digits_tuple.digits) - 1 + int(digits_tuple.exponent)
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exponent}"


def format_f(value: float) -> str:
    """``String.format("%f", value)``: six decimals, rounding half up on the shortest decimal form."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(Decimal(repr(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def java_div(dividend: int, divisor: int) -> int:
    """Java's integer ``/``: truncates toward zero (Python's ``//`` floors)."""
    quotient = abs(dividend) // abs(divisor)
    return quotient if (dividend >= 0) == (divisor > 0) else -quotient


def java_rem(dividend: int, divisor: int) -> int:
    """Java's ``%``: the remainder takes the dividend's sign."""
    return dividend - divisor * java_div(dividend, divisor)


def _java_trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]
