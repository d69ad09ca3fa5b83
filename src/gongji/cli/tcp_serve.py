"""Serving with several worker processes, as uvicorn does, with a listening socket that keeps TCP_NODELAY.

uvicorn's multi-worker path binds its listener itself with ``proto`` 0; asyncio sets TCP_NODELAY only on connections
accepted from a socket whose ``proto`` is IPPROTO_TCP, so every keep-alive request after the first then waits
~40 ms on Nagle's algorithm against the client's delayed ACK (Kludex/uvicorn#3149, open in uvicorn 0.54; measured
here: ``/healthz`` took 44 ms a request with 2 workers against 0.6 ms with one). The one-worker path is not affected.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from uvicorn import Config
from uvicorn.supervisors import Multiprocess

__all__ = ["TcpConfig", "serve_workers", "tcp_listener"]


def tcp_listener(sock: socket.socket) -> socket.socket:
    """The same listening socket, marked as a TCP one (``proto`` IPPROTO_TCP) so that its accepted connections get
    TCP_NODELAY; a Unix or already-TCP socket is returned as it is."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
        return sock
    tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
    tcp.set_inheritable(True)  # the worker processes inherit it, as uvicorn's own
    return tcp


class TcpConfig(Config):
    """uvicorn's configuration whose listener is a TCP socket (:func:`tcp_listener`)."""

    def bind_socket(self) -> socket.socket:
        """Bind as uvicorn does, then mark the socket as TCP."""
        return tcp_listener(super().bind_socket())


def serve_workers(app: str, workers: int, options: Mapping[str, Any]) -> None:
    """Run ``app`` (an import string) in ``workers`` processes sharing one TCP listener, supervised as uvicorn's
    ``--workers`` supervises them."""
    config = TcpConfig(app, workers=workers, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
