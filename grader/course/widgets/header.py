"""A lesson's header (:class:`LessonHeader`): the lifecycle (:class:`LifecycleTracker`) and the
earlier steps the lesson builds on (:class:`CatchUp`)."""

from __future__ import annotations

import html

import ipywidgets as w

from ...result import CheckResult
from .. import lessons
from .base import _GREEN, _Background, _Shown, _your_lab


class LifecycleTracker(_Shown, w.HBox):
    """Build -> Tag -> Push -> Pull -> Run, each stage lit once its check passed. The progress is
    the lab's (kept on disk), so it survives a kernel restart."""

    def __init__(self, lab) -> None:
        self.lab = lab
        self.stages: list[lessons.Stage] = []
        self._stages = w.HTML()
        self._stages.add_class("course-lifecycle")
        self._refresh_button = w.Button(icon="refresh", tooltip="Refresh", layout={"width": "3em"})
        self._refresh_button.on_click(self._on_refresh_button_click)
        super().__init__([self._stages, self._refresh_button])
        self.refresh()

    def refresh(self, _result=None) -> list[lessons.Stage]:
        self.stages = lessons.stages(self.lab)
        pills = []
        for stage in self.stages:
            style = (
                f"background:{_GREEN};color:white"
                if stage.done
                else "background:#eaeef2;color:#57606a"
            )
            pills.append(
                f'<span class="course-stage" data-stage="{stage.name}" '
                f'data-done="{str(stage.done).lower()}" style="{style};padding:4px 12px;'
                f'border-radius:12px;font-weight:bold">{"&#10004; " if stage.done else ""}'
                f"{stage.name}</span>"
            )
        self._stages.value = " &rarr; ".join(pills)
        return self.stages

    def _on_refresh_button_click(self, _button) -> None:
        self.refresh()


class LessonHeader(_Shown, w.VBox):
    """A lesson's header: your lab (registry, username, token file), what the lesson builds on
    (with a button that does what is missing), the lifecycle (lit as checks pass, live), and
    the lessons before and after."""

    def __init__(self, lab, lesson: str) -> None:
        self.lab, self.lesson = lab, lesson
        before, after = lessons.neighbours(lesson)
        links = " &middot; ".join(
            f'<a href="{name}.ipynb">{label} {name[:2]} {html.escape(title)}</a>'
            for label, found in (("&larr;", before), ("Next: &rarr;", after))
            if found
            for name, title in [found]
        )
        self.tracker = LifecycleTracker(lab)
        lab.listeners.append(self.tracker.refresh)
        parts = [w.HTML(_your_lab(lab))]
        self.catch_up = None
        if lesson in lessons.BUILDS_ON:
            self.catch_up = CatchUp(lab, through=lessons.BUILDS_ON[lesson])
            parts.append(self.catch_up)
        parts += [self.tracker, w.HTML(f'<div class="course-links">{links}</div>')]
        super().__init__(parts)
        self.add_class("course-lesson-header")


class CatchUp(_Shown, _Background, w.VBox):
    """At the top of a lesson: are the earlier steps it builds on done? If not, which are
    missing (and in which lesson), and a button that does them for real."""

    def __init__(self, lab, through: str) -> None:
        self.lab, self.through = lab, through
        self.missing: list[lessons.Step] = []
        self.results: list[CheckResult] = []
        self.lines: list[str] = []
        self._summary = w.HTML()
        self._summary.add_class("course-catch-up")
        self._do_button = w.Button(description="Do them for me", icon="forward")
        self._do_button.on_click(self._on_do_button_click)
        self._out = w.Output(layout=w.Layout(max_height="20em", overflow="auto"))
        super().__init__([self._summary, self._do_button, self._out])
        self.refresh()

    def refresh(self) -> list[lessons.Step]:
        found = lessons.missing(self.lab, self.through)
        self.missing = [step for step, _ in found]
        needed = ", ".join(s.check for s in lessons.steps_through(self.through))
        if not found:
            self._summary.value = (
                f'<div data-missing="" style="color:{_GREEN}">&#10004; Everything this lesson '
                f"builds on is done ({html.escape(needed)}).</div>"
            )
            self._do_button.layout.display = "none"
            return self.missing
        items = "".join(
            f"<li><b>{html.escape(step.check)}</b> (lesson {html.escape(step.lesson)}): "
            f"{html.escape(result.message)}</li>"
            for step, result in found
        )
        names = " ".join(step.check for step in self.missing)
        self._summary.value = (
            f'<div data-missing="{html.escape(names)}"><b>This lesson builds on earlier steps '
            f"that are not done yet:</b><ul>{items}</ul>Do those lessons first, or let the "
            "button below do the missing steps for you (the real commands, shown as they run)."
            "</div>"
        )
        self._do_button.layout.display = None
        return self.missing

    def do_it(self) -> None:
        """Do the missing steps now (waits for the end), then look again; the checks' results
        are then in ``results``."""
        self._show()
        self._execute()

    def _execute(self) -> list[CheckResult]:
        self._do_button.disabled = True
        try:
            self.results = lessons.catch_up(self.lab, self.through, log=self._log)
        finally:
            self._do_button.disabled = False
        self.refresh()
        return self.results

    def _on_do_button_click(self, _button) -> None:
        self._start()
