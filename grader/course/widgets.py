"""The lessons' widgets: the only module that imports ipywidgets.

Widgets only display and call. Running a command is :func:`grader.infra.commands.run`, a check
is :meth:`grader.Lab.check`, the hub page is :func:`grader.course.hubview.repository`, the lifecycle and
the catch-up are in :mod:`grader.course.lessons`, the quiz is marked by :func:`grader.course.quiz.grade`. Each
widget keeps what it shows as plain attributes (``result``, ``lines``, ``repository``, …) so code
and tests can read it, and writes text through one ``Output`` with ``append_stdout`` (text printed
``with out:`` only reaches a front end, never the kernel's own state).
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import threading
from collections.abc import Callable

import ipywidgets as w
from IPython.display import display

from ..doctor import Diagnosis, diagnose
from ..errors import CourseError
from ..infra import commands
from ..infra.commands import CommandResult
from ..result import CheckResult, as_html
from . import hubview, lessons, quiz

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


def _holds_code(source: str | None) -> bool:
    """Whether a cell's source holds code, not only comments and blank lines."""
    lines = (line.strip() for line in (source or "").splitlines())
    return any(line and not line.startswith("#") for line in lines)


_WATCHING: dict[tuple[str, str], Callable] = {}
"""The callback of the newest box of each step, watching the cell below it."""
_TRIED: set[tuple[str, str]] = set()
"""``(username, task)`` of the steps the learner tried in this kernel (their cell ran, or they
pressed Check): the box shown again says what the check saw, not that it is their turn."""


class YourTurn(_Shown, w.VBox):
    """A do-it step, shown above the empty cell the learner writes in: the goal, the lab's
    registry, username and token file, hints revealed one at a time (a nudge, the command's
    shape, the answer: the lab records that the answer was shown), and the check's verdict from
    real state.

    It says it is the learner's turn until they tried: when a cell run after it holds code (their
    command, run with Shift+Enter), it checks again by itself, and so does **Check**. Run All
    with the learner's cell still empty leaves it waiting."""

    def __init__(self, lab, task: str) -> None:
        self.lab, self.task = lab, lessons.task(task)
        self.result: CheckResult | None = None
        self.revealed = 0
        """How many hints are shown (3: the answer too)."""
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
        if self.task.name in lab.answers_shown:
            self.revealed = 2
            self.hint()
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
        self.result = self.lab.check(self.task.check, **self.task.check_answers(names))
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
        """Reveal the next hint; the third is the answer (recorded in the lab)."""
        self.revealed = min(self.revealed + 1, 3)
        labels = ("Hint", "The command's shape (fill in the CAPITALS)", "The answer")
        items = []
        for level, text in enumerate(self.task.hints[: self.revealed]):
            shown = f"<pre>{html.escape(text)}</pre>" if level else f"<span>{as_html(text)}</span>"
            items.append(f'<div data-level="{level + 1}"><b>{labels[level]}:</b> {shown}</div>')
        if self.revealed == 3:
            self.lab.record_answer_shown(self.task.name)
            items.append(
                '<div style="color:#57606a">Write it in the cell below (the <code>{…}</code> '
                "parts are filled in from your lab when it runs). Your lab notes that you saw "
                "the answer.</div>"
            )
            self._hint_button.disabled = True
        else:
            self._hint_button.description = "Show the answer" if self.revealed == 2 else "Hint"
        self._hints.value = f'<div data-revealed="{self.revealed}">{"".join(items)}</div>'
        return self.task.hints[self.revealed - 1]

    def _on_hint_button_click(self, _button) -> None:
        self.hint()

    def _on_check_button_click(self, _button) -> None:
        self.check()


class Predict(_Shown, _Background, w.VBox):
    """Predict, then run: pick what you expect, run the real commands (shown, run without a
    shell), and see what happened and why."""

    def __init__(self, lab, moment: str) -> None:
        self.lab, self.moment = lab, lessons.moment(moment)
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
            before = self.moment.before(self.lab)
            try:
                lines = self.moment.commands(self.lab)
                stdin = self.moment.stdin(self.lab, before)
                secrets = [s for s in stdin if s]
                for index, line in enumerate(lines):
                    self._log(f"$ {line}")
                    given = stdin[index] if index < len(stdin) else None
                    result = commands.run(line, self._log, stdin=given, redact=secrets, timeout=300)
                    self.results.append(result)
                    if not result.ok:
                        break
                self.happened = self.moment.outcome(self.lab, self.results, before)
            finally:
                self.moment.after(self.lab, before)
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
        from ..diagnose import Context, diagnose

        failed = next((r for r in self.results if not r.ok), None)
        if failed is None:
            return None
        return diagnose(failed.command, failed.output, failed.exit_status, Context.of(self.lab))

    def _on_run_button_click(self, _button) -> None:
        self._start()


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
        from ..diagnose import Context, diagnose

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
