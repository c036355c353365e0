"""A TCP proxy in front of a Redis server that loses replies on purpose.

When Redis dies (SIGKILL, a failover, a dropped link) between applying a command and answering
it, the client sees a connection error for a command that *was* executed. redis-py then sends
it again: every write the run makes must be right when applied twice, or be told it already
was. The proxy makes that moment happen on demand: it forwards a command to the server, lets
the server execute it, then closes the client's connection instead of passing the reply on.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterable


class ReplyCutter:
    """``redis://127.0.0.1:<port>/<db>`` in front of ``upstream`` (host, port).

    ``cut_next(pattern)``: the reply to the next command containing ``pattern`` is lost (once).
    ``cut_every(n, patterns)``: the reply to every ``n``-th command containing one of
    ``patterns`` is lost. Error replies (``-NOSCRIPT``...) are never cut: the command was not
    applied, so losing its reply would prove nothing.
    """

    def __init__(self, upstream: tuple[str, int], db: int = 0) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/{db}"
        self._lock = threading.Lock()
        self._once: list[bytes] = []
        self._every: tuple[int, tuple[bytes, ...]] | None = None
        self._matched = 0
        self.cut = 0  # replies lost so far
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="reply-cutter").start()

    def cut_next(self, pattern: bytes) -> None:
        with self._lock:
            self._once.append(pattern)

    def cut_every(self, n: int, patterns: Iterable[bytes]) -> None:
        with self._lock:
            self._every = (n, tuple(patterns))

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _cut_for(self, command: bytes) -> bytes | None:
        """The pattern whose reply is to be lost (``b""`` in ``cut_every`` mode), or None."""
        with self._lock:
            for pattern in self._once:
                if pattern in command:
                    self._once.remove(pattern)
                    return pattern
            if self._every is not None:
                n, patterns = self._every
                if any(p in command for p in patterns):
                    self._matched += 1
                    if self._matched % n == 0:
                        return b""
        return None

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            pending: list[bytes] = []  # the next reply from the server is to be lost
            threading.Thread(target=self._commands, args=(client, server, pending),
                             daemon=True).start()
            threading.Thread(target=self._replies, args=(server, client, pending),
                             daemon=True).start()

    def _commands(self, client: socket.socket, server: socket.socket,
                  pending: list[bytes]) -> None:
        try:
            while data := client.recv(65536):
                pattern = self._cut_for(data)
                if pattern is not None:
                    pending.append(pattern)
                server.sendall(data)
        except OSError:
            pass
        _close(client, server)

    def _replies(self, server: socket.socket, client: socket.socket,
                 pending: list[bytes]) -> None:
        try:
            while data := server.recv(65536):
                if pending:
                    pattern = pending.pop()
                    if not data.startswith(b"-"):
                        with self._lock:
                            self.cut += 1
                        break  # applied by the server, never answered
                    if pattern:  # not applied: lose the reply of its next try instead
                        self.cut_next(pattern)
                client.sendall(data)
        except OSError:
            pass
        _close(client, server)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
