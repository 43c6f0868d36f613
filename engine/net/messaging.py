"""One node's messaging endpoint: verb handlers, sending, and request/response with timeouts.

Cassandra's ``MessagingService``, in-process. A node registers a handler per :class:`Verb` it serves;
:meth:`MessagingService.send` fires a one-way message; :meth:`MessagingService.send_request` sends a
request and calls back exactly once: ``on_response(message)`` with the reply, or
``on_failure(endpoint, reason)`` with ``FAILURE_RSP``'s reason, or with ``TIMEOUT`` when no reply came
within the verb's timeout (this node's :class:`~engine.net.verbs.Timeouts`; the timer runs on the
network's time, so in a stepped network timeouts happen when the test advances the clock). A late reply
after the timeout is ignored, as in Cassandra.

A handler answers with :meth:`reply` (possibly later: the request is a value it can keep) or refuses with
:meth:`reply_failure`. A handler that raises :class:`RequestFailed` answers with its reason; any other
exception answers ``UNKNOWN`` and is recorded in ``network.handler_errors`` so tests can assert there
were none.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from engine.net.message import FailureResponse, Message
from engine.net.network import Network, TimerHandle
from engine.net.verbs import RequestFailureReason, Timeouts, Verb

Handler = Callable[[Message], None]
ResponseCallback = Callable[[Message], None]
FailureCallback = Callable[[str, RequestFailureReason], None]


class RequestFailed(Exception):
    """Raise from a handler to answer ``FAILURE_RSP`` with ``reason``."""

    def __init__(self, reason: RequestFailureReason, detail: str = "") -> None:
        super().__init__(detail or reason.name)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class _Callback:
    recipient: str
    verb: Verb
    on_response: ResponseCallback
    on_failure: FailureCallback | None
    timer: TimerHandle | None = None


class MessagingService:
    """A node's endpoint on the shared :class:`Network`."""

    def __init__(self, endpoint: str, network: Network) -> None:
        self.endpoint = endpoint
        self.network = network
        self._handlers: dict[Verb, Handler] = {}
        self._callbacks: dict[int, _Callback] = {}
        self._lock = threading.Lock()
        #: this node's timeouts (``nodetool settimeout``): a request's expiry uses its verb's current one
        self.timeouts = Timeouts()
        network.register(self)

    def register(self, verb: Verb, handler: Handler) -> None:
        """Serve ``verb`` with ``handler`` (replacing any previous one)."""
        self._handlers[verb] = handler

    def unregister(self, verb: Verb) -> None:
        self._handlers.pop(verb, None)

    def shutdown(self) -> None:
        """Leave the network; pending requests fail with ``TIMEOUT`` when their timers fire."""
        self.network.unregister(self.endpoint)

    # ------------------------------------------------------------------------------------ sending

    def _message(self, to: str, verb: Verb, payload: object, in_reply_to: int | None = None) -> Message:
        return Message(
            self.network.next_message_id(), verb, self.endpoint, to, payload, self.network.now(), in_reply_to
        )

    def send(self, to: str, verb: Verb, payload: object = None) -> Message:
        """Send a one-way message; returns it (it may be dropped: there is no acknowledgement)."""
        message = self._message(to, verb, payload)
        self.network.send(message)
        return message

    def send_request(
        self,
        to: str,
        verb: Verb,
        payload: object = None,
        *,
        on_response: ResponseCallback,
        on_failure: FailureCallback | None = None,
        timeout_ms: float | None = None,
    ) -> Message:
        """Send a request; exactly one of the callbacks will be called (``on_failure`` may be ``None``)."""
        message = self._message(to, verb, payload)
        callback = _Callback(to, verb, on_response, on_failure)
        with self._lock:
            self._callbacks[message.id] = callback
        timeout = self.timeouts.for_verb(verb) if timeout_ms is None else timeout_ms
        callback.timer = self.network.schedule(timeout, lambda: self._expire(message.id))
        self.network.send(message)
        return message

    def reply(self, request: Message, payload: object = None, verb: Verb | None = None) -> Message:
        """Answer ``request`` (with its verb's response verb unless ``verb`` is given)."""
        response_verb = verb or request.verb.response
        if response_verb is None:
            raise ValueError(f"{request.verb.name} expects no reply")
        message = self._message(request.sender, response_verb, payload, in_reply_to=request.id)
        self.network.send(message)
        return message

    def reply_failure(self, request: Message, reason: RequestFailureReason, detail: str = "") -> Message:
        message = self._message(
            request.sender, Verb.FAILURE_RSP, FailureResponse(reason, detail), in_reply_to=request.id
        )
        self.network.send(message)
        return message

    def pending_requests(self) -> int:
        with self._lock:
            return len(self._callbacks)

    # ---------------------------------------------------------------------------------- receiving

    def receive(self, message: Message) -> None:
        """Called by the network: a reply completes its request, anything else goes to its handler."""
        if message.in_reply_to is not None:
            self._complete(message)
            return
        handler = self._handlers.get(message.verb)
        if handler is None:
            self.network.handler_errors.append(
                (self.endpoint, message.verb, LookupError(f"no handler for {message.verb.name}"))
            )
            if message.verb.response is not None:
                self.reply_failure(
                    message, RequestFailureReason.UNKNOWN, f"no handler for {message.verb.name}"
                )
            return
        try:
            handler(message)
        except RequestFailed as e:
            if message.verb.response is not None:
                self.reply_failure(message, e.reason, e.detail)
        except Exception as e:
            self.network.handler_errors.append((self.endpoint, message.verb, e))
            if message.verb.response is not None:
                self.reply_failure(message, RequestFailureReason.UNKNOWN, str(e))

    def _complete(self, message: Message) -> None:
        with self._lock:
            callback = self._callbacks.pop(message.in_reply_to, None)  # type: ignore[arg-type]
        if callback is None:
            return  # late reply: the request already timed out
        if callback.timer is not None:
            self.network.cancel(callback.timer)
        if message.verb is Verb.FAILURE_RSP:
            payload = message.payload
            reason = payload.reason if isinstance(payload, FailureResponse) else RequestFailureReason.UNKNOWN
            if callback.on_failure is not None:
                callback.on_failure(message.sender, reason)
            return
        callback.on_response(message)

    def _expire(self, message_id: int) -> None:
        with self._lock:
            callback = self._callbacks.pop(message_id, None)
        if callback is not None and callback.on_failure is not None:
            callback.on_failure(callback.recipient, RequestFailureReason.TIMEOUT)
