"""CQL type text -> the small type tree that value formatting dispatches on.

The tree is what cqlsh's ``formatting.CqlType`` builds, with its quirks, because the quirks decide the
output: ``frozen<...>`` is dropped; a name with parameters is a collection, tuple or vector whose
parameters are split on top-level commas; ``name<T, N>`` with an integer second argument is a vector and
becomes ``N`` copies of ``T``; a bare name listed in the user types is a UDT whose parameters are its
field types. Names are kept as written: formatter lookup lower-cases them, UDT lookup does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from shell.output.result import UserTypeSpec

# cqlsh's CqlType.pattern: a greedy "name<...>" over the whole text.
_PARAMETERISED = re.compile(r"^([^<]*)<(.*)>$")


class TypeArityError(Exception):
    """A composite value does not have as many elements as its type has parameters."""


@dataclass(frozen=True, repr=False)
class CqlType:
    """A parsed CQL type: base name, parameter types, and whether it names a known UDT."""

    name: str
    params: tuple[CqlType, ...] = ()
    is_user_type: bool = False

    def params_for(self, count: int) -> tuple[CqlType, ...]:
        """Parameter types for a composite value of ``count`` elements (cqlsh ``get_n_sub_types``).

        Tuples and vectors have one type per element; lists and sets have one type for all of them.
        """
        if len(self.params) == count:
            return self.params
        if len(self.params) == 1:
            return self.params * count
        raise TypeArityError(f"Unexpected number of subtypes {count} - {list(self.params)}")

    def __str__(self) -> str:
        # cqlsh's CqlType.__str__ (it is also its repr), which shows up in decoding-error messages.
        return f"{self.name}{list(self.params) if self.params else ''}"

    __repr__ = __str__


def parse_cql_type(text: str, user_types: Mapping[str, UserTypeSpec] | None = None) -> CqlType:
    """Parse CQL type text as cqlsh does (see the module docstring for the rules)."""
    while True:
        match = _PARAMETERISED.match(text)
        if match is None:
            if user_types and text in user_types:
                fields = tuple(parse_cql_type(t, user_types) for t in user_types[text].field_types)
                return CqlType(text, fields, is_user_type=True)
            return CqlType(text)
        name, inner = match.group(1), match.group(2)
        if name == "frozen":
            text = inner
            continue
        vector = _as_vector(inner)
        if vector is not None:
            return CqlType(name, vector)
        return CqlType(name, tuple(parse_cql_type(part, user_types) for part in _split_params(inner)))


def _as_vector(inner: str) -> tuple[CqlType, ...] | None:
    # cqlsh splits on *every* comma and tries int() on the second piece; the element type is parsed
    # without user types (so UDTs inside vectors stay unresolved, as in cqlsh).
    pieces = inner.split(",")
    if len(pieces) < 2:
        return None
    try:
        size = int(pieces[1])
    except ValueError:
        return None
    return (parse_cql_type(pieces[0]),) * max(size, 0)


def _split_params(inner: str) -> list[str]:
    """Split on commas outside ``<>``, stripping each part (cqlsh ``parse_sub_types``)."""
    parts: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(inner):
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(inner[start:index].strip())
            start = index + 1
    # Quirk kept from parse_sub_types: the last part is taken only if more than one character remains
    # after the last comma, so "list<a>" (a one-letter UDT) gets no parameter at all.
    if start < len(inner) - 1:
        parts.append(inner[start:].strip())
    return parts
