"""The notebook's own ``!command`` lines (and ``name = !command`` captures), run with pipes
instead of a terminal.

IPython runs ``!docker push …`` in a pseudo-terminal, so docker draws progress bars with cursor
movements that JupyterLab cannot replay: the rendered output loses lines (``Pushed`` never
shows). Through a pipe, docker prints one plain line per layer and status, as in a CI log. The
command still goes to the system shell, with ``{…}`` filled in by IPython, so ``<``, ``|`` and
``$VARIABLES`` mean what they mean in a terminal. Standard input is empty: a command that would
prompt (``docker login`` without ``--password-stdin``) says it cannot instead of waiting.
"""

from __future__ import annotations

import subprocess
import sys


def install() -> bool:
    """Make ``!command`` in the running IPython kernel use pipes (once); False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or getattr(shell.system, "_course_pipes", False):
        return shell is not None

    def system(cmd: str) -> None:
        command = shell.var_expand(cmd, depth=1)  # the caller's names, as IPython's own does
        with subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as process:
            try:
                for line in iter(process.stdout.readline, b""):
                    sys.stdout.write(line.decode(errors="replace"))
                    sys.stdout.flush()
            except KeyboardInterrupt:
                process.kill()
                raise
        shell.user_ns["_exit_code"] = process.returncode

    def getoutput(cmd: str, split: bool = True, depth: int = 0):
        from IPython.utils.text import LSString, SList

        command = shell.var_expand(cmd, depth=depth + 1)
        done = subprocess.run(
            command, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        shell.user_ns["_exit_code"] = done.returncode
        text = done.stdout.decode(errors="replace")
        return SList(text.splitlines()) if split else LSString(text)

    system._course_pipes = True
    shell.system = system
    shell.getoutput = getoutput
    return True
