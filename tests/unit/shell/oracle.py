"""The real cqlsh (PyPI ``cqlsh``, package ``cqlshlib``) driven without a server: the tests' oracle.

A ``cqlshmain.Shell`` is built without ``__init__`` (which would connect) and given just the attributes
its formatting and printing methods read. Column types are handed to it as CQL type text:
``cqlshmain.cql_typename`` is patched to pass text through, since our :class:`ColumnSpec` already holds
``cql_typename``'s output.
"""

from __future__ import annotations

import builtins
import codecs
import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from unittest import mock

from cqlshlib import cqlshmain
from cqlshlib.formatting import CqlType as OracleCqlType

from shell.output.formatting import FormatOptions
from shell.output.result import ColumnKind, ResultPage, UserTypeSpec

KEYSPACE = "ks"


def keyspace_metadata(user_types: Mapping[str, UserTypeSpec]) -> SimpleNamespace:
    return SimpleNamespace(
        user_types={
            name: SimpleNamespace(field_types=list(spec.field_types)) for name, spec in user_types.items()
        }
    )


def oracle_type(type_text: str, user_types: Mapping[str, UserTypeSpec]) -> OracleCqlType:
    return OracleCqlType(type_text, keyspace_metadata(user_types))


def make_shell(
    options: FormatOptions,
    *,
    tty: bool = False,
    expand: bool = False,
    user_types: Mapping[str, UserTypeSpec] | None = None,
) -> Any:
    shell = object.__new__(cqlshmain.Shell)
    shell.color = options.color
    shell.tty = tty
    shell.expand_enabled = expand
    shell.display_timestamp_format = options.timestamp_format
    shell.display_date_format = "%Y-%m-%d"
    shell.display_nanotime_format = "%H:%M:%S.%N"
    shell.display_timezone = options.timezone
    shell.display_float_precision = options.float_precision
    shell.display_double_precision = options.double_precision
    shell.output_codec = codecs.lookup("utf-8")
    shell.query_out = io.StringIO()
    shell.shunted_query_out = None
    shell.decoding_errors = []
    shell.current_keyspace = KEYSPACE
    shell.conn = SimpleNamespace(
        metadata=SimpleNamespace(keyspaces={KEYSPACE: keyspace_metadata(user_types or {})})
    )
    return shell


@dataclass(frozen=True)
class OracleCell:
    text: str
    width: int
    failures: tuple[str, ...]


def oracle_cell(
    value: object, type_text: str, options: FormatOptions, user_types: Mapping[str, UserTypeSpec]
) -> OracleCell:
    """What cqlsh's ``myformat_value`` (the display path: precision choice, failure fallback) gives."""
    shell = make_shell(options, user_types=user_types)
    formatted = shell.myformat_value(value, oracle_type(type_text, user_types))
    text = formatted.coloredval if options.color else formatted.strval
    return OracleCell(text, formatted.displaywidth, tuple(err.message() for err in shell.decoding_errors))


def oracle_header(name: str, kind: ColumnKind, color: bool) -> tuple[str, int]:
    shell = make_shell(FormatOptions(color=color))
    formatted = shell.myformat_colname(name, _table_meta({name: kind}))
    return (formatted.coloredval if color else formatted.strval), formatted.displaywidth


def _table_meta(kinds: Mapping[str, ColumnKind]) -> SimpleNamespace:
    def named(kind: ColumnKind) -> list[SimpleNamespace]:
        return [SimpleNamespace(name=name) for name, k in kinds.items() if k is kind]

    return SimpleNamespace(
        keyspace_name=KEYSPACE,
        partition_key=named(ColumnKind.PARTITION_KEY),
        clustering_key=named(ColumnKind.CLUSTERING),
        columns={
            name: SimpleNamespace(is_static=kind is ColumnKind.STATIC)
            for name, kind in kinds.items()
            if kind is not ColumnKind.NONE
        },
    )


class _PagedResult:
    """Enough of the driver's ResultSet for ``print_result``: pages of dict rows."""

    def __init__(self, pages: Sequence[ResultPage]) -> None:
        self._pages = pages
        self._index = 0
        first = pages[0]
        self.column_names = [column.name for column in first.columns]
        self.column_types = [column.cql_type for column in first.columns]

    @property
    def current_rows(self) -> list[dict[str, object]]:
        page = self._pages[self._index]
        return [dict(zip(self.column_names, row, strict=True)) for row in page.rows]

    @property
    def has_more_pages(self) -> bool:
        return self._index < len(self._pages) - 1

    def fetch_next_page(self) -> None:
        self._index += 1

    def __bool__(self) -> bool:
        return bool(self.current_rows)


@contextmanager
def _patched() -> Iterator[None]:
    with (
        mock.patch.object(cqlshmain, "cql_typename", lambda text: text),
        mock.patch.object(builtins, "input", lambda prompt="": ""),
    ):
        yield


def oracle_print_result(
    pages: Sequence[ResultPage], options: FormatOptions, *, tty: bool, expand: bool
) -> str:
    """cqlsh's ``print_result`` output for these pages (the ``---MORE---`` prompt answered silently)."""
    first = pages[0]
    shell = make_shell(options, tty=tty, expand=expand, user_types=first.user_types)
    meta = _table_meta({column.name: column.kind for column in first.columns})
    with _patched():
        shell.print_result(_PagedResult(pages), meta)
    return shell.query_out.getvalue()


def oracle_static_result(page: ResultPage, options: FormatOptions, *, tty: bool, expand: bool) -> str:
    """cqlsh's output for a non-SELECT statement that returned rows (``perform_simple_statement``)."""
    shell = make_shell(options, tty=tty, expand=expand, user_types=page.user_types)
    meta = _table_meta({column.name: column.kind for column in page.columns})
    result = _PagedResult([page])
    with _patched():
        if result:
            shell.writeresult("")
            shell.print_static_result(result, meta, with_header=True, tty=tty)
    return shell.query_out.getvalue()


def oracle_warnings(warnings: Sequence[str]) -> str:
    shell = make_shell(FormatOptions())
    shell.print_warnings(list(warnings))
    return shell.query_out.getvalue()
