"""The notebook's own ``!command`` lines (and ``name = !command`` captures), run with pipes
instead of a terminal.

IPython runs ``!docker push …`` in a pseudo-terminal, so docker draws progress bars with cursor
movements that JupyterLab cannot replay: the rendered output loses lines (``Pushed`` never
shows). Through a pipe, docker prints one plain line per layer and status, as in a CI log. The
command still goes to the system shell, with ``{…}`` filled in by IPython, so ``<``, ``|`` and
``$VARIABLES`` mean what they mean in a terminal. Standard input is empty: a command that would
prompt (``docker login`` without ``--password-stdin``) says it cannot instead of waiting.

A caller may also be told of every command that fails (``install(on_failure=…)``): it gets the
command as it ran, its output (the start and the end of it, bounded) and its exit status, right
after the output was shown. What to make of a failure is the caller's business, not this
module's; a hook that fails is ignored, never the learner's command.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

OnFailure = Callable[[str, str, int], None]
"""``(command, output_text, exit_status) -> None``: told of a command that exited non-zero."""

HEAD_BYTES = 8 * 1024
TAIL_BYTES = 64 * 1024
"""How much of an output a hook is given: its start and its end (a failure's reason is last)."""


class _Kept:
    """The start and the end of a stream, fed a line at a time, in bounded memory."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.cut = False

    def add(self, chunk: bytes) -> None:
        room = HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > 2 * TAIL_BYTES:
            del self.tail[:-TAIL_BYTES]
            self.cut = True

    def text(self) -> str:
        tail = self.tail[-TAIL_BYTES:] if len(self.tail) > TAIL_BYTES else self.tail
        gap = b"\n" if self.cut or len(self.tail) > TAIL_BYTES else b""
        return bytes(self.head + gap + tail).decode(errors="replace")


def install(on_failure: OnFailure | None = None) -> bool:
    """Make ``!command`` in the running IPython kernel use pipes (once); False outside IPython.

    ``on_failure`` is called after a command (``!…`` or ``name = !…``) exits non-zero; a later
    ``install`` with another one replaces it, one without leaves it as it is."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell.system, "_course_pipes", False):
        if on_failure is not None:
            shell.system._course_on_failure = on_failure
        return True

    def failed(command: str, kept: _Kept, status: int) -> None:
        hook = getattr(system, "_course_on_failure", None)
        if status == 0 or hook is None:
            return
        try:
            hook(command, kept.text(), status)
        except Exception:  # noqa: BLE001 - the hook's trouble is never the learner's command's
            pass

    def system(cmd: str) -> None:
        command = shell.var_expand(cmd, depth=1)  # the caller's names, as IPython's own does
        kept = _Kept()
        with subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as process:
            try:
                for line in iter(process.stdout.readline, b""):
                    kept.add(line)
                    sys.stdout.write(line.decode(errors="replace"))
                    sys.stdout.flush()
            except KeyboardInterrupt:
                process.kill()
                raise
        shell.user_ns["_exit_code"] = process.returncode
        failed(command, kept, process.returncode)

    def getoutput(cmd: str, split: bool = True, depth: int = 0):
        from IPython.utils.text import LSString, SList

        command = shell.var_expand(cmd, depth=depth + 1)
        done = subprocess.run(
            command, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        shell.user_ns["_exit_code"] = done.returncode
        text = done.stdout.decode(errors="replace")
        kept = _Kept()
        kept.add(done.stdout)
        failed(command, kept, done.returncode)
        return SList(text.splitlines()) if split else LSString(text)

    system._course_pipes = True
    system._course_on_failure = on_failure
    shell.system = system
    shell.getoutput = getoutput
    return True
