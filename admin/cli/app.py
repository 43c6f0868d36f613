"""The ``cqlkit`` command: the composition root that ties the shell, the admin tools and the engine.

Each command group lives in its own module and registers itself on ``app`` here as its issue lands.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import typer

app = typer.Typer(
    name="cqlkit",
    help="A Cassandra you can pip install: a Cassandra-compatible database, cqlsh and nodetool.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version() -> str:
    try:
        return version("cqlkit")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"cqlkit {_version()}")
        raise typer.Exit()


@app.callback()
def main_callback(
    show_version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """A Cassandra you can pip install: a Cassandra-compatible database, cqlsh and nodetool."""


@app.command(
    "cqlsh",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def cqlsh(ctx: typer.Context) -> None:
    """The CQL shell (cqlsh's options; run ``cqlkit cqlsh --help``)."""
    from shell.cli import main as cqlsh_main

    raise typer.Exit(cqlsh_main(ctx.args))


from admin.cli import serve as _serve  # noqa: E402 (command modules register after the app exists)

_serve.register(app)

from admin.cli import cluster as _cluster  # noqa: E402

_cluster.register(app)

from admin.cli import nodetool as _nodetool  # noqa: E402

_nodetool.register(app)

from admin.cli import tutorial as _tutorial  # noqa: E402

_tutorial.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
