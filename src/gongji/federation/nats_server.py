"""A local NATS server (Debian's ``nats-server``, with JetStream) for a federation tried on one machine and for the
tests: started on 127.0.0.1 only, its JetStream files in a directory of the caller's, stopped and started again
at will (the chaos test kills it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NatsServer", "NatsServerMissing", "free_port", "nats_server_binary"]

#: Where Debian installs the server (``apt-get install nats-server``); ``PATH`` is asked first.
_DEBIAN_BINARY = "/usr/sbin/nats-server"
_START_TIMEOUT_S = 10.0


class NatsServerMissing(RuntimeError):
    """No ``nats-server`` on this machine."""


def nats_server_binary() -> str:
    """The ``nats-server`` program (``PATH``, then Debian's place); :class:`NatsServerMissing` when neither has it."""
    found = shutil.which("nats-server") or (_DEBIAN_BINARY if Path(_DEBIAN_BINARY).exists() else None)
    if found is None:
        raise NatsServerMissing("nats-server is not installed (Debian: apt-get install nats-server)")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class NatsServer:
    """One ``nats-server`` process on 127.0.0.1:``port`` keeping its JetStream data in ``store_dir``."""

    store_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The address clients connect to."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        """Start the server (the same port and store as before, after a :meth:`kill`) and wait until it listens."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log = (self.store_dir / "nats-server.log").open("ab")
        self.process = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited ({self.process.returncode}); see {self.store_dir}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server did not listen on {self.port} within {_START_TIMEOUT_S} s")

    def kill(self) -> None:
        """Stop the server at once (SIGKILL: as a crash would)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        """Stop the server cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
