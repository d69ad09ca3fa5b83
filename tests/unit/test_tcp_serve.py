"""The multi-worker listener keeps TCP_NODELAY on the connections it accepts (gongji.cli.tcp_serve).

asyncio turns TCP_NODELAY on for an accepted connection only when the listening socket says it is TCP; uvicorn's
``--workers`` path binds one that does not say so (``proto`` 0), and every keep-alive answer then waits on Nagle's
algorithm. These tests accept a real connection on 127.0.0.1 through asyncio, as each worker does.
"""

from __future__ import annotations

import asyncio
import socket
import threading

from gongji.cli.tcp_serve import TcpConfig, tcp_listener


def _bound_like_uvicorn() -> socket.socket:
    """A listener made the way uvicorn's ``Config.bind_socket`` makes one: family only, ``proto`` left at 0."""
    sock = socket.socket(family=socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _nodelay_of_accepted(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection asyncio accepts on ``listener``."""
    found: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            found.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(200):
            if found:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    # In a thread of its own: the suite's main thread may already be running an event loop (asyncio.run refuses
    # to start one there), and the probe must not disturb it.
    failures: list[BaseException] = []

    def probe() -> None:
        try:
            asyncio.run(accept_one())
        except BaseException as exc:  # handed to the test's thread
            failures.append(exc)

    thread = threading.Thread(target=probe)
    try:
        thread.start()
        thread.join(timeout=30)
    finally:
        listener.close()
    if failures:
        raise failures[0]
    assert found, "no connection was accepted"
    return found[0]


def test_a_listener_bound_as_uvicorn_binds_it_loses_nodelay_and_the_tcp_one_keeps_it() -> None:
    # The failure this module exists for, then its cure, on the same kind of socket.
    assert _nodelay_of_accepted(_bound_like_uvicorn()) == 0
    fixed = tcp_listener(_bound_like_uvicorn())
    assert fixed.proto == socket.IPPROTO_TCP
    assert fixed.get_inheritable(), "the worker processes inherit the listener"
    assert _nodelay_of_accepted(fixed) != 0  # (each probe closes its listener)


def test_the_configuration_binds_a_tcp_listener_at_the_asked_address() -> None:
    config = TcpConfig("gongji.cli.serve_cmd:served_app", host="127.0.0.1", port=0, workers=2)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def test_a_socket_already_tcp_is_kept_as_it_is() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        assert tcp_listener(sock) is sock
    finally:
        sock.close()
