"""The lesson notebooks, executed top to bottom headless (nbclient, a real kernel) against the
real engine and registry: in order 00..09 by one learner who types the commands
(``typed.json``), every check passing; in order by a learner who only presses Run All, nothing
passing and every step waiting for them; one opened out of order; the welcome with no engine;
and the committed files themselves."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import nbformat
import pytest

from grader import Lab
from grader.course import enginetexts, lessons
from grader.infra.engine import ENGINE_FIX
from tests.conftest import DOCKER_LINES, HUB_API_LINES
from tests.notebooks.executed import LESSONS, NOTEBOOKS, TYPED, execute

LEARNER = "lessons1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# The checks each lesson shows, every one of which must pass.
CHECKS = {
    "00-welcome": set(),
    "01-account": {"account"},
    "02-login": {"token"},
    "03-tag": {"tag"},
    "04-push": {"push"},
    "05-verify": {"verify"},
    "06-pull-and-run": {"pull", "pull-limit", "run"},
    "07-versions": {"push", "versioning", "digest"},
    "08-rollback": {"run", "rollback"},
    "09-platforms": {"platforms"},
    "10-public-private": {"visibility", "login"},
    "11-review": {"tag", "push", "pull", "run", "versioning"},
}
ACTIONS = {
    "account", "login", "token", "tag", "push", "verify", "pull", "pull-limit", "run",
    "versioning", "digest", "rollback", "platforms", "visibility",
}  # fmt: skip
"""The checks only the learner's own doing can pass (signing up included)."""


# --- the committed files ----------------------------------------------------------------------------


def test_the_lessons_are_the_notebooks_listed():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == list(LESSONS)
    assert len(LESSONS) == 12


@pytest.mark.parametrize("name", LESSONS)
def test_a_committed_lesson_has_no_outputs_and_no_execution_counts(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell has outputs: {cell.source[:60]!r}"
            assert cell.execution_count is None, f"{name}: {cell.source[:60]!r} has a count"
    assert "widgets" not in notebook.metadata, f"{name} keeps widget state"


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_starts_the_learners_own_lab_in_one_short_cell(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    setup = [c.source for c in notebook.cells if f'begin("{name}")' in c.source]
    assert len(setup) == 1 and len(setup[0].splitlines()) <= 10
    assert "Lab.start(" not in nbformat.writes(notebook)  # begin() does it, and the header


def turn_cells(name: str) -> dict[str, str]:
    """``{task: the source of the empty cell the learner writes it in}`` for one lesson."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    cells = {cell.id: cell.source for cell in notebook.cells}
    found = {}
    order = [cell.id for cell in notebook.cells]
    for cell in notebook.cells:
        if cell.source.startswith("YourTurn(lab, "):
            task = cell.source.split('"')[1]
            if lessons.task(task).web:
                continue  # done on the hub's pages: no cell to write in
            turn = f"turn-{task}".replace(".", "-")
            assert order.index(turn) == order.index(cell.id) + 1, f"{task}: goal, then its cell"
            found[task] = cells[turn]
    return found


@pytest.mark.parametrize("name", LESSONS)
def test_every_task_is_its_goal_then_an_empty_cell_for_the_learner(name):
    turns = turn_cells(name)
    assert sorted(turns) == sorted(t.name for t in lessons.TASKS if t.lesson == name and not t.web)
    for task, source in turns.items():
        assert all(line.startswith("#") for line in source.splitlines()), f"{task}: {source!r}"


@pytest.mark.parametrize("task", [t for t in lessons.TASKS if not t.web], ids=lambda t: t.name)
def test_every_answer_is_what_the_typing_learner_runs(task):
    """The answer a hint reveals is exactly what the typing learner's run executes (and passes
    with), so every answer runs as shown where it is shown."""
    typed = TYPED[task.lesson][f"turn-{task.name}".replace(".", "-")]
    assert typed == task.answer
    assert all(line.startswith(DOCKER_LINES + HUB_API_LINES) for line in typed.splitlines())


@pytest.mark.parametrize("name", LESSONS)
def test_no_answer_is_given_before_the_learner_tries(name):
    """No markdown or code cell outside the learner's own shows the command a task's answer
    runs, with the learner's values: only the task's hints do, when asked."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    shown = "\n".join(c.source for c in notebook.cells if not c.id.startswith("turn-"))
    for task in lessons.TASKS:
        for line in task.answer.splitlines():
            if line.startswith("!docker"):
                assert line not in shown, f"{name} shows {task.name}'s answer: {line}"


@pytest.mark.parametrize("name", LESSONS)
def test_no_lesson_runs_a_step_for_the_learner(name):
    """Outside the learner's own cells, no code cell runs a docker command that changes state."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code" or cell.id.startswith("turn-"):
            continue
        source = cell.source.replace(WRONG_SECRET, "")  # a login that fails, on purpose
        commands = [
            line for line in source.splitlines() if line.lstrip().startswith("!") or "= !" in line
        ]
        for word in ("login", "tag", "push", "pull", "run", "rmi", "rm", "build", "logout"):
            for line in commands:
                assert f"docker {word} " not in line, f"{name}: {line!r}"


WRONG_SECRET = (
    "!echo my-old-password | docker login {lab.registry} -u {lab.username} --password-stdin"
)


# --- the whole course, in order, by one learner --------------------------------------------------------


@pytest.fixture(scope="module")
def course():
    """Every lesson executed in order by one learner who types the commands (reset before and
    after), with how long each took; and the learner's lab as it is at the end."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_USERNAME", LEARNER)
        Lab.reset(LEARNER)
        executed, seconds = {}, {}
        try:
            for name in LESSONS:
                started = time.perf_counter()
                executed[name] = execute(name, typed=TYPED.get(name, {}))
                seconds[name] = time.perf_counter() - started
            lab = Lab.start(username=LEARNER, persistent=True)
            try:
                end = {
                    "token": lab.token,
                    "username": lab.username,
                    "progress": dict(lab.progress),
                    "answers_shown": list(lab.answers_shown),
                    "tags": lab.registry_api.tags(f"{LEARNER}/my-flask-app"),
                    "index": {
                        tag: lab.registry_api.manifest(f"{LEARNER}/my-flask-app", tag).is_index
                        for tag in ("v1", "v1.1.0")
                    },
                }
            finally:
                lab.stop()
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / "lesson-timings.txt").write_text(
                "".join(f"{name}\t{seconds[name]:.1f} s\n" for name in LESSONS)
            )
            yield executed, end
        finally:
            Lab.reset(LEARNER)
            for built in ("my-flask-app:v1.1.0", "my-flask-app:v2.0.0"):
                _remove_image(built)


@pytest.fixture(scope="module")
def run_all_only():
    """Every lesson executed in order by a new learner (no COURSE_USERNAME, never signed up) who
    types nothing and clicks nothing."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COURSE_USERNAME", raising=False)
        Lab.reset()
        try:
            executed = {name: execute(name) for name in LESSONS}
            lab = Lab.start(None, persistent=True)
            progress = dict(lab.progress)
            lab.stop()
            yield executed, progress
        finally:
            Lab.reset()


def _remove_image(ref: str) -> None:
    from grader.infra.engine import Engine

    engine = Engine.connect()
    engine.remove_image(ref)


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_each_lesson_runs_top_to_bottom_and_every_check_in_it_passes(course, name):
    executed, _ = course
    lesson = executed[name]
    assert lesson.errors == []
    verdicts = lesson.verdicts()
    assert set(verdicts) == CHECKS[name]
    failed = [check for check, passed in verdicts.items() if not all(passed)]
    assert failed == [], f"{name}: {failed} did not pass"
    if name in lessons.BUILDS_ON:  # lessons in order have nothing to catch up
        assert lesson.shows('data-missing=""')
    for task in turn_cells(name):
        assert lesson.shows(f'data-task="{task}" data-state="passed"'), task
    for moment in (m.name for m in lessons.MOMENTS if m.lesson == name):
        assert lesson.shows(f'data-moment="{moment}" data-right="true"'), moment


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.one_engine  # no step is done: nothing is pushed, pulled or built
@pytest.mark.parametrize("name", LESSONS)
def test_run_all_alone_passes_no_step_and_every_step_waits_for_the_learner(run_all_only, name):
    executed, progress = run_all_only
    lesson = executed[name]
    assert lesson.errors == [] and not lesson.shows("Traceback")
    passed = {check for check, results in lesson.verdicts().items() if any(results)}
    assert passed & ACTIONS == set(), f"{name} passed {passed & ACTIONS} with no input"
    for task in [t.name for t in lessons.TASKS if t.lesson == name]:
        assert lesson.shows(f'data-task="{task}" data-state="waiting"'), task
        assert lesson.shows("it is your turn")
    if any(m.lesson == name for m in lessons.MOMENTS):
        assert lesson.shows('data-moment-state="waiting"') and not lesson.shows("data-right=")
    assert {check for check, done in progress.items() if done} == set()


@pytest.mark.docker
@pytest.mark.slow
def test_the_learners_commands_ran_for_real(course):
    executed, end = course
    login = executed["02-login"]
    assert login.shows("incorrect username or password") and login.shows("Login Succeeded")
    push = executed["04-push"]
    assert push.shows("docker.io/library/my-flask-app")  # the short name aims at Docker Hub
    assert push.shows(": Pushed") and push.shows("v1: digest: sha256:")
    assert push.shows(": Layer already exists")
    assert executed["05-verify"].shows(f"/{end['username']}/my-flask-app@sha256:")
    pull = executed["06-pull-and-run"]
    assert pull.shows("Image is up to date")  # the prediction's pull, before the removal
    assert pull.shows("Status: Downloaded newer image") and pull.shows("Digest: sha256:")
    assert pull.shows("Hello from my-flask-app")
    versions = executed["07-versions"]
    assert versions.shows("DIGEST") and versions.shows(f"/{end['username']}/my-flask-app@sha256:")
    rollback = executed["08-rollback"]
    assert rollback.shows("Version v1.")  # after the rollback: the first release's page
    platforms = executed["09-platforms"]
    assert platforms.shows("linux/amd64") and platforms.shows("linux/arm64")
    assert platforms.shows("exec format error")
    review = executed["11-review"]
    assert review.shows("Hello again from my-flask-app") and review.shows("Version v2.0.0.")
    assert end["answers_shown"] == []  # the typing learner never needed the answer


# Where each lesson shows a paragraph that differs between engines (grader.course.enginetexts).
ENGINE_TEXTS = {
    "03-tag": ["image-id"],
    "04-push": ["push-lines", "repush"],
    "05-verify": ["sizes", "repodigests"],
    "06-pull-and-run": ["pull-lines"],
    "07-versions": ["build-index", "missing-tag"],
    "09-platforms": ["multi-platform"],
    "10-public-private": ["logged-out-pull"],
}


@pytest.mark.docker
@pytest.mark.slow
def test_each_lesson_says_what_is_true_on_this_engine(course, engine):
    """The paragraph for this engine is shown, the other engine's is not, and every output line
    it promises is in what the real command printed."""
    executed, end = course
    for name, keys in ENGINE_TEXTS.items():
        for key in keys:
            mine = enginetexts.text(engine.info, key)
            assert executed[name].shows(mine.markdown), f"{name} does not show {key}"
            for variant, (markdown, _) in enginetexts.TEXTS[key].items():
                if markdown != mine.markdown:
                    assert not executed[name].shows(markdown), f"{name}: {key} for {variant}"
            for line in mine.shows:
                assert executed[name].shows(line), f"{name}: {key} promises {line!r}"
    # What the paragraphs say of image indexes: the course's v1 never is one; the learner's
    # own v1.1.0 build is one exactly with BuildKit on the containerd image store.
    assert end["index"] == {"v1": False, "v1.1.0": enginetexts.kind(engine.info) == "index"}


@pytest.mark.docker
@pytest.mark.slow
def test_after_the_course_every_step_has_passed_and_the_versions_are_published(course):
    _, end = course
    assert end["progress"] == {
        "account": True, "login": True, "token": True, "tag": True, "push": True,
        "verify": True, "pull": True, "pull-limit": True, "run": True, "versioning": True,
        "digest": True, "rollback": True, "platforms": True, "visibility": True,
    }  # fmt: skip
    assert end["tags"] == ["v1", "v1.0.0", "v1.1.0", "v2.0.0"]


@pytest.mark.docker
@pytest.mark.slow
def test_the_token_never_appears_in_any_executed_notebook(course):
    executed, end = course
    encoded = base64.b64encode(f"{end['username']}:{end['token']}".encode()).decode()
    for name, lesson in executed.items():
        saved = lesson.saved_text()
        assert end["token"] not in saved, f"the token is in {name}"
        assert encoded not in saved, f"the stored credential is in {name}"
        assert end["token"] not in json.dumps(lesson.texts())


# --- out of order, and without an engine -----------------------------------------------------------------


@pytest.mark.docker
@pytest.mark.slow
def test_a_lesson_opened_out_of_order_says_which_steps_are_missing(monkeypatch):
    monkeypatch.setenv("COURSE_USERNAME", "lessons2")
    Lab.reset("lessons2")
    try:
        lesson = execute("04-push")
    finally:
        Lab.reset("lessons2")
    assert lesson.errors == []
    assert lesson.shows('data-missing="login tag"')
    assert lesson.shows("(lesson 02-login)") and lesson.shows("(lesson 03-tag)")
    assert lesson.shows("Do those lessons first, or let the button below do the missing steps")
    assert lesson.verdicts() == {}  # the push is the learner's turn, not a failure
    assert lesson.shows('data-task="push" data-state="waiting"')


def test_the_welcome_without_an_engine_shows_the_fix_and_no_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine/docker.sock")
    lesson = execute("00-welcome", allow_errors=True)
    assert lesson.errors == []
    assert not lesson.shows("Traceback")
    assert lesson.shows("NOT REACHABLE") and lesson.shows(ENGINE_FIX.split("`")[0])
    assert lesson.shows("Your lab cannot start yet: apply the fix shown above")
