"""nodetool's command line, parsed the way airline (the library nodetool 5.0 uses) parses it.

We parse it ourselves rather than with typer/click because scripts see nodetool's exact usage errors:
airline's messages (``Found unexpected parameters: [x]``, ``Required values for option 'tag' not
provided``), printed by nodetool as ``nodetool: <message>`` plus ``See 'nodetool help' or 'nodetool help
<command>'.`` on stdout with exit status 1 (docs/decisions.md).

Rules kept from airline: the global options (``-h``, ``-p``, ``-u``, ``-pw``, ``-pwf``, ``-pp``) are
accepted before the command name and among the command's own options; an option's value is the next
word (or follows ``=`` for a long option); ``--`` ends the options; a word that is not an option of the
command is an argument when the command takes arguments, else it is "unexpected"; a value-taking option
repeated keeps the last value unless it is a list option.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

USAGE_HINT = "See 'nodetool help' or 'nodetool help <command>'."


class UsageError(Exception):
    """Bad usage: ``nodetool: <message>`` + the hint on stdout, exit 1."""


@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]
    title: str
    description: str
    takes_value: bool = False
    repeated: bool = False  # a list option: every occurrence's value is kept

    @property
    def key(self) -> str:
        return self.title


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    run: Callable[[Any, Parsed], None]
    options: tuple[Option, ...] = ()
    arguments: str | None = None  # usage text of the positional arguments; None: takes none
    arguments_description: str = ""
    needs_probe: bool = True


@dataclass
class Parsed:
    command: Command | None
    options: dict[str, Any] = field(default_factory=dict)
    arguments: list[str] = field(default_factory=list)

    def flag(self, title: str) -> bool:
        return bool(self.options.get(title, False))

    def value(self, title: str, default: Any = None) -> Any:
        return self.options.get(title, default)


GLOBAL_OPTIONS = (
    Option(("-h", "--host"), "host", "Node hostname or ip address", takes_value=True),
    Option(("-p", "--port"), "port", "Remote jmx agent port number", takes_value=True),
    Option(
        ("-pp", "--print-port"), "print_port", "Operate in 4.0 mode with hosts disambiguated by port number"
    ),
    Option(("-pw", "--password"), "password", "Remote jmx agent password", takes_value=True),
    Option(
        ("-pwf", "--password-file"), "passwordFilePath", "Path to the JMX password file", takes_value=True
    ),
    Option(("-u", "--username"), "username", "Remote jmx agent username", takes_value=True),
)


def _lookup(options: Sequence[Option], word: str) -> tuple[Option | None, str | None]:
    for option in options:
        if word in option.names:
            return option, None
        if option.takes_value and "=" in word:
            name, _, value = word.partition("=")
            if name in option.names:
                return option, value
    return None, None


def _store(parsed: Parsed, option: Option, value: Any) -> None:
    if option.repeated:
        parsed.options.setdefault(option.key, []).append(value)
    else:
        parsed.options[option.key] = value


def parse(argv: Sequence[str], commands: dict[str, Command]) -> Parsed:
    """Parse ``argv`` (what follows ``nodetool``) into the command and its options and arguments."""
    words = list(argv)
    parsed = Parsed(None)
    i = 0
    # Global options before the command name.
    while i < len(words):
        option, inline = _lookup(GLOBAL_OPTIONS, words[i])
        if option is None:
            break
        i = _consume(parsed, option, inline, words, i)
    if i >= len(words):
        return parsed  # no command: help
    name = words[i]
    command = commands.get(name)
    if command is None:
        raise UsageError(f"Found unexpected parameters: [{', '.join(words[i:])}]")
    parsed.command = command
    i += 1
    every = (*GLOBAL_OPTIONS, *command.options)
    unexpected: list[str] = []
    only_arguments = False
    while i < len(words):
        word = words[i]
        if not only_arguments and word == "--":
            only_arguments = True
            i += 1
            continue
        option, inline = (None, None) if only_arguments else _lookup(every, word)
        if option is not None:
            i = _consume(parsed, option, inline, words, i)
            continue
        if command.arguments is not None:
            parsed.arguments.append(word)
        else:
            unexpected.append(word)
        i += 1
    if unexpected:
        raise UsageError(f"Found unexpected parameters: [{', '.join(unexpected)}]")
    return parsed


def _consume(parsed: Parsed, option: Option, inline: str | None, words: list[str], i: int) -> int:
    if not option.takes_value:
        _store(parsed, option, True)
        return i + 1
    if inline is not None:
        _store(parsed, option, inline)
        return i + 1
    if i + 1 >= len(words):
        raise UsageError(f"Required values for option '{option.title}' not provided")
    _store(parsed, option, words[i + 1])
    return i + 2


def keyspace_and_tables(arguments: Sequence[str]) -> tuple[str | None, list[str]]:
    """``[<keyspace> <tables>...]`` (nodetool's ``parseOptionalKeyspace``/``parseOptionalTables``)."""
    if not arguments:
        return None, []
    return arguments[0], list(arguments[1:])
