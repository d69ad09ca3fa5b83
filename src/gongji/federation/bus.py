"""One NATS connection for a node's synchronous code (the use cases, the national interface's handler threads).

nats-py is asynchronous; gongji's request handling is not. A :class:`Bus` runs the client on an event loop of its
own, in a daemon thread, and offers blocking calls: :meth:`Bus.request` (core NATS request-reply) and
:meth:`Bus.serve` (answer a subject with a blocking handler, run in a small thread pool so that a slow database
write never holds up the connection). Until the server is reached the bus keeps trying, every
:data:`RECONNECT_WAIT_S`, and asks fail at once with :class:`Unreachable`; once connected, nats-py reconnects by
itself and subscribes again to what was served.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Protocol

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, StorageType, StreamConfig
from nats.js.errors import BadRequestError

__all__ = ["RECONNECT_WAIT_S", "STREAM", "Bus", "Consumer", "Handler", "Relayed", "Unreachable"]

_LOG = logging.getLogger("gongji.federation")
#: How long the bus waits between attempts to reach the server (first connection and reconnections).
RECONNECT_WAIT_S = 0.5
#: Threads that run served handlers at once.
HANDLER_THREADS = 8

#: A served subject's handler: the request's payload in, the reply's payload out (blocking is fine).
Handler = Callable[[bytes], bytes]
#: Applies a message taken from JetStream (its id, subject and payload); raising leaves it to be delivered again.
Consumer = Callable[[str, str, bytes], object]
#: The JetStream stream of the messages between nodes (one subject per receiving node).
STREAM = "GONGJI"
_STREAM_SUBJECTS = ["gongji.node.*.messages"]
#: How long JetStream remembers a message id to drop a republished copy (the inbox drops later ones).
DUPLICATE_WINDOW_S = 600.0
#: How long a delivered message may stay unacknowledged before JetStream delivers it again.
ACK_WAIT_S = 30.0
_FETCH_BATCH = 32
#: How long closing waits for answers in progress to be sent.
_CLOSE_S = 3.0


class Relayed(Protocol):
    """A message to publish: its id (JetStream's deduplication id), subject and payload."""

    @property
    def id(self) -> int: ...
    @property
    def msg_id(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def payload(self) -> str: ...


class Unreachable(Exception):
    """The other side could not be asked or did not answer in time: the server is down, nobody serves the subject,
    or the answer did not come (it may still have been acted on: only an idempotent request may be sent again)."""


class Bus:
    """A NATS connection run on its own event-loop thread (module docstring). ``name`` names the connection in the
    server's monitoring (the node's name)."""

    def __init__(self, url: str, *, name: str) -> None:
        self.url, self.name = url, name
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"nats-{name}", daemon=True)
        self._pool = ThreadPoolExecutor(max_workers=HANDLER_THREADS, thread_name_prefix=f"nats-{name}-handler")
        self._client: Client | None = None
        self._served: dict[str, tuple[str, Handler]] = {}
        self._closed = False
        self._connector: Any = None
        self._tasks: list[Any] = []

    def start(self) -> Bus:
        """Start the loop and begin connecting (returns at once: see :meth:`wait_connected`)."""
        self._thread.start()
        self._connector = asyncio.run_coroutine_threadsafe(self._connect(), self._loop)
        return self

    @property
    def connected(self) -> bool:
        """Whether the connection is up now."""
        client = self._client
        return client is not None and client.is_connected

    def wait_connected(self, timeout_s: float) -> bool:
        """Block until connected (``True``) or ``timeout_s`` passed (``False``)."""
        try:
            self._connector.result(timeout_s)
        except FutureTimeout:
            return False
        return self.connected

    def request(self, subject: str, payload: bytes, timeout_s: float) -> bytes:
        """Send ``payload`` to whoever serves ``subject`` and wait for the answer; :class:`Unreachable` if nobody
        answers within ``timeout_s``."""
        client = self._client
        if client is None or not client.is_connected:
            raise Unreachable(f"not connected to {self.url}")
        future = asyncio.run_coroutine_threadsafe(client.request(subject, payload, timeout=timeout_s), self._loop)
        try:
            answer: Msg = future.result(timeout_s + 1.0)
        except (TimeoutError, NatsError, FutureTimeout, OSError) as failed:
            future.cancel()
            raise Unreachable(f"{subject}: {type(failed).__name__}") from failed
        return bytes(answer.data)

    def serve(self, subject: str, handler: Handler, *, queue: str) -> None:
        """Answer requests on ``subject`` with ``handler`` (one of the ``queue`` group's members answers each)."""
        self._served[subject] = (queue, handler)
        client = self._client
        if client is not None and client.is_connected:
            asyncio.run_coroutine_threadsafe(self._subscribe(client, subject), self._loop).result(5.0)

    def relay(
        self,
        take: Callable[[], Sequence[Relayed]],
        done: Callable[[list[int]], None],
        *,
        idle_s: float = 0.2,
    ) -> None:
        """Publish what ``take`` gives (the outbox, oldest first) to JetStream, each with its id as
        ``Nats-Msg-Id``, and tell ``done`` which were acknowledged; then again, every ``idle_s`` when there was
        nothing. A crash between the two republishes the same ids: JetStream drops the copies it still remembers, the
        receiver's inbox the rest."""
        self._tasks.append(asyncio.run_coroutine_threadsafe(self._relay(take, done, idle_s), self._loop))

    def consume(self, subject: str, durable: str, apply: Consumer) -> None:
        """Take the messages of ``subject`` through the durable pull consumer ``durable`` (shared by the node's
        workers) and acknowledge each once ``apply`` returned; one that raised is delivered again."""
        self._tasks.append(asyncio.run_coroutine_threadsafe(self._consume(subject, durable, apply), self._loop))

    def close(self) -> None:
        """Drain the connection (answers in progress are sent) and stop the loop."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            try:
                asyncio.run_coroutine_threadsafe(self._drain(), self._loop).result(_CLOSE_S + 2.0)
            except FutureTimeout:  # the loop is stuck: stop it all the same (nothing here is lost: see the outbox)
                _LOG.warning("nats %s: closing timed out", self.url)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5.0)
        if not self._thread.is_alive():
            self._loop.close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _connect(self) -> None:
        while not self._closed:
            try:
                client = await nats.connect(
                    self.url,
                    name=self.name,
                    connect_timeout=2,
                    reconnect_time_wait=RECONNECT_WAIT_S,  # seconds
                    max_reconnect_attempts=-1,
                    allow_reconnect=True,
                )
            except (TimeoutError, NatsError, OSError) as failed:
                _LOG.info("nats %s not reached (%s); trying again", self.url, type(failed).__name__)
                await asyncio.sleep(RECONNECT_WAIT_S)
                continue
            for subject in list(self._served):
                await self._subscribe(client, subject)
            self._client = client
            return

    async def _subscribe(self, client: Client, subject: str) -> None:
        queue, handler = self._served[subject]

        async def answer(msg: Msg) -> None:
            loop = asyncio.get_running_loop()
            try:
                data = await loop.run_in_executor(self._pool, handler, msg.data)
            except Exception:  # a handler's fault must not stop the subscription; the asker times out
                _LOG.exception("handler of %s failed", subject)
                return
            if msg.reply:
                await msg.respond(data)

        await client.subscribe(subject, queue=queue, cb=answer)

    async def _connected(self) -> Client:
        while self._client is None:
            await asyncio.sleep(RECONNECT_WAIT_S)
        return self._client

    async def _stream(self, client: Client) -> Any:
        js = client.jetstream()
        config = StreamConfig(
            name=STREAM,
            subjects=_STREAM_SUBJECTS,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_S,
        )
        try:
            await js.add_stream(config)
        except BadRequestError:  # it exists with another configuration: make it this one
            await js.update_stream(config)
        return js

    async def _relay(
        self, take: Callable[[], Sequence[Relayed]], done: Callable[[list[int]], None], idle_s: float
    ) -> None:
        loop = asyncio.get_running_loop()
        js = None
        while not self._closed:
            try:
                js = js or await self._stream(await self._connected())
                rows = await loop.run_in_executor(self._pool, take)
                for row in rows:
                    await js.publish(row.subject, row.payload.encode(), headers={"Nats-Msg-Id": row.msg_id})
                if rows:
                    await loop.run_in_executor(self._pool, done, [row.id for row in rows])
                    continue
            except (NatsError, OSError, TimeoutError) as failed:
                _LOG.info("relay: %s; trying again", type(failed).__name__)
            except Exception:  # the database, say: the outbox keeps the messages; try again
                _LOG.exception("relay failed; trying again")
            await asyncio.sleep(idle_s)

    async def _consume(self, subject: str, durable: str, apply: Consumer) -> None:
        loop = asyncio.get_running_loop()
        subscription = None
        while not self._closed:
            try:
                if subscription is None:
                    js = await self._stream(await self._connected())
                    config = ConsumerConfig(ack_wait=ACK_WAIT_S)
                    subscription = await js.pull_subscribe(subject, durable=durable, stream=STREAM, config=config)
                messages = await subscription.fetch(_FETCH_BATCH, timeout=1.0)
            except TimeoutError:
                continue
            except (NatsError, OSError) as failed:
                _LOG.info("consumer %s: %s; trying again", durable, type(failed).__name__)
                await asyncio.sleep(RECONNECT_WAIT_S)
                continue
            for message in messages:
                msg_id = (message.headers or {}).get("Nats-Msg-Id", "")
                try:
                    await loop.run_in_executor(self._pool, apply, msg_id, message.subject, message.data)
                except Exception:  # left unacknowledged, it comes again (after the others, or after ack_wait)
                    _LOG.warning("message %s not applied; it will be delivered again", msg_id, exc_info=True)
                    await message.nak(delay=1.0)
                    continue
                await message.ack()

    async def _drain(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._connector is not None:
            self._connector.cancel()
        client = self._client
        if client is not None and not client.is_closed:
            try:
                await asyncio.wait_for(client.drain(), _CLOSE_S)
            except (TimeoutError, NatsError, OSError):
                await client.close()
