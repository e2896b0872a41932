"""HTTP into another network namespace (a grading sandbox's, a student's seat's) from this
process.

A sandbox's registry and the student's published ports listen only inside the sandbox's own
network namespace. The grading process reaches them without a helper process: a short-lived
thread enters the namespace (``setns`` changes only the calling thread's namespace), opens the
TCP connection there, and hands the socket back; a socket stays in the namespace it was made in.
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading

import requests
import requests.adapters
import urllib3
import urllib3.connection

_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class Namespace:
    """A network namespace, named by a file (``/proc/PID/ns/net`` or a bind mount of it)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(path)

    def _inside(self, make):
        """``make()`` run in a short-lived thread that entered the namespace: what it returns
        (a socket stays in the namespace it was made in)."""
        made: dict = {}

        def inside() -> None:
            try:
                self.enter()
                made["value"] = make()
            except OSError as error:
                made["error"] = error

        thread = threading.Thread(target=inside, name="netns")
        thread.start()
        thread.join()
        if "error" in made:
            raise made["error"]
        return made["value"]

    def connect(self, host: str, port: int, timeout: float | None) -> socket.socket:
        """A TCP connection to ``host:port`` as seen inside the namespace."""
        return self._inside(lambda: socket.create_connection((host, port), timeout=timeout))

    def listen(self, host: str, port: int) -> socket.socket:
        """A listening TCP socket at ``host:port`` inside the namespace (accepted from here)."""

        def make() -> socket.socket:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((host, port))
            server.listen(64)
            return server

        return self._inside(make)

    def enter(self) -> None:
        """Move the calling thread (a child before ``exec``) into the namespace."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            if _libc.setns(fd, _CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"cannot enter {self.path}")
        finally:
            os.close(fd)

    def session(self) -> requests.Session:
        """A requests session whose every ``http://`` connection is made inside the namespace."""
        session = requests.Session()
        session.mount("http://", _Adapter(self))
        return session


class _Adapter(requests.adapters.HTTPAdapter):
    def __init__(self, namespace: Namespace) -> None:
        self._namespace = namespace
        self._pools: dict[tuple[str, int], urllib3.HTTPConnectionPool] = {}
        super().__init__()

    def _pool(self, url: str) -> urllib3.HTTPConnectionPool:
        parsed = urllib3.util.parse_url(url)
        key = (parsed.host or "127.0.0.1", parsed.port or 80)
        if key not in self._pools:
            namespace = self._namespace

            class Connection(urllib3.connection.HTTPConnection):
                def _new_conn(self) -> socket.socket:
                    timeout = self.timeout if isinstance(self.timeout, (int, float)) else None
                    return namespace.connect(self.host, self.port, timeout)

            pool = urllib3.HTTPConnectionPool(*key, maxsize=4)
            pool.ConnectionCls = Connection
            self._pools[key] = pool
        return self._pools[key]

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        return self._pool(request.url)

    def get_connection(self, url, proxies=None):
        return self._pool(url)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        super().close()
