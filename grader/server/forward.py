"""TCP forwarding between the host and a student's network namespace, in the hub's own event loop.

A student's JupyterLab runs inside their engine's network namespace (see
:mod:`grader.server.spawner`). Two forwards connect it with the hub, with no helper process:

- :func:`into`: a listener on the host's loopback whose connections are made inside the
  namespace (the hub's proxy reaches the student's server this way);
- :func:`out_of`: a listener *inside* the namespace (a socket made there by a thread that entered
  it) whose connections go to the host's loopback (the student's server reaches the hub's API).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from ..isolation.netns import Namespace


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _join(a: tuple, b: tuple) -> None:
    await asyncio.gather(_pipe(a[0], b[1]), _pipe(b[0], a[1]))


async def into(namespace: Namespace, port: int) -> asyncio.Server:
    """Listen on a free port of the host's 127.0.0.1; each connection goes to ``127.0.0.1:port``
    inside ``namespace``. The port is ``server.sockets[0].getsockname()[1]``."""

    async def handle(reader, writer) -> None:
        try:
            inner = await asyncio.to_thread(namespace.connect, "127.0.0.1", port, 10)
        except OSError:
            writer.close()
            return
        inner.setblocking(False)
        await _join((reader, writer), await asyncio.open_connection(sock=inner))

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def out_of(namespace: Namespace, port: int, target_port: int) -> asyncio.Server:
    """Listen on ``127.0.0.1:port`` inside ``namespace``; each connection goes to the host's
    ``127.0.0.1:target_port``."""
    listening: socket.socket = await asyncio.to_thread(namespace.listen, "127.0.0.1", port)
    listening.setblocking(False)

    async def handle(reader, writer) -> None:
        try:
            outer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            writer.close()
            return
        await _join((reader, writer), outer)

    return await asyncio.start_server(handle, sock=listening)
