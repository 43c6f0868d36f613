"""``nodetool help`` and ``nodetool help <command>``, in airline's layout (usage summary; NAME,
SYNOPSIS, OPTIONS)."""

from __future__ import annotations

import textwrap

from admin.nodetool.command import GLOBAL_OPTIONS, Command, Option

_GLOBAL_USAGE = """usage: nodetool [(-h <host> | --host <host>)] [(-p <port> | --port <port>)]
        [(-pp | --print-port)] [(-pw <password> | --password <password>)]
        [(-pwf <passwordFilePath> | --password-file <passwordFilePath>)]
        [(-u <username> | --username <username>)] <command> [<args>]
"""


def summary(commands: dict[str, Command]) -> str:
    width = max(len(name) for name in commands)
    lines = [_GLOBAL_USAGE, "The most commonly used nodetool commands are:"]
    lines += [f"    {name:<{width}}   {commands[name].description}" for name in sorted(commands)]
    lines += ["", "See 'nodetool help <command>' for more information on a specific command.", ""]
    return "\n".join(lines) + "\n"


def _synopsis(option: Option) -> str:
    if option.takes_value:
        forms = " | ".join(f"{name} <{option.title}>" for name in option.names)
    else:
        forms = " | ".join(option.names)
    return f"[({forms})]" if len(option.names) > 1 else f"[{forms}]"


def _wrap(words: list[str], first: str, indent: str) -> list[str]:
    return textwrap.wrap(
        " ".join(words),
        width=79,
        initial_indent=first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def command_help(command: Command) -> str:
    lines = ["NAME", f"        nodetool {command.name} - {command.description}", "", "SYNOPSIS"]
    words = ["nodetool", *(_synopsis(o) for o in GLOBAL_OPTIONS), command.name]
    words += [_synopsis(o) for o in command.options]
    if command.arguments is not None:
        words += ["[--]", command.arguments]
    lines += _wrap(words, "        ", "                ")
    lines += ["", "OPTIONS"]
    for option in sorted((*GLOBAL_OPTIONS, *command.options), key=lambda o: o.names[0].lstrip("-")):
        value = f" <{option.title}>" if option.takes_value else ""
        lines.append("        " + ", ".join(name + value for name in option.names))
        lines += _wrap([option.description], "            ", "            ")
        lines.append("")
    if command.arguments is not None:
        lines.append("        --")
        lines += _wrap(
            [
                "This option can be used to separate command-line options from the list of argument, "
                "(useful when arguments might be mistaken for command-line options"
            ],
            "            ",
            "            ",
        )
        lines.append("")
        lines.append(f"        {command.arguments}")
        lines += _wrap([command.arguments_description], "            ", "            ")
        lines.append("")
    return "\n".join(lines) + "\n"
