"""What the widgets share: their colours, running a button's work in the background, showing
themselves before a run from code, and the line that says whose lab it is."""

from __future__ import annotations

import contextvars
import html
import threading
from collections.abc import Callable

import ipywidgets as w
from IPython.display import display

_GREEN, _RED, _GREY = "#1a7f37", "#cf222e", "#6e7781"


def _in_background(function: Callable[[], object]) -> threading.Thread:
    """Run ``function`` in a thread that keeps this context (so its widget updates reach the
    front end as replies to the click), leaving the kernel free for the next click."""
    thread = threading.Thread(target=contextvars.copy_context().run, args=(function,), daemon=True)
    thread.start()
    return thread


def _callbacks(value) -> list[Callable]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class _Shown:
    """Remembers whether the widget was displayed, so ``run()`` in a cell shows it first."""

    _shown = False

    def _repr_mimebundle_(self, **kwargs):
        self._shown = True
        return super()._repr_mimebundle_(**kwargs)

    def _show(self) -> None:
        if not self._shown:
            display(self)


class _Background:
    """A widget whose button runs ``_execute`` in the background (the kernel stays free), writing
    what it runs into ``lines`` and its ``_out`` Output."""

    _thread: threading.Thread | None = None
    lines: list[str]
    _out: w.Output

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a run started by the button to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _start(self) -> None:
        if not self.running:
            self._thread = _in_background(self._execute)

    def _log(self, line: str) -> None:
        self.lines.append(line)
        self._out.append_stdout(line + "\n")


def _your_lab(lab) -> str:
    if not lab.username:
        return (
            f'<div class="course-your-lab" style="color:#57606a">Registry <code>{lab.registry}'
            "</code> &middot; username: <b>none yet</b>, you choose it when you sign up on your "
            f'hub (lesson 01: <a href="{html.escape(lab.hub_page("/signup"))}" target="_blank">'
            "sign up</a>)</div>"
        )
    return (
        f'<div class="course-your-lab" style="color:#57606a">Registry <code>{lab.registry}</code>'
        f" &middot; username <code>{html.escape(lab.username)}</code> &middot; access token: "
        "in the file <code>{lab.token_file}</code> (send it with "
        "<code>--password-stdin &lt; {lab.token_file}</code>; never type it)</div>"
    )
