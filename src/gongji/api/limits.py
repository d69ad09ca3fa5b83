"""Request bodies are bounded before anything reads them: a pure ASGI middleware in front of every route.

A request whose ``Content-Length`` is over its route's limit is answered at once, without reading a byte of the
body and before any credential is looked at. A body sent without a length (chunked) is counted as it streams; the
moment it passes the limit the request is cut off and answered the same way, whatever the route was doing — the
route's own answer, if it tries to give one, is replaced. So at most ``limit`` bytes of a body are ever held.

Each interface answers in its own format: the national interface with its envelope (−2, HTTP 413), the REST API
with problem details (``REQUEST_BODY_TOO_LARGE``, 413), the portal with a short page (413).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Answer", "BodyLimit", "BodyLimitMiddleware", "Limit"]

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Limit:
    """The largest body accepted under ``prefix``, and how a larger one is answered (given the limit and the
    request's scope)."""

    prefix: str
    max_bytes: int
    too_large: Callable[[int, Scope], Answer]


class _TooLarge(Exception):
    """The body streamed past its limit."""


class BodyLimit:
    """The limits of an application, the first whose prefix matches a path deciding."""

    def __init__(self, limits: Sequence[Limit], default: Limit) -> None:
        self.limits = tuple(limits)
        self.default = default

    def of(self, path: str) -> Limit:
        """The limit that applies to ``path``."""
        return next((limit for limit in self.limits if path.startswith(limit.prefix)), self.default)


class BodyLimitMiddleware:
    """Refuse a body over its route's limit from ``Content-Length`` or while it streams (see the module)."""

    def __init__(self, app: ASGIApp, limits: BodyLimit) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.of(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await _send_answer(send, limit.too_large(limit.max_bytes, scope))
            return
        await _Bounded(self.app, scope, receive, send, limit).run()


class _Bounded:
    """One request whose body is counted as the application reads it."""

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, limit: Limit) -> None:
        self.app, self.scope, self.receive, self.send, self.limit = app, scope, receive, send, limit
        self.read = 0
        self.exceeded = False
        self.started = False

    async def run(self) -> None:
        try:
            await self.app(self.scope, self._receive, self._send)
        except Exception:
            if not self.exceeded:
                raise  # the application's own fault; one caused by the cut-off body is answered below
        if self.exceeded and not self.started:
            await _send_answer(self.send, self.limit.too_large(self.limit.max_bytes, self.scope))

    async def _receive(self) -> Message:
        if self.exceeded:
            raise _TooLarge
        message = await self.receive()
        if message["type"] == "http.request":
            self.read += len(message.get("body", b""))
            if self.read > self.limit.max_bytes:
                self.exceeded = True
                raise _TooLarge
        return message

    async def _send(self, message: Message) -> None:
        if self.exceeded:
            return  # the application's answer to a body it could not read whole is replaced by ours
        self.started = True
        await self.send(message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_answer(send: Send, answer: Answer) -> None:
    headers = [
        (b"content-type", answer.content_type.encode("latin-1")),
        (b"content-length", str(len(answer.body)).encode("ascii")),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
