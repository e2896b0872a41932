"""A learner's journal: every check they ran, every hint and answer they revealed and every failed
docker command the course explained, each with its time, one JSON object a line.

The learner's persistent lab keeps it beside its other state (``journal.jsonl`` in its folder
of ``grader.infra.places.LEARNERS``, which only its owner reads) and appends to it; an instructor's class page reads it (:mod:`grader.server.progress`). The format,
version 1 (``"v": 1`` in each line)::

    {"v": 1, "at": 1764773045.2, "kind": "check", "step": "push", "passed": false,
     "tried": true, "attempt": 3}
    {"v": 1, "at": 1764773050.9, "kind": "hint", "step": "push", "task": "push", "level": 2}
    {"v": 1, "at": 1764773061.0, "kind": "answer", "step": "push", "task": "push"}
    {"v": 1, "at": 1764773070.4, "kind": "diagnosis", "error": "push-denied"}

- ``at``: seconds since the epoch (UTC);
- ``step``: a check's name (:data:`grader.checks.NAMES`): the lifecycle's steps;
- ``check``: ``tried`` is false when the course only looked (a lesson opened, an earlier step's
  prerequisite), true when the learner acted (ran the cell below a step, pressed Check);
  ``attempt`` counts the tried checks of that step so far, this one included;
- ``hint``: ``level`` 1 (a nudge), 2 (the command's shape) or 3 (the answer), of lesson ``task``;
- ``answer``: the full answer of ``task`` was revealed (level 3);
- ``diagnosis``: a failed docker command was recognised (:mod:`grader.diagnose`); ``error`` is
  its stable key (``login-refused``, ``push-denied``, …). The command and its output are not kept.

The file is the learner's own: whoever reads it for someone else treats every line as untrusted
(:func:`parse` skips what is not a well-formed event; :func:`read_capped` reads at most the last
:data:`READ_LIMIT` bytes). A journal can be edited by its learner: it shows progress, it never
grades (grading collects its own evidence).
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

FILE = "journal.jsonl"
VERSION = 1
KINDS = ("check", "hint", "answer", "diagnosis")
READ_LIMIT = 1 << 20
"""Bytes of a journal a reader takes (the newest); a term's work is far below it."""
_TEXT_LIMIT = 64
"""Longest step, task or error key kept from a journal line."""


def event(kind: str, at: float | None = None, **fields) -> dict:
    """One journal line's content."""
    if kind not in KINDS:
        raise ValueError(f"unknown journal event kind {kind!r}")
    return {"v": VERSION, "at": round(time.time() if at is None else at, 3), "kind": kind, **fields}


def append(folder: Path, entry: dict) -> None:
    """Add ``entry`` at the end of the journal in ``folder`` (made ``0600`` if new): one
    ``write`` of one line, so lines from two kernels never interleave."""
    line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
    fd = os.open(folder / FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_own(folder: Path) -> list[dict]:
    """The events of the journal in ``folder`` (the learner's own lab reading it back)."""
    try:
        data = (folder / FILE).read_bytes()
    except OSError:
        return []
    return parse(data[-READ_LIMIT:])


def read_capped(fd: int) -> bytes:
    """At most the last :data:`READ_LIMIT` bytes of the open file ``fd`` (a reader that must not
    be made to read a huge file)."""
    size = os.fstat(fd).st_size
    start = max(0, size - READ_LIMIT)
    os.lseek(fd, start, os.SEEK_SET)
    chunks, left = [], min(size, READ_LIMIT)
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    if start:  # the first line was cut: drop it
        data = data.partition(b"\n")[2]
    return data


def parse(data: bytes) -> list[dict]:
    """The well-formed events in ``data``, in order; anything else (a half-written last line,
    garbage, a line of another shape) is skipped."""
    events = []
    for raw in data.splitlines():
        try:
            found = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        checked = _checked(found)
        if checked is not None:
            events.append(checked)
    return events


def _text(value) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= _TEXT_LIMIT else None


def _checked(found) -> dict | None:
    """``found`` as a well-formed event with only the fields of its kind, else None."""
    if not isinstance(found, dict) or found.get("v") != VERSION:
        return None
    at, kind = found.get("at"), found.get("kind")
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        return None
    base = {"v": VERSION, "at": float(at), "kind": kind}
    if kind == "check":
        step, attempt = _text(found.get("step")), found.get("attempt", 0)
        passed, tried = found.get("passed"), found.get("tried", True)
        if step is None or not isinstance(passed, bool) or not isinstance(tried, bool):
            return None
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
            return None
        return {**base, "step": step, "passed": passed, "tried": tried, "attempt": attempt}
    if kind in ("hint", "answer"):
        step, task, level = _text(found.get("step")), _text(found.get("task")), found.get("level")
        if step is None:
            return None
        if kind == "answer":
            return {**base, "step": step, "task": task}
        if isinstance(level, bool) or level not in (1, 2, 3):
            return None
        return {**base, "step": step, "task": task, "level": level}
    if kind == "diagnosis":
        error = _text(found.get("error"))
        return None if error is None else {**base, "error": error}
    return None


@dataclass
class Step:
    """Where a learner stands on one step, from their journal."""

    state: str = "not tried"
    """``passed``, ``failed`` or ``not tried`` (the latest check decides: a step that passed
    and fails later, e.g. an image removed, is failed again)."""
    attempts: int = 0
    """Checks the learner ran for it (not the course's own looks)."""
    last_try: float | None = None
    """When the learner last tried it (seconds since the epoch)."""
    failing_since: float | None = None
    """When its current run of failed attempts began (None unless failed)."""
    revealed: bool = False
    """The learner revealed its full answer."""
    hints: int = 0
    """The highest hint level shown (0 to 3)."""


@dataclass
class Summary:
    """A learner's journal, step by step."""

    steps: dict[str, Step] = field(default_factory=dict)
    diagnoses: list[tuple[float, str]] = field(default_factory=list)
    """``(when, error key)`` of each explained docker failure, oldest first."""
    last_seen: float | None = None
    """The time of the newest event."""


def summarise(events: list[dict]) -> Summary:
    """Fold ``events`` (oldest first) into one :class:`Step` per step named in them."""
    summary = Summary()
    for entry in events:
        summary.last_seen = max(summary.last_seen or entry["at"], entry["at"])
        if entry["kind"] == "diagnosis":
            summary.diagnoses.append((entry["at"], entry["error"]))
            continue
        step = summary.steps.setdefault(entry["step"], Step())
        if entry["kind"] == "hint":
            step.hints = max(step.hints, entry["level"])
            step.revealed = step.revealed or entry["level"] == 3
        elif entry["kind"] == "answer":
            step.revealed, step.hints = True, 3
        elif entry["passed"]:
            step.state, step.failing_since = "passed", None
            if entry["tried"]:
                step.attempts, step.last_try = step.attempts + 1, entry["at"]
        elif entry["tried"]:
            step.attempts, step.last_try = step.attempts + 1, entry["at"]
            if step.state != "failed":
                step.state, step.failing_since = "failed", entry["at"]
        elif step.state == "passed":  # a look finds a passed step undone (e.g. image removed)
            step.state, step.failing_since = ("failed", entry["at"]) if step.attempts else (
                "not tried", None)  # fmt: skip
    return summary
