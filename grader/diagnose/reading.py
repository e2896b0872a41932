"""Reading an output: the bounded part of it that is read, and :func:`diagnose`, which tries
each recogniser in turn on it."""

from __future__ import annotations

import re

from .command import parse_command
from .model import Context, Diagnosis, Seen, _line_of
from .recognisers import RECOGNISERS

HEAD_CHARS = 8 * 1024
TAIL_CHARS = 64 * 1024
"""The part of an output that is read: its start and its end (errors come last)."""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _readable(output: object) -> str:
    """The part of ``output`` that is read (its start and its end), as text."""
    if isinstance(output, (bytes, bytearray, memoryview)):
        raw = bytes(output)
        if len(raw) > HEAD_CHARS + TAIL_CHARS:
            raw = raw[:HEAD_CHARS] + b"\n" + raw[-TAIL_CHARS:]
        text = raw.decode("utf-8", errors="replace")
    elif isinstance(output, str):
        text = output
        if len(text) > HEAD_CHARS + TAIL_CHARS:
            text = text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]
    else:
        return ""
    return _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def diagnose(
    command: str,
    output: str | bytes,
    exit_status: int | None = None,
    context: Context | None = None,
) -> Diagnosis | None:
    """Explain why ``command`` (a notebook's docker line, ``!`` and all) failed with ``output``
    (its standard output and error together), or None when the text is not a failure this
    knows. With ``exit_status`` 0 only warnings worth a learner's attention count. ``context``
    gives the learner's registry, username and token file for the fix. Never raises."""
    try:
        return _diagnose(command, output, exit_status, context)
    except Exception:  # noqa: BLE001 - an explanation is a help, never a new failure
        return None


def _diagnose(command, output, exit_status, context) -> Diagnosis | None:
    cmd = parse_command(command)
    if cmd.shell_words and not cmd.invocations:
        return None  # another program's failure
    ctx = context if isinstance(context, Context) else Context()
    text = _readable(output)
    if not text.strip():
        return None
    succeeded = (
        isinstance(exit_status, int) and not isinstance(exit_status, bool) and exit_status == 0
    )
    for recogniser in RECOGNISERS:
        if succeeded and not recogniser.on_success:
            continue
        for pattern in recogniser.patterns:
            match = pattern.search(text)
            if match is None:
                continue
            seen = Seen(match, text, cmd, ctx)
            explained = recogniser.explain(seen)
            if explained is not None:
                cause, fix = explained
                return Diagnosis(recogniser.error, cause, fix, _line_of(seen))
            break  # this recogniser declines; the next may know the text
    return None
