"""prompt_toolkit's side of completion: the word before the cursor replaced by :func:`complete`'s words."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from shell.completion import WORD, SchemaLike, complete


class CqlCompleter(Completer):
    """Completes over the whole statement: ``pending`` gives the lines typed before the current one."""

    def __init__(
        self,
        schema: Callable[[], SchemaLike | None],
        keyspace: Callable[[], str | None],
        pending: Callable[[], str] = lambda: "",
    ) -> None:
        self._schema = schema
        self._keyspace = keyspace
        self._pending = pending

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        before = document.text_before_cursor
        match = WORD.search(before)
        prefix = match.group() if match else ""
        try:
            words = complete(self._pending() + before, self._schema(), self._keyspace())
        except Exception:  # a completion bug must never break the prompt
            return
        for word in words:
            yield Completion(word, start_position=-len(prefix))
