"""HELP and ``?``: the list of topics, or the help of each topic named.

``HELP`` lists the shell commands that have help and the CQL topics, each list upper-cased, sorted and
laid out in columns as Python's ``cmd`` module does. ``HELP <command>`` prints the command's help
(cqlsh's text, see ``help_texts``). ``HELP <cql topic>`` would open the CQL reference in a browser;
cqlkit never starts a browser and reports, as cqlsh does when none is available, where the topic is:
``*** No browser to display CQL help. URL for help topic SELECT : <url>``. Unknown: ``*** No help on X``.
"""

from __future__ import annotations

import io
import re

from engine.cql.lexer import TokenKind
from shell.commands.help_texts import CQL_TOPICS, shell_help, shell_topics
from shell.commands.registry import CommandContext, ImproperCommand, Invocation, command

CQL_HTML = "https://cassandra.apache.org/doc/latest/cassandra/cql/cql_singlefile.html"
_TOPIC = re.compile(r"[a-z_]*")


def _topics(header: str, names: list[str]) -> str:
    """``cmd.Cmd.print_topics`` with cqlsh's columnize (sorted, upper case), 80 columns."""
    out = io.StringIO()
    out.write(f"{header}\n{'=' * len(header)}\n")
    import cmd  # only HELP lays topics out in columns

    cmd.Cmd(stdout=out).columnize(sorted(name.upper() for name in names), 79)
    out.write("\n")
    return out.getvalue()


def topic_list() -> str:
    return _topics("\nDocumented shell commands:", shell_topics()) + _topics(
        "CQL help topics:", list(CQL_TOPICS)
    )


@command("help", "?")
def help_command(context: CommandContext, invocation: Invocation) -> None:
    topics = [t.text for t in invocation.args]
    if any(t.kind is not TokenKind.IDENT or not _TOPIC.fullmatch(t.text.lower()) for t in invocation.args):
        raise ImproperCommand
    if not topics:
        context.write(topic_list())
        return
    for topic in topics:
        text = shell_help(topic.lower())
        if text is not None:
            context.write(text + "\n")
        elif topic.lower() in CQL_TOPICS:
            url = f"{CQL_HTML}#{CQL_TOPICS[topic.lower()]}"
            context.error(f"*** No browser to display CQL help. URL for help topic {topic} : {url}")
        else:
            context.error(f"*** No help on {topic}")
