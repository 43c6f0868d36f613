"""``cqlkit tutorial [NAME]``: the example data models as guided cqlsh sessions.

With no name, lists the tutorials (``examples/<name>/tutorial.cql``) with the one-line description of
their first line (``-- Tutorial N: <description>``). With a name, runs that tutorial through the cqlsh
clone on the embedded cluster (``--cluster`` as ``cqlkit cqlsh`` takes it), one step at a time: a step is
the comments that explain a statement, then the statement, echoed after a cqlsh prompt; Enter runs it,
``q`` stops. ``--run`` runs every step without pausing (for scripts), ``--print`` only shows the CQL.

Each run uses a keyspace of its own, ``tutorial_<name>`` unless ``--keyspace`` says otherwise: the
tutorial's keyspace name is replaced in its statements (as a name token, never inside strings or
comments), and that keyspace is dropped first, so every run starts fresh and a keyspace of the user's
that happens to share the tutorial's name is never touched.

Where the examples are: next to the package in a source checkout (``examples/``), or, in an installed
wheel, under ``<prefix>/share/cqlkit/examples`` (pyproject's data files).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import typer

_HEADER = re.compile(r"^--\s*Tutorial\s+(\d+):\s*(.+)$")
_KEYSPACE = re.compile(r"CREATE\s+KEYSPACE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)
_USE = re.compile(r"^\s*USE\s+(\w+)", re.IGNORECASE)


def examples_directory() -> Path:
    """The examples of a source checkout, else those installed with the wheel's data files."""
    source = Path(__file__).resolve().parents[2] / "examples"
    if source.is_dir():
        return source
    # Installed: the distribution's file list says where its data files went (the prefix of a venv,
    # ~/.local for --user, any --prefix), as paths relative to site-packages.
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        files = distribution("cqlkit").files or []
    except PackageNotFoundError:
        files = []
    for file in files:
        parts = file.parts
        if parts[-1] == "README.md" and parts[-4:-1] == ("share", "cqlkit", "examples"):
            return Path(str(file.locate())).resolve().parent
    return Path(sys.prefix) / "share" / "cqlkit" / "examples"


@dataclass(frozen=True)
class Tutorial:
    name: str
    number: int
    description: str
    path: Path


def tutorials(directory: Path | None = None) -> list[Tutorial]:
    """Every ``<name>/tutorial.cql`` with a ``-- Tutorial N: ...`` first line, in N order."""
    found = []
    for path in sorted((directory or examples_directory()).glob("*/tutorial.cql")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        match = _HEADER.match(first)
        if match:
            found.append(Tutorial(path.parent.name, int(match.group(1)), match.group(2).strip(), path))
    return sorted(found, key=lambda t: (t.number, t.name))


@dataclass(frozen=True)
class Step:
    """The comment lines that explain a statement, and the statement's lines (none for a closing note)."""

    notes: tuple[str, ...]
    statement: tuple[str, ...]


def steps(text: str) -> list[Step]:
    from engine.cql.splitter import is_complete

    result: list[Step] = []
    notes: list[str] = []
    statement: list[str] = []
    for line in text.splitlines():
        if not statement and (not line.strip() or line.lstrip().startswith("--")):
            notes.append(line)
            continue
        statement.append(line)
        if is_complete("\n".join(statement)):
            result.append(Step(_trim(notes), tuple(statement)))
            notes, statement = [], []
    if statement or _trim(notes):
        result.append(Step(_trim(notes), tuple(statement)))
    return result


def _trim(lines: list[str]) -> tuple[str, ...]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return tuple(lines[start:end])


def rename_keyspace(statement: str, old: str, new: str) -> str:
    """``statement`` with every unquoted name token ``old`` (case-insensitive) replaced by ``new``."""
    from engine.cql.lexer import TokenKind, scan

    tokens, _ = scan(statement, keep_hidden=False)
    pieces, last = [], 0
    for token in tokens:
        if token.kind is TokenKind.IDENT and token.text.lower() == old.lower():
            pieces += [statement[last : token.start], new]
            last = token.end
    return "".join(pieces) + statement[last:]


class _StepFeed:
    """The shell's input: yields a step's lines only once its notes are shown and the reader is ready."""

    def __init__(self, steps: list[Step], out: TextIO, ready: Callable[[], bool] | None) -> None:
        self._steps = steps
        self._out = out
        self._ready = ready
        self.stopped = False

    def isatty(self) -> bool:
        return False  # batch mode: the shell reads lines, the pauses are ours

    def __iter__(self) -> Iterator[str]:
        prompt = "cqlsh> "
        for number, step in enumerate(self._steps, 1):
            self._out.write("\n" + "".join(f"{note}\n" for note in step.notes))
            if not step.statement:
                continue
            self._out.write(prompt + f"\n{' ' * (len(prompt) - 4)}... ".join(step.statement) + "\n")
            self._out.flush()
            if self._ready is not None and not self._ready():
                self.stopped = True
                self._out.write(f"Stopped before step {number} of {len(self._steps)}.\n")
                return
            yield from (line + "\n" for line in step.statement)
            use = _USE.match(step.statement[0])
            if use:
                prompt = f"cqlsh:{use.group(1)}> "


def _pause(stdin: TextIO, out: TextIO) -> Callable[[], bool]:
    def ready() -> bool:
        out.write("[Enter: run it, q: quit] ")
        out.flush()
        try:
            answer = stdin.readline()
        except KeyboardInterrupt:  # Ctrl-C at the pause stops the tutorial, as q does
            answer = ""
        if not answer:  # end of input
            out.write("\n")
            return False
        return answer.strip().lower() not in ("q", "quit", "exit")

    return ready


def run(
    tutorial: Tutorial,
    keyspace: str,
    cluster: str | None,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    pause: bool,
) -> int:
    from shell.cli import main as cqlsh_main

    text = tutorial.path.read_text(encoding="utf-8")
    found = _KEYSPACE.search(text)
    plan = steps(text)
    if found:
        old = found.group(1)
        plan = [
            Step(s.notes, tuple(rename_keyspace("\n".join(s.statement), old, keyspace).split("\n")))
            if s.statement
            else s
            for s in plan
        ]
        plan.insert(
            0,
            Step(
                (f"-- A fresh keyspace for this run: {keyspace}.",), (f"DROP KEYSPACE IF EXISTS {keyspace};",)
            ),
        )
    stdout.write(f"Tutorial {tutorial.name}: {tutorial.description}\n")
    feed = _StepFeed(plan, stdout, _pause(stdin, stdout) if pause else None)
    arguments = ["--cluster", cluster] if cluster else []
    code = cqlsh_main(arguments, stdin=feed, stdout=stdout, stderr=stderr)  # type: ignore[arg-type]
    if not feed.stopped:
        stdout.write(f"\nEnd of tutorial {tutorial.name}. The tables stay in keyspace {keyspace}.\n")
    return code


def tutorial(
    name: str | None = typer.Argument(None, help="The tutorial to run; none lists them."),
    cluster: str | None = typer.Option(
        None, "--cluster", help="The cluster name or directory (default: the current one)."
    ),
    keyspace: str | None = typer.Option(
        None, "--keyspace", help="The keyspace to run it in (default: tutorial_NAME; dropped first)."
    ),
    run_all: bool = typer.Option(False, "--run", help="Run every step without pausing."),
    print_only: bool = typer.Option(False, "--print", help="Print the tutorial's CQL and exit."),
) -> None:
    """List the data-modelling tutorials, or run one step by step in cqlsh."""
    available = tutorials()
    if name is None:
        typer.echo("Tutorials (run one with: cqlkit tutorial NAME):")
        width = max((len(t.name) for t in available), default=0)
        for t in available:
            typer.echo(f"  {t.name:<{width}}  {t.description}")
        return
    chosen = next((t for t in available if t.name == name), None)
    if chosen is None:
        names = ", ".join(t.name for t in available)
        typer.echo(f"cqlkit tutorial: no tutorial named '{name}' (there are: {names})", err=True)
        raise typer.Exit(1)
    if print_only:
        typer.echo(chosen.path.read_text(encoding="utf-8"), nl=False)
        return
    if keyspace is not None and not re.fullmatch(r"[A-Za-z]\w{0,47}", keyspace):
        typer.echo(f"cqlkit tutorial: '{keyspace}' is not a keyspace name", err=True)
        raise typer.Exit(1)
    code = run(
        chosen,
        keyspace or f"tutorial_{name}",
        cluster,
        sys.stdin,
        sys.stdout,
        sys.stderr,
        pause=not run_all,
    )
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("tutorial")(tutorial)
