"""Predict, then run (:class:`Predict`): the widget of a moment of :mod:`grader.course.moments`."""

from __future__ import annotations

import html

import ipywidgets as w

from ...errors import CourseError
from ...infra.commands import CommandResult
from ...result import as_html
from .. import moments
from .base import _GREEN, _RED, _Background, _Shown


class Predict(_Shown, _Background, w.VBox):
    """Predict, then run: pick what you expect, run the real commands (shown, run without a
    shell), and see what happened and why."""

    def __init__(self, lab, moment: str) -> None:
        self.lab, self.moment = lab, moments.moment(moment)
        self.chosen: int | None = None
        self.happened: int | None = None
        self.diagnosis = None
        """The diagnosis of the command that failed (:mod:`grader.diagnose`), if one did."""
        self.results: list[CommandResult] = []
        self.lines: list[str] = []
        self._choices = w.RadioButtons(
            options=list(self.moment.options), value=None, layout={"width": "auto"}
        )
        self._choices.observe(self._on_choice, names="value")
        self._run_button = w.Button(
            description="Run it", icon="play", button_style="primary", disabled=True
        )
        self._run_button.add_class("course-run")
        self._run_button.on_click(self._on_run_button_click)
        self._out = w.Output(layout=w.Layout(max_height="16em", overflow="auto"))
        self._out.add_class("course-output")
        self._verdict = w.HTML(
            '<div data-moment-state="waiting" style="color:#57606a">Pick what you expect, then '
            "press <b>Run it</b>.</div>"
        )
        self._verdict.add_class("course-verdict")
        try:
            shown = self.moment.commands(lab)
        except CourseError:  # a lab with no username yet (the learner signs up in lesson 01)
            shown = ["(your commands, once you have signed up in lesson 01)"]
        commands_ = "<br>".join(f"<code>{html.escape(line)}</code>" for line in shown)
        super().__init__(
            [
                w.HTML(
                    f'<div class="course-predict"><b>Predict:</b> '
                    f"{as_html(self.moment.question)}</div>"
                ),
                self._choices,
                w.HTML(f'<div style="color:#57606a">What will run:<br>{commands_}</div>'),
                self._run_button,
                self._out,
                self._verdict,
            ]
        )
        self.add_class("course-predict-run")

    def choose(self, option: int) -> None:
        """Pick an outcome by its index."""
        self._choices.value = self._choices.options[option]

    def _on_choice(self, change) -> None:
        self.chosen = None if change["new"] is None else self._choices.options.index(change["new"])
        self._run_button.disabled = self.chosen is None or self.running

    @property
    def right(self) -> bool | None:
        """Whether the prediction matched what happened (None before running)."""
        return None if self.happened is None else self.chosen == self.happened

    def run(self) -> int | None:
        """Run the commands now (a choice must be made first); returns what happened."""
        self._show()
        return self._execute()

    def _execute(self) -> int | None:
        if self.chosen is None:
            self._verdict.value = (
                f'<div data-moment-state="waiting" style="color:{_RED}">Pick what you expect '
                "first: the point is to predict.</div>"
            )
            return None
        self._run_button.disabled = True
        self._out.outputs, self.lines, self.results = (), [], []
        try:
            self.happened = self.moment.play(self.lab, self._log, self.results)
        except CourseError as error:
            self._verdict.value = f'<span style="color:{_RED}">{html.escape(str(error))}</span>'
            return None
        finally:
            self._run_button.disabled = False
        if self.happened is None:
            self._verdict.value = (
                f'<div data-moment-state="unshown" style="color:{_RED}">'
                f"{as_html(self.moment.unshown)}</div>"
            )
            return None
        self.diagnosis = self._diagnosis()
        colour = _GREEN if self.right else _RED
        said = "You were right." if self.right else "Not what you predicted."
        self._verdict.value = (
            f'<div data-moment="{self.moment.name}" data-right="{str(self.right).lower()}" '
            f'style="border-left:4px solid {colour};padding:6px 10px">'
            f'<b style="color:{colour}">{said}</b> What happened: '
            f"{html.escape(self.moment.options[self.happened])}<div>{as_html(self.moment.why)}"
            "</div>"
            + (
                f'<div data-diagnosis="{html.escape(self.diagnosis.error)}" '
                f'style="margin-top:6px">{self.diagnosis._repr_html_()}</div>'
                if self.diagnosis is not None
                else ""
            )
            + "</div>"
        )
        return self.happened

    def _diagnosis(self):
        """What the course makes of the command that failed, if one did: the same diagnosis a
        learner gets under a failed ``!docker`` line."""
        from ...diagnose import Context, diagnose

        failed = next((r for r in self.results if not r.ok), None)
        if failed is None:
            return None
        return diagnose(failed.command, failed.output, failed.exit_status, Context.of(self.lab))

    def _on_run_button_click(self, _button) -> None:
        self._start()
