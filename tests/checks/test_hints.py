"""Every command a check's hint gives runs as shown where it is shown: in a notebook cell, as
`!docker …` (IPython's own shell escape, with ``lab`` defined as in every lesson and lab). Taken
through the lifecycle, each step's hint, run as it is, makes that check pass; and no hint names a
docker command as prose that a learner would have to rewrite before it runs."""

from __future__ import annotations

import re

import pytest
from IPython.core.interactiveshell import InteractiveShell

from grader.course import lessons
from grader.result import runnable
from tests.conftest import DOCKER_LINES, HUB_API_LINES
from tests.learners import learner_lab

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PROSE_COMMAND = re.compile(r"(?<![`!\w])docker (login|tag|push|pull|rmi|run|rm|build) \S")
"""A docker command written into a hint as plain text, outside a runnable `!docker …`."""


@pytest.fixture(scope="module")
def cell():
    """A notebook cell's shell: IPython's `!` with ``{…}`` filled in from its namespace."""
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def run_hint(cell, lab, hint: str) -> list[str]:
    """Run every command of ``hint`` as a cell would, each one required to succeed."""
    found = runnable(hint)
    assert found, f"the hint gives no command to run: {hint!r}"
    assert not PROSE_COMMAND.search(re.sub(r"`[^`]*`", "", hint)), hint
    cell.user_ns["lab"] = lab
    for command in found:
        cell.run_cell(f"!{command}")
        assert cell.user_ns["_exit_code"] == 0, f"`!{command}` failed"
    return found


def test_each_steps_hint_run_as_shown_makes_its_check_pass(cell):
    with learner_lab("hintsrun") as lab:
        cell.user_ns["port"] = lessons.app_port()
        for step in ("login", "tag", "push", "pull", "run"):
            before = lab.check(step)
            assert not before.passed, step
            run_hint(cell, lab, before.hint)
            if step == "pull":  # the course's own name back, as the lesson's task does
                cell.run_cell(f"!docker tag {lab.image()} my-flask-app:v1")
            after = lab.check(step)
            assert after.passed, f"{step}: {before.hint!r} did not do it: {after}"


def test_the_hints_for_the_usual_mistakes_run_as_shown(cell):
    with learner_lab("hintsfix") as lab:
        run_hint(cell, lab, lab.check("login").hint)
        cell.user_ns["lab"] = lab
        cell.run_cell(f"!docker tag my-flask-app:v1 {lab.registry}/my-flask-app:v1")
        wrong = lab.check("tag")  # no username in the name
        assert "username" in wrong.message
        run_hint(cell, lab, wrong.hint)
        assert lab.check("tag").passed
        cell.run_cell(f"!docker push {lab.image()}")
        versions = lab.check("versioning")  # one release only
        assert not versions.passed
        run_hint(cell, lab, versions.hint)  # tags and pushes v1.0.0; the change is prose
        rollback = lab.check("rollback")  # nothing deployed
        assert not rollback.passed and runnable(rollback.hint)
        assert not PROSE_COMMAND.search(re.sub(r"`[^`]*`", "", rollback.hint))


@pytest.mark.parametrize("task", [t for t in lessons.TASKS if not t.web], ids=lambda t: t.name)
def test_a_tasks_shape_is_clearly_a_shape_and_its_answer_a_command(task):
    """A task done in a cell (signing up is done on the hub's page): its shape has CAPITALS to
    fill in, its answer is docker commands or Docker Hub's API calls, at least one of them."""
    assert re.search(r"\b[A-Z_]{4,}\b", task.shape), task.shape  # CAPITALS to fill in
    lines = task.answer.splitlines()
    assert all(line.startswith(DOCKER_LINES + HUB_API_LINES) for line in lines)
    assert any(line.startswith(DOCKER_LINES) or "lab.hub_api." in line for line in lines)
