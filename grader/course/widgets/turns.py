"""The widgets of a do-it step: its check (:class:`CheckButton`), the learner's turn with its
hints (:class:`YourTurn`) and the verify step's form (:class:`VerifyForm`)."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable

import ipywidgets as w

from ...errors import CourseError
from ...result import CheckResult, as_html
from .. import tasks
from .base import _GREY, _RED, _callbacks, _Shown, _your_lab


class CheckButton(_Shown, w.VBox):
    """One step's check: the verdict of ``lab.check(name, **answers)`` (shown at once) and a
    button to check again."""

    def __init__(self, lab, name: str, *, on_result=None, **answers) -> None:
        self.lab, self.name, self.answers = lab, name, answers
        self.result: CheckResult | None = None
        self.checks = 0
        """How many times the check ran so far."""
        self._on_result = _callbacks(on_result)
        self._check_button = w.Button(description="Check", icon="check")
        self._check_button.add_class("course-check")
        self._verdict = w.HTML()
        self._verdict.add_class("course-verdict")
        self._check_button.on_click(self._on_check_button_click)
        super().__init__([self._check_button, self._verdict])
        self.add_class("course-check-button")
        self.check()

    def check(self) -> CheckResult:
        self.checks += 1
        try:
            self.result = self.lab.check(self.name, **self.answers)
        except CourseError as error:
            self._verdict.value = f'<span style="color:{_RED}">{html.escape(str(error))}</span>'
            raise
        self._verdict.value = f'<div data-count="{self.checks}">{self.result._repr_html_()}</div>'
        for callback in self._on_result:
            callback(self.result)
        return self.result

    def _on_check_button_click(self, _button) -> None:
        self.check()


def _holds_code(source: str | None) -> bool:
    """Whether a cell's source holds code, not only comments and blank lines."""
    lines = (line.strip() for line in (source or "").splitlines())
    return any(line and not line.startswith("#") for line in lines)


_WATCHING: dict[tuple[str, str], Callable] = {}
"""The callback of the newest box of each step, watching the cell below it."""
_TRIED: set[tuple[str, str]] = set()
"""``(username, task)`` of the steps the learner tried in this kernel (their cell ran, or they
pressed Check): the box shown again says what the check saw, not that it is their turn."""


_ONLY_IN_A_CLASSROOM = (
    f'<div data-state="classroom-only" style="border-left:4px solid {_GREY};padding:6px 10px">'
    "This step needs a classroom's registry, whose limits the course sets small: your lab is on "
    "Docker Hub, whose limits are real (and not the course's to make you reach). Read yours "
    "without spending a pull: <code>print(rate_limit(lab))</code>.</div>"
)


class YourTurn(_Shown, w.VBox):
    """A do-it step, shown above the empty cell the learner writes in: the goal, the lab's
    registry, username and token file, hints revealed one at a time (a nudge, the command's
    shape, the answer: the lab records that the answer was shown), and the check's verdict from
    real state.

    It says it is the learner's turn until they tried: when a cell run after it holds code (their
    command, run with Shift+Enter), it checks again by itself, and so does **Check**. Run All
    with the learner's cell still empty leaves it waiting."""

    def __init__(self, lab, task: str) -> None:
        self.lab, self.task = lab, tasks.task(task)
        self.result: CheckResult | None = None
        self.revealed = 0
        """How many hints are shown (3: the answer too)."""
        if self.task.classroom_only and not lab.classroom:
            super().__init__([w.HTML(_ONLY_IN_A_CLASSROOM)])
            self.add_class("course-your-turn")
            return
        self._hints = w.HTML()
        self._hints.add_class("course-hints")
        self._hint_button = w.Button(description="Hint", icon="lightbulb-o")
        self._hint_button.add_class("course-hint")
        self._hint_button.on_click(self._on_hint_button_click)
        self._check_button = w.Button(description="Check", icon="check")
        self._check_button.add_class("course-check")
        self._check_button.on_click(self._on_check_button_click)
        self._verdict = w.HTML()
        self._verdict.add_class("course-verdict")
        goal = w.HTML(
            f'<div class="course-goal"><b>Your turn:</b> {as_html(self.task.goal)}</div>'
            + _your_lab(lab)
        )
        super().__init__(
            [goal, w.HBox([self._check_button, self._hint_button]), self._hints, self._verdict]
        )
        self.add_class("course-your-turn")
        if self.task.name in lab.answers_shown:  # shown before: shown again, not noted again
            self.revealed = 2
            self._reveal()
        self.check(tried=(lab.username, self.task.name) in _TRIED)
        if not self.task.web:  # a step on the hub's pages has no cell below: Check it
            self._watch_the_cells_below()

    def _watch_the_cells_below(self) -> None:
        """Check again after the learner's cell runs: the first cell run after this one (the
        empty cell below it, in a lesson run top to bottom), and each later run of that same
        cell, until the step passes. Other cells never change the verdict."""
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            return
        watched: dict = {}

        def after(result) -> None:
            if "own" not in watched:  # registered while this box's own cell runs: that one
                watched["own"] = True
                return
            cell = getattr(result.info, "cell_id", None)
            if "cell" not in watched:
                watched["cell"] = cell
            elif cell is None or cell != watched["cell"]:
                return
            if not _holds_code(result.info.raw_cell):
                return
            if self.result is not None and self.result.passed:
                shell.events.unregister("post_run_cell", after)
                return
            try:
                self.check()
            except CourseError as error:
                self._verdict.value = f'<span style="color:{_RED}">{html.escape(str(error))}</span>'

        key = (self.lab.username, self.task.name)
        previous = _WATCHING.pop(key, None)
        if previous is not None:  # the box shown again: only the newest one watches
            with contextlib.suppress(ValueError):
                shell.events.unregister("post_run_cell", previous)
        _WATCHING[key] = after
        shell.events.register("post_run_cell", after)

    def check(self, tried: bool = True) -> CheckResult:
        """Check the step now; ``tried=False`` shows a step not done yet as the learner's turn."""
        if tried:
            _TRIED.add((self.lab.username, self.task.name))
        from IPython import get_ipython

        shell = get_ipython()
        names = shell.user_ns if shell is not None else {}
        self.result = self.lab.check(self.task.check, tried=tried, **self.task.check_answers(names))
        if self.result.passed:
            state = "passed"
        elif tried:
            state = "failed"
        else:
            state = "waiting"
        if state == "waiting":
            body = (
                f'<div style="border-left:4px solid {_GREY};padding:6px 10px">'
                "&#9998; <b>Not done yet: it is your turn.</b> Write the command in the empty "
                "cell below and run it (Shift+Enter): this box checks it then (or press "
                "<b>Check</b>). Stuck? <b>Hint</b> helps, one step at a time.</div>"
            )
        else:
            # The check's own hint is usually the answer: it waits until the answer is shown.
            body = self.result.html(hint=self.result.passed or self.revealed == 3)
        self._verdict.value = f'<div data-task="{self.task.name}" data-state="{state}">{body}</div>'
        return self.result

    def hint(self) -> str:
        """Reveal the next hint; the third is the answer (each noted in the learner's journal,
        the answer also in the lab's answers shown)."""
        self._reveal()
        self.lab.record_hint(self.task.name, self.task.check, self.revealed)
        if self.revealed == 3:
            self.lab.record_answer_shown(self.task.name, self.task.check)
        return self._hints_here()[self.revealed - 1]

    def _hints_here(self) -> tuple[str, str, str]:
        return self.task.hints_for(self.lab.classroom)

    def _reveal(self) -> None:
        self.revealed = min(self.revealed + 1, 3)
        labels = ("Hint", "The command's shape (fill in the CAPITALS)", "The answer")
        items = []
        for level, text in enumerate(self._hints_here()[: self.revealed]):
            shown = f"<pre>{html.escape(text)}</pre>" if level else f"<span>{as_html(text)}</span>"
            items.append(f'<div data-level="{level + 1}"><b>{labels[level]}:</b> {shown}</div>')
        if self.revealed == 3:
            items.append(
                '<div style="color:#57606a">Write it in the cell below (the <code>{…}</code> '
                "parts are filled in from your lab when it runs). Your lab notes that you saw "
                "the answer.</div>"
            )
            self._hint_button.disabled = True
        else:
            self._hint_button.description = "Show the answer" if self.revealed == 2 else "Hint"
        self._hints.value = f'<div data-revealed="{self.revealed}">{"".join(items)}</div>'

    def _on_hint_button_click(self, _button) -> None:
        self.hint()

    def _on_check_button_click(self, _button) -> None:
        self.check()


class VerifyForm(_Shown, w.VBox):
    """The verify step: type the digest and the size the Hub view shows, then Check."""

    def __init__(self, lab, *, on_result=None, tag: str = "v1") -> None:
        self.lab, self.tag = lab, tag
        self.result: CheckResult | None = None
        self._on_result = _callbacks(on_result)
        self._digest = w.Text(description="Digest", placeholder="sha256:…")
        self._size = w.Text(description="Size", placeholder="e.g. 69.1 MB")
        self._check_button = w.Button(description="Check", icon="check")
        self._check_button.add_class("course-check")
        self._verdict = w.HTML("Type what the Hub view shows, then press Check.")
        self._verdict.add_class("course-verdict")
        self._check_button.on_click(self._on_check_button_click)
        super().__init__([self._digest, self._size, self._check_button, self._verdict])

    def submit(self, digest: str, size: str) -> CheckResult:
        """Fill in both fields and check."""
        self._digest.value, self._size.value = digest, size
        return self.check()

    def check(self) -> CheckResult:
        self.result = self.lab.check(
            "verify",
            digest=self._digest.value.strip() or None,
            size=self._size.value.strip() or None,
            tag=self.tag,
        )
        self._verdict.value = self.result._repr_html_()
        for callback in self._on_result:
            callback(self.result)
        return self.result

    def _on_check_button_click(self, _button) -> None:
        self.check()
