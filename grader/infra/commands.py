"""Running a docker command the learner typed: parsed into an argument list, run without a shell,
its output streamed line by line.

Only ``docker …`` runs. Anything a shell would have to interpret (``;``, ``|``, ``&&``, ``||``,
``&``, ``$(…)``, backticks, ``$VARIABLES``, redirections, more than one line) is refused with the
reason, before anything starts: there is no shell here to give it a meaning, and passing it to
docker as a plain argument would do something other than what the learner meant.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import InfrastructureError, InvalidInput

PROGRAM = "docker"
NO_SHELL = "Commands here run without a shell, one docker command at a time"
STOP_GRACE_SECONDS = 5.0
"""How long a stopped command has to end after its interrupt before it is killed."""


class CommandRefused(InvalidInput):
    """The command line is not a single docker command; nothing was run."""

    kind = "refused"


@dataclass(frozen=True)
class CommandResult:
    """What one run of a command did."""

    argv: tuple[str, ...]
    exit_status: int
    """The program's exit status; negative when it was stopped by a signal (Stop, timeout)."""
    seconds: float
    output: str
    """Standard output and standard error, merged in the order they came."""

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    def __str__(self) -> str:
        return f"{self.command}: exit status {self.exit_status} after {self.seconds:.1f} s"

    __repr__ = __str__


# --- parsing --------------------------------------------------------------------------------------

_OPERATORS = {
    "&&": "`&&` runs a second command if the first one succeeded. {no_shell}: run the second one "
    "on its own after this one.",
    "||": "`||` runs a second command if the first one failed. {no_shell}: run the second one on "
    "its own if you need it.",
    ";": "`;` runs one command after another. {no_shell}: run them one after the other.",
    "|": "`|` pipes the output into another program. {no_shell}, and only docker runs: its whole "
    "output is shown below (many docker commands filter themselves: `--filter`, `--format`).",
    "&": "`&` runs a command in the background. {no_shell}. To keep a container running, start "
    "it detached: `docker run -d …`.",
    ">": "`>` writes the output to a file (a redirection). {no_shell}: the output is shown below "
    "instead.",
    "<": "`<` reads standard input from a file (a redirection). {no_shell}: no file is read.",
    "(": "`(` starts a subshell. {no_shell}.",
    ")": "`)` ends a subshell. {no_shell}.",
}
_SUBSTITUTION = (
    "{what} runs another command and pastes its output in (command substitution). {no_shell}: "
    "run the inner command on its own and copy what you need from its output."
)
_VARIABLE = (
    "`{name}` is a shell variable. {no_shell}, so nothing would replace it: write the value "
    "itself. (Your access token is sent for you by the login widget, never typed.)"
)


def _refuse(template: str, **values) -> CommandRefused:
    message = template.format(no_shell=NO_SHELL, **values)
    return CommandRefused(message, "Write a single docker command, e.g. docker images.")


def _shell_syntax(line: str) -> None:
    """Raise :class:`CommandRefused` for the first piece of shell syntax outside single quotes."""
    if "\n" in line or "\r" in line:
        raise _refuse("The command has more than one line. {no_shell}: run each line on its own.")
    quote = None  # None, "'" or '"'
    i = 0
    while i < len(line):
        char = line[i]
        if quote == "'":
            if char == "'":
                quote = None
        elif char == "\\":
            i += 1  # the next character is escaped
        elif char == "`":
            raise _refuse(_SUBSTITUTION, what="A backtick (`…`)")
        elif char == "$" and line[i + 1 : i + 2] == "(":
            raise _refuse(_SUBSTITUTION, what="`$(…)`")
        elif char == "$" and (line[i + 1 : i + 2].isalpha() or line[i + 1 : i + 2] in "{_"):
            end = i + 1
            while end < len(line) and (line[end].isalnum() or line[end] in "_{}"):
                end += 1
            raise _refuse(_VARIABLE, name=line[i:end])
        elif quote == '"':
            if char == '"':
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "&|;<>()":
            pair = line[i : i + 2]
            if pair in ("&&", "||"):
                raise _refuse(_OPERATORS[pair])
            if char in "<>" or pair == "&>":
                raise _refuse(_OPERATORS["<" if char == "<" else ">"])
            raise _refuse(_OPERATORS[char])
        i += 1


def _program(argv: list[str]) -> None:
    """Raise :class:`CommandRefused` unless ``argv`` runs the docker CLI itself."""
    first = argv[0]
    if first == PROGRAM:
        return
    if first.startswith("!"):
        why = "`!` runs a line in a shell from a notebook cell. Here, write the command without it."
    elif os.path.basename(first) == PROGRAM:
        why = (
            f"Write plain `docker`, not {first}: the course runs the docker CLI on your PATH, "
            "with your lab's Docker configuration."
        )
    elif first == "sudo":
        why = (
            "`sudo` is not needed, and it would use root's Docker configuration instead of your "
            "lab's (where your login is kept). Drop it."
        )
    elif "=" in first:
        why = (
            f"`{first}` sets an environment variable for the command. {NO_SHELL}: only plain "
            "docker commands run."
        )
    elif first in ("env", "nohup", "time", "exec", "command", "xargs", "timeout", "nice"):
        why = f"`{first}` would start another program. Only docker commands run here."
    else:
        why = (
            f"`{first}` is not docker. Only docker commands run here; use a terminal for other "
            "programs."
        )
    raise CommandRefused(why, "Start the command with docker, e.g. docker images.")


def parse(line: str) -> list[str]:
    """Split a command line into an argument list, or raise :class:`CommandRefused` saying why
    it cannot run here."""
    if not isinstance(line, str) or not line.strip():
        raise CommandRefused("The command is empty.", "Type a docker command, e.g. docker images.")
    _shell_syntax(line)
    try:
        argv = shlex.split(line)
    except ValueError as error:  # "No closing quotation"
        raise CommandRefused(
            f"The command cannot be read: {error}.", "Close every quote you opened."
        ) from None
    _program(argv)
    return argv


# --- running --------------------------------------------------------------------------------------


def run(
    command: str | list[str],
    on_line: Callable[[str], None] | None = None,
    *,
    stdin: str | None = None,
    timeout: float | None = None,
    redact: Iterable[str] = (),
    on_start: Callable[[Callable[[], bool]], None] | None = None,
) -> CommandResult:
    """Run one docker command without a shell and return what it did.

    ``command`` is a command line (parsed and checked by :func:`parse`) or an argument list
    (checked the same way). Each line of output (standard output and standard error merged) goes
    to ``on_line`` as soon as it is written. ``stdin`` is sent on standard input (e.g. a token
    for ``docker login --password-stdin``); every string in ``redact`` is replaced by ``****``
    in the output. ``on_start`` receives a function that stops the command (and says whether
    it was still running). After ``timeout``
    seconds the command is stopped.
    """
    if isinstance(command, str):
        argv = parse(command)
    else:
        argv = list(command)
        if not argv:
            raise CommandRefused("The command is empty.", "Type a docker command.")
        _program(argv)
        for arg in argv:
            if "\n" in arg or "\r" in arg:
                raise _refuse("An argument has more than one line. {no_shell}.")
    secrets = [s for s in redact if s]

    def clean(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "****")
        return text

    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        )
    except FileNotFoundError:
        raise InfrastructureError(
            "The docker command is not installed on this machine (or not on PATH).",
            "Install the Docker CLI (Docker Desktop, or `apt-get install docker.io`), then run "
            "`grader doctor`.",
        ) from None

    def stop() -> bool:
        """Stop the command as Ctrl-C in a terminal would (the docker client passes it on to a
        container it runs), and kill it if it is still there after a grace period. False if it
        had ended already."""
        if process.poll() is not None:
            return False
        process.send_signal(signal.SIGINT)
        killer = threading.Timer(STOP_GRACE_SECONDS, _kill_if_running, (process,))
        killer.daemon = True
        killer.start()
        return True

    timer = threading.Timer(timeout, stop) if timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    if on_start:
        on_start(stop)
    lines: list[str] = []
    try:
        if stdin is not None:
            try:
                process.stdin.write(stdin)
                process.stdin.close()
            except BrokenPipeError:
                pass
        for raw in process.stdout:
            line = clean(raw.rstrip("\n"))
            lines.append(line)
            if on_line:
                on_line(line)
        exit_status = process.wait()
    except BaseException:  # KeyboardInterrupt (interrupt the kernel) stops the command too
        stop()
        process.wait()
        raise
    finally:
        if timer:
            timer.cancel()
        process.stdout.close()
    return CommandResult(tuple(argv), exit_status, time.perf_counter() - started, "\n".join(lines))


def _kill_if_running(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
