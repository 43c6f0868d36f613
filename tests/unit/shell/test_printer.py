"""Result layout: exact goldens, and cqlsh's own ``print_result`` as the oracle."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shell.output.colors import Ansi
from shell.output.formatting import FormatOptions
from shell.output.printer import (
    DisplayOptions,
    ResultPrinter,
    format_header,
    render_result,
    render_static_result,
    render_warnings,
)
from shell.output.result import ColumnKind, ColumnSpec, ResultPage
from tests.unit.shell.oracle import (
    oracle_header,
    oracle_print_result,
    oracle_static_result,
    oracle_warnings,
)
from tests.unit.shell.strategies import TEXT, TypeDesc, cql_types

USERS = (
    ColumnSpec("id", "int", ColumnKind.PARTITION_KEY),
    ColumnSpec("name", "text", ColumnKind.REGULAR),
    ColumnSpec("otp", "int", ColumnKind.REGULAR),
)
LONELY = (ColumnSpec("lonelykey", "int", ColumnKind.PARTITION_KEY), ColumnSpec("lonelycol", "text"))

PLAIN_TTY = DisplayOptions(tty=True)
PLAIN_BATCH = DisplayOptions(tty=False)


def test_reference_table() -> None:
    page = ResultPage(USERS, [(1, "Tom", 9867)])
    expected = "\n id | name | otp\n----+------+------\n  1 |  Tom | 9867\n\n(1 rows)\n"
    assert render_result([page], PLAIN_TTY) == expected
    assert render_result([page], PLAIN_BATCH) == expected


def test_empty_result_prints_header_and_rule() -> None:
    page = ResultPage(LONELY, [])
    assert (
        render_result([page], PLAIN_TTY) == "\n lonelykey | lonelycol\n-----------+-----------\n\n(0 rows)\n"
    )
    # Batch mode adds its blank line after the last page on top of the header-only block's own.
    assert (
        render_result([page], PLAIN_BATCH)
        == "\n lonelykey | lonelycol\n-----------+-----------\n\n\n(0 rows)\n"
    )


def test_every_value_right_aligned_and_header_rstripped() -> None:
    columns = (ColumnSpec("k", "text"), ColumnSpec("a_long_header", "text"))
    page = ResultPage(columns, [("wide value", "x"), ("v", None)])
    assert render_result([page], PLAIN_BATCH) == (
        "\n"
        " k          | a_long_header\n"
        "------------+---------------\n"
        " wide value |             x\n"
        "          v |          null\n"
        "\n"
        "(2 rows)\n"
    )


def test_wide_characters_align_by_display_width() -> None:
    page = ResultPage((ColumnSpec("k", "text"),), [("中文",), ("ab",)])
    assert render_result([page], PLAIN_BATCH) == "\n k\n------\n 中文\n   ab\n\n(2 rows)\n"


def test_pages_tty_repeats_header_and_ends_each_page_with_blank() -> None:
    pages = [ResultPage(USERS, [(1, "Tom", 9867)], paging_state=b"p"), ResultPage(USERS, [(22, "Ann", 1)])]
    assert render_result(pages, PLAIN_TTY) == (
        "\n"
        " id | name | otp\n----+------+------\n  1 |  Tom | 9867\n\n"
        " id | name | otp\n----+------+-----\n 22 |  Ann |   1\n\n"
        "(2 rows)\n"
    )
    assert render_result(pages, PLAIN_BATCH) == (
        "\n id | name | otp\n----+------+------\n  1 |  Tom | 9867\n 22 |  Ann |   1\n\n(2 rows)\n"
    )


def test_printer_renders_page_by_page() -> None:
    printer = ResultPrinter(PLAIN_TTY)
    assert printer.start() == "\n"
    assert printer.page(ResultPage(USERS, [(1, "Tom", 9867)], paging_state=b"p")).endswith("9867\n\n")
    assert printer.page(ResultPage(USERS, [])) == ""  # later empty pages print nothing
    assert printer.rows_seen == 1
    assert printer.finish() == "(1 rows)\n"


def test_expanded_numbers_rows_across_pages() -> None:
    options = DisplayOptions(tty=True, expand=True)
    pages = [ResultPage(USERS, [(1, "Tom", 9867)], paging_state=b"p"), ResultPage(USERS, [(2, "Al", None)])]
    assert render_result(pages, options) == (
        "\n"
        "@ Row 1\n------+------\n id   | 1\n name | Tom\n otp  | 9867\n\n"
        "@ Row 2\n------+------\n id   | 2\n name | Al\n otp  | null\n\n"
        "(2 rows)\n"
    )


def test_expanded_empty_result_uses_table_header() -> None:
    options = DisplayOptions(tty=True, expand=True)
    assert render_result([ResultPage(LONELY, [])], options) == (
        "\n lonelykey | lonelycol\n-----------+-----------\n\n(0 rows)\n"
    )


def test_header_colors_by_key_role() -> None:
    columns = (
        ColumnSpec("pk", "int", ColumnKind.PARTITION_KEY),
        ColumnSpec("ck", "int", ColumnKind.CLUSTERING),
        ColumnSpec("st", "int", ColumnKind.STATIC),
        ColumnSpec("v", "int", ColumnKind.REGULAR),
        ColumnSpec("count", "bigint", ColumnKind.NONE),
    )
    texts = [value.text for value in format_header(columns, color=True)]
    assert texts == [
        f"{Ansi.RED}pk{Ansi.RESET}",
        f"{Ansi.CYAN}ck{Ansi.RESET}",
        f"{Ansi.WHITE}st{Ansi.RESET}",
        f"{Ansi.MAGENTA}v{Ansi.RESET}",
        f"{Ansi.MAGENTA}count{Ansi.RESET}",
    ]
    assert [value.text for value in format_header(columns, color=False)] == ["pk", "ck", "st", "v", "count"]


def test_colored_table() -> None:
    page = ResultPage(USERS[:2], [(1, "Tom")])
    options = DisplayOptions(formats=FormatOptions(color=True), tty=True)
    assert render_result([page], options) == (
        "\n"
        f" {Ansi.RED}id{Ansi.RESET} | {Ansi.MAGENTA}name{Ansi.RESET}\n"
        "----+------\n"
        f"  {Ansi.GREEN}1{Ansi.RESET} |  {Ansi.YELLOW}Tom{Ansi.RESET}\n"
        "\n"
        "(1 rows)\n"
    )


def test_formatting_failures_reported_after_row_count() -> None:
    columns = (ColumnSpec("t", "frozen<tuple<int, text>>"),)
    rows = [((n, None),) for n in range(4)]
    expected_tail = (
        "(4 rows)\n"
        "Failed to format value (0, None) : 'NoneType' object has no attribute 'replace'\n"
        "Failed to format value (1, None) : 'NoneType' object has no attribute 'replace'\n"
        "2 more decoding errors suppressed.\n"
    )
    assert render_result([ResultPage(columns, rows)], PLAIN_BATCH).endswith(expected_tail)
    colored = render_result([ResultPage(columns, rows)], DisplayOptions(formats=FormatOptions(color=True)))
    assert colored.endswith(f"{Ansi.RED}2 more decoding errors suppressed.{Ansi.RESET}\n")


def test_static_result_for_lwt() -> None:
    applied = ResultPage((ColumnSpec("[applied]", "boolean"),), [(True,)])
    assert render_static_result(applied, PLAIN_BATCH) == "\n [applied]\n-----------\n      True\n"
    assert render_static_result(applied, PLAIN_TTY) == "\n [applied]\n-----------\n      True\n\n"
    not_applied = ResultPage(
        (
            ColumnSpec("[applied]", "boolean"),
            ColumnSpec("id", "int", ColumnKind.PARTITION_KEY),
            ColumnSpec("v", "text"),
        ),
        [(False, 1, "old")],
    )
    assert render_static_result(not_applied, PLAIN_BATCH) == (
        "\n [applied] | id | v\n-----------+----+-----\n     False |  1 | old\n"
    )
    assert render_static_result(ResultPage((), []), PLAIN_BATCH) == ""


def test_warnings() -> None:
    assert render_warnings([]) == ""
    text = render_warnings(["Aggregation query used without partition key", "second"])
    assert text == "\nWarnings :\nAggregation query used without partition key\n\nsecond\n\n"
    assert text == oracle_warnings(["Aggregation query used without partition key", "second"])


@pytest.mark.parametrize("kind", list(ColumnKind))
@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize(
    "name", ["id", "[applied]", "system.count(*)", "Quoted Name ", "tab\there", "中文", "a\\b"]
)
def test_header_matches_cqlsh(name: str, kind: ColumnKind, color: bool) -> None:
    (header,) = format_header([ColumnSpec(name, "int", kind)], color)
    assert (header.text, header.width) == oracle_header(name, kind, color)


# --- generated tables against cqlsh's print_result ------------------------------------------------

COLUMN_NAMES = st.lists(TEXT.filter(bool), min_size=1, max_size=4, unique=True)


@st.composite
def result_pages(draw: st.DrawFn) -> list[ResultPage]:
    names = draw(COLUMN_NAMES)
    descs: list[TypeDesc] = [draw(cql_types()) for _ in names]
    kinds = [draw(st.sampled_from(list(ColumnKind))) for _ in names]
    user_types: dict = {}
    for desc in descs:
        user_types.update(desc.user_types)
    columns = tuple(ColumnSpec(n, d.text, k) for n, d, k in zip(names, descs, kinds, strict=True))
    row = st.tuples(*(st.none() | d.values for d in descs))
    page_rows = draw(st.lists(st.lists(row, max_size=3), min_size=1, max_size=3))
    return [
        ResultPage(
            columns, rows, paging_state=None if i == len(page_rows) - 1 else b"more", user_types=user_types
        )
        for i, rows in enumerate(page_rows)
    ]


DISPLAY = st.builds(
    lambda color, tty, expand: DisplayOptions(formats=FormatOptions(color=color), tty=tty, expand=expand),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(pages=result_pages(), options=DISPLAY)
def test_generated_results_match_cqlsh(pages: list[ResultPage], options: DisplayOptions) -> None:
    expected = oracle_print_result(pages, options.formats, tty=options.tty, expand=options.expand)
    assert render_result(pages, options) == expected


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(pages=result_pages(), options=DISPLAY)
def test_generated_static_results_match_cqlsh(pages: list[ResultPage], options: DisplayOptions) -> None:
    page = pages[0]
    expected = oracle_static_result(page, options.formats, tty=options.tty, expand=options.expand)
    assert render_static_result(page, options) == expected


@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize("expand", [False, True])
@pytest.mark.parametrize("color", [False, True])
def test_fixed_results_match_cqlsh(tty: bool, expand: bool, color: bool) -> None:
    columns = (
        *USERS,
        ColumnSpec("seen", "timestamp", ColumnKind.CLUSTERING),
        ColumnSpec("s", "set<text>", ColumnKind.STATIC),
    )
    pages = [
        ResultPage(columns, [(1, "Tom", 9867, datetime.datetime(2020, 1, 1), None)], paging_state=b"1"),
        ResultPage(columns, [], paging_state=b"2"),
        ResultPage(
            columns, [(2, "中文\n", None, None, ["a'b", "c\\d"]), (3, "", 0, datetime.datetime(1, 1, 1), [])]
        ),
    ]
    options = DisplayOptions(formats=FormatOptions(color=color), tty=tty, expand=expand)
    assert render_result(pages, options) == oracle_print_result(
        pages, options.formats, tty=tty, expand=expand
    )
    for empty in (
        [ResultPage(columns, [])],
        [ResultPage(columns, [], paging_state=b"x"), ResultPage(columns, [])],
    ):
        assert render_result(empty, options) == oracle_print_result(
            empty, options.formats, tty=tty, expand=expand
        )
