"""The lesson notebooks, executed top to bottom headless (nbclient, a real kernel) against the
real engine and registry: in order 00..08 by one learner, every do-it cell running its real
command and every check passing; one opened out of order; the welcome with no engine; and the
committed files themselves."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import nbformat
import pytest

from grader import Lab, enginetexts
from grader.infra.engine import ENGINE_FIX
from tests.notebooks.executed import LESSONS, NOTEBOOKS, execute

LEARNER = "lessons1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# The checks each lesson shows, every one of which must pass.
CHECKS = {
    "00-welcome": set(),
    "01-account": {"account"},
    "02-login": {"login"},
    "03-tag": {"tag"},
    "04-push": {"push"},
    "05-verify": {"verify"},
    "06-pull-and-run": {"pull", "run"},
    "07-versioning": {"versioning", "login"},
    "08-review": {"tag", "push", "pull", "run", "versioning"},
}


# --- the committed files ----------------------------------------------------------------------------


def test_the_lessons_are_the_nine_notebooks_listed():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == list(LESSONS)


@pytest.mark.parametrize("name", LESSONS)
def test_a_committed_lesson_has_no_outputs_and_no_execution_counts(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a cell has outputs: {cell.source[:60]!r}"
            assert cell.execution_count is None, f"{name}: {cell.source[:60]!r} has a count"
    assert "widgets" not in notebook.metadata, f"{name} keeps widget state"


@pytest.mark.parametrize("name", LESSONS[1:])
def test_every_lesson_starts_the_learners_own_lab(name):
    source = (NOTEBOOKS / f"{name}.ipynb").read_text()
    assert 'os.environ.get(\\"COURSE_USERNAME\\", \\"john123\\")' in source
    assert "Lab.start(username=USERNAME, persistent=True)" in source


# --- the whole course, in order, by one learner --------------------------------------------------------


@pytest.fixture(scope="module")
def course():
    """Every lesson executed in order by one learner (reset before and after), with how long
    each took; and the learner's lab as it is at the end."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COURSE_USERNAME", LEARNER)
        Lab.reset(LEARNER)
        executed, seconds = {}, {}
        try:
            for name in LESSONS:
                started = time.perf_counter()
                executed[name] = execute(name)
                seconds[name] = time.perf_counter() - started
            lab = Lab.start(username=LEARNER, persistent=True)
            try:
                end = {
                    "token": lab.token,
                    "username": lab.username,
                    "progress": dict(lab.progress),
                    "tags": lab.hub.tags(f"{LEARNER}/my-flask-app"),
                    "index": {
                        tag: lab.hub.manifest(f"{LEARNER}/my-flask-app", tag).is_index
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
    if name not in ("00-welcome", "01-account"):  # lessons in order have nothing to catch up
        assert lesson.shows('data-missing=""')


@pytest.mark.docker
@pytest.mark.slow
def test_the_do_it_cells_ran_the_real_commands(course):
    executed, end = course
    login = executed["02-login"]
    assert login.shows("`$DOCKER_TOKEN` is a shell variable")  # refused, with the reason
    assert login.shows("401 Unauthorized") and login.shows("Login Succeeded")
    push = executed["04-push"]
    assert push.shows(": Pushed") and push.shows("v1: digest: sha256:")
    assert push.shows(": Layer already exists")
    assert executed["05-verify"].shows(f"/{end['username']}/my-flask-app@sha256:")
    pull = executed["06-pull-and-run"]
    assert pull.shows("Status: Downloaded newer image") and pull.shows("Digest: sha256:")
    assert pull.shows("Hello from my-flask-app")
    versions = executed["07-versioning"]
    assert versions.shows("Version v1.1.0.") and versions.shows("Version v1.")
    review = executed["08-review"]
    assert review.shows("Hello again from my-flask-app") and review.shows("Version v2.0.0.")
    assert 1 in login.exit_statuses() and all(s == 0 for s in push.exit_statuses())


# Where each lesson shows a paragraph that differs between engines (grader.enginetexts).
ENGINE_TEXTS = {
    "03-tag": ["image-id"],
    "04-push": ["push-lines", "repush"],
    "05-verify": ["sizes", "repodigests"],
    "06-pull-and-run": ["pull-lines"],
    "07-versioning": ["build-index", "missing-tag", "logged-out-pull"],
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
        "account": True, "login": True, "tag": True, "push": True, "verify": True,
        "pull": True, "run": True, "versioning": True,
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
    assert lesson.verdicts() == {"push": [False]}


def test_the_welcome_without_an_engine_shows_the_fix_and_no_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine/docker.sock")
    lesson = execute("00-welcome", allow_errors=True)
    assert lesson.errors == []
    assert not lesson.shows("Traceback")
    assert lesson.shows("NOT REACHABLE") and lesson.shows(ENGINE_FIX.split("`")[0])
    assert lesson.shows("Your lab cannot start yet: apply the fix shown above")
