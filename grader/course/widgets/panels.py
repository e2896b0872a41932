"""The panels a lesson shows beside its steps: the diagnosis of a pasted error
(:class:`DiagnoseBox`), the hub's page (:class:`HubView`), ``grader doctor``
(:class:`DoctorPanel`) and the self-check (:class:`Quiz`)."""

from __future__ import annotations

import html

import ipywidgets as w

from ...doctor import Diagnosis, diagnose
from .. import hubview, quiz
from .base import _GREEN, _GREY, _RED, _Shown


class DiagnoseBox(_Shown, w.VBox):
    """Paste what docker printed in a terminal (and, if you have it, the command you typed):
    the course says what went wrong and what to type instead (:func:`grader.diagnose.diagnose`,
    with your lab's registry, username and token file when a lab is given)."""

    def __init__(self, lab=None, output: str = "", command: str = "") -> None:
        self.lab = lab
        self.diagnosis = None
        self._command = w.Text(
            description="Command", placeholder="docker push john123/my-flask-app:v1 (optional)",
            layout={"width": "100%"},
        )  # fmt: skip
        self._output = w.Textarea(
            description="Output", placeholder="Paste what docker printed",
            layout={"width": "100%", "height": "6em"},
        )  # fmt: skip
        self._button = w.Button(description="Diagnose", icon="stethoscope")
        self._button.add_class("course-diagnose")
        self._button.on_click(self._on_button_click)
        self._verdict = w.HTML()
        self._verdict.add_class("course-verdict")
        super().__init__([self._command, self._output, self._button, self._verdict])
        self.add_class("course-diagnose-box")
        self._output.value, self._command.value = output, command

    def explain(self, output: str, command: str = "docker"):
        """Fill in the box and diagnose; returns the :class:`~grader.diagnose.Diagnosis` or
        None."""
        self._output.value, self._command.value = output, command
        return self.run()

    def run(self):
        from ...diagnose import Context, diagnose

        context = Context.of(self.lab) if self.lab is not None else None
        command = self._command.value.strip() or "docker"
        self.diagnosis = diagnose(command, self._output.value, None, context)
        if self.diagnosis is None:
            self._verdict.value = (
                '<div data-diagnosis="" style="color:#57606a">The course does not recognise this '
                "error. Read its last line: docker says what it could not do there, and the "
                "command's name and arguments are what it was given.</div>"
            )
        else:
            self._verdict.value = (
                f'<div data-diagnosis="{html.escape(self.diagnosis.error)}">'
                f"{self.diagnosis._repr_html_()}</div>"
            )
        return self.diagnosis

    def _on_button_click(self, _button) -> None:
        self.run()


class HubView(_Shown, w.VBox):
    """What Docker Hub shows for a repository (name, tags, compressed size, last pushed, digest),
    read from the lab's registry. Refresh reads it again; pass ``hub.refresh`` as a command
    runner's ``on_done`` to refresh after a push."""

    def __init__(self, lab, repository: str = "my-flask-app") -> None:
        self.lab, self.name = lab, repository
        self.repository: hubview.HubRepository | None = None
        self._page = w.HTML()
        self._page.add_class("course-hub")
        self._refresh_button = w.Button(description="Refresh", icon="refresh")
        self._refresh_button.on_click(self._on_refresh_button_click)
        super().__init__([self._page, self._refresh_button])
        self.refresh()

    def refresh(self, _result=None) -> hubview.HubRepository:
        self.repository = hubview.repository(self.lab, self.name)
        self._page.value = self.repository._repr_html_()
        return self.repository

    def _on_refresh_button_click(self, _button) -> None:
        self.refresh()


class DoctorPanel(_Shown, w.VBox):
    """Can this machine run the course? ``grader doctor``'s findings, each with its fix."""

    def __init__(self) -> None:
        self.diagnosis: Diagnosis | None = None
        self._report = w.HTML()
        self._report.add_class("course-doctor")
        self._again_button = w.Button(description="Check again", icon="refresh")
        self._again_button.on_click(self._on_again_button_click)
        super().__init__([self._report, self._again_button])
        self.refresh()

    @property
    def ready(self) -> bool:
        return bool(self.diagnosis and self.diagnosis.ready)

    def refresh(self) -> Diagnosis:
        self.diagnosis = diagnose()
        self._report.value = self.diagnosis._repr_html_()
        return self.diagnosis

    def _on_again_button_click(self, _button) -> None:
        self.refresh()


class Quiz(_Shown, w.VBox):
    """A short self-check: pick an answer per question, then Check my answers."""

    def __init__(self, questions: tuple[quiz.Question, ...] = quiz.QUESTIONS) -> None:
        self.questions = questions
        self.marks: list[quiz.Mark] = []
        self._choices = [
            w.RadioButtons(options=list(q.options), value=None, layout={"width": "auto"})
            for q in questions
        ]
        self._check_button = w.Button(description="Check my answers", icon="check")
        self._check_button.on_click(self._on_check_button_click)
        self._feedback = w.HTML()
        self._feedback.add_class("course-quiz-feedback")
        rows = []
        for number, (question, choice) in enumerate(zip(questions, self._choices, strict=True)):
            rows += [w.HTML(f"<b>{number + 1}. {html.escape(question.text)}</b>"), choice]
        super().__init__([*rows, self._check_button, self._feedback])

    def choose(self, *indexes: int | None) -> None:
        """Pick answers by option index (None leaves a question out)."""
        for choice, index in zip(self._choices, indexes, strict=True):
            choice.value = None if index is None else choice.options[index]

    def check(self) -> list[quiz.Mark]:
        chosen = [
            None if c.value is None else list(c.options).index(c.value) for c in self._choices
        ]
        self.marks = quiz.grade(chosen, self.questions)
        right, total = quiz.score(self.marks)
        items = []
        for number, mark in enumerate(self.marks, 1):
            if mark.chosen is None:
                verdict = f'<span style="color:{_GREY}">not answered</span>'
            elif mark.correct:
                verdict = f'<span style="color:{_GREEN}">&#10004; right</span>'
            else:
                verdict = f'<span style="color:{_RED}">&#10008; not quite</span>'
            items.append(f"<li>{number}. {verdict}: {html.escape(mark.question.why)}</li>")
        self._feedback.value = (
            f'<div data-score="{right}/{total}"><b>{right} of {total} right.</b>'
            f"<ul>{''.join(items)}</ul></div>"
        )
        return self.marks

    def _on_check_button_click(self, _button) -> None:
        self.check()
