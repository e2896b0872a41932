"""What the recognisers work with and give: the :class:`Context` a fix is written with, what a
recogniser is shown (:class:`Seen`), the :class:`Recogniser` itself and the :class:`Diagnosis` it
gives."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..result import as_html
from .command import Command

_LINE_CHARS = 500


@dataclass(frozen=True)
class Diagnosis:
    """A recognised failure of one docker command, which renders itself as text and as HTML."""

    error: str
    """A stable key: ``"login-no-tty"``, ``"name-uppercase"``, ``"rate-limit"``, …"""
    cause: str
    """What went wrong, in a learner's words, naming the part of the command at fault."""
    fix: str
    """What to type instead: a notebook command (`` `!docker …` ``) where there is one, else
    short prose."""
    line: str
    """The line of the output that was recognised."""

    def __str__(self) -> str:
        return f"{self.cause}\n  fix: {self.fix}"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))  # IPython's plain-text form: the text, not the dataclass

    def _repr_html_(self) -> str:
        return (
            f'<div class="grader-diagnosis" data-error="{html.escape(self.error)}" '
            'style="border-left:4px solid #bf8700;padding:6px 10px;margin:4px 0">'
            f"<div>{as_html(self.cause)}</div>"
            f'<div style="margin-top:4px"><b>Fix:</b> {as_html(self.fix)}</div></div>'
        )


@dataclass(frozen=True)
class Context:
    """What the learner's lab knows, to write fixes with real values; every field optional."""

    registry: str | None = None
    """The registry host in front of the learner's image names, e.g. ``localhost:24196``."""
    username: str | None = None
    token_file: str | None = None
    """The file that holds the learner's access token (sent to ``docker login`` with ``<``)."""
    hub_url: str | None = None
    """The hub's pages as the learner's browser reaches them (its token settings, its tags)."""

    @classmethod
    def of(cls, lab) -> Context:
        """The context of a :class:`grader.Lab` (a stopped or half-made one too): each value
        the lab cannot give is left out."""

        def read(get) -> str | None:
            try:
                value = get()
            except Exception:  # noqa: BLE001 - a lab that cannot say leaves the field empty
                return None
            return str(value) if value else None

        if lab is None:
            return cls()
        hub = read(lambda: lab.hub_page(""))
        return cls(
            registry=read(lambda: lab.registry),
            username=read(lambda: lab.username),
            token_file=read(lambda: lab.token_file),
            hub_url=hub.rstrip("/") if hub else None,
        )


@dataclass(frozen=True)
class Seen:
    """What a recogniser's function is given."""

    match: re.Match
    output: str
    """The part of the output that was read."""
    command: Command
    context: Context

    def group(self, index: int = 1) -> str:
        try:
            return self.match.group(index) or ""
        except IndexError:
            return ""


Explain = Callable[[Seen], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Recogniser:
    """One failure: the patterns of its texts and how to explain it."""

    error: str
    """The key of the :class:`Diagnosis` it gives."""
    patterns: tuple[re.Pattern, ...]
    explain: Explain
    """``(cause, fix)`` from what was seen, or None when the text means something else here."""
    on_success: bool = False
    """Also looked for when the command succeeded (a warning worth a learner's attention)."""


def _patterns(*texts: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(text, re.IGNORECASE | re.MULTILINE) for text in texts)


def _line_of(seen: Seen) -> str:
    text, start, end = seen.output, seen.match.start(), seen.match.end()
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    line = text[first : last if last != -1 else len(text)].strip()
    return line[:_LINE_CHARS]
