"""The verdict of one check, which renders itself as text and as HTML."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

RUNNABLE = re.compile(r"`!([^`]+)`")
"""A command in a hint: between backticks, after ``!``, exactly as it runs in a notebook cell."""


def shell(command: str) -> str:
    """Write ``command`` into a hint as it runs in a notebook cell: `` `!docker …` ``. Hints
    hold either such commands, runnable where they are shown, or prose."""
    return f"`!{command}`"


def runnable(text: str) -> list[str]:
    """The commands a hint holds (without the ``!``), in order."""
    return RUNNABLE.findall(text)


def as_html(text: str) -> str:
    """``text`` escaped for HTML, with its `backticked` parts as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


@dataclass(frozen=True)
class Outcome:
    """What a check function returns: the verdict, before points are attached."""

    passed: bool
    """Whether the observed state proves the step was done."""
    message: str
    """What was observed, in a sentence a student understands."""
    hint: str = ""
    """What to do next; empty when the check passed."""
    evidence: dict = field(default_factory=dict)
    """The facts the verdict rests on (digests, image IDs, log lines), for instructors and tests."""


def passed(message: str, **evidence) -> Outcome:
    return Outcome(True, message, "", evidence)


def failed(message: str, hint: str, **evidence) -> Outcome:
    return Outcome(False, message, hint, evidence)


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check, with its points."""

    name: str
    """The check's name, e.g. ``"push"``."""
    title: str
    """What the step is, e.g. ``"Push the image"``."""
    passed: bool
    points: float
    max_points: float
    message: str
    hint: str = ""
    evidence: dict = field(default_factory=dict)
    seconds: float = 0.0
    """How long the check took."""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        text = f"[{mark}] {self.name} ({self.points:g}/{self.max_points:g}): {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def html(self, *, hint: bool = True) -> str:
        """The verdict as HTML; ``hint=False`` leaves the hint out (a lesson step that reveals
        it in its own time)."""
        colour, mark = ("#1a7f37", "&#10004;") if self.passed else ("#cf222e", "&#10008;")
        shown = (
            f'<div style="margin-top:4px"><b>Hint:</b> {as_html(self.hint)}</div>'
            if hint and self.hint
            else ""
        )
        return (
            f'<div class="grader-result" data-check="{html.escape(self.name)}" '
            f'data-passed="{str(self.passed).lower()}" '
            f'style="border-left:4px solid {colour};padding:6px 10px;margin:4px 0">'
            f'<span style="color:{colour};font-weight:bold">{mark} {html.escape(self.title)}</span> '
            f"<span>({self.points:g}/{self.max_points:g})</span>"
            f"<div>{as_html(self.message)}</div>{shown}</div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"<CheckResult {self.name} passed={self.passed} {self.points:g}/{self.max_points:g}>"
