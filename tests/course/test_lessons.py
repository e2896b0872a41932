"""What the lessons share besides widgets: the steps, catching up, the local copy to remove
before a pull, the app's port and page."""

from __future__ import annotations

import socket

import pytest

from grader.checks import NAMES
from grader.course import lessons
from grader.errors import InvalidInput
from grader.infra import commands
from tests.conftest import port_5000_taken
from tests.learners import learner_lab, pushed


def test_the_steps_follow_the_checks_order_and_name_their_lessons():
    order = [step.check for step in lessons.STEPS]
    assert order == [name for name in NAMES if name in order]
    assert [s.check for s in lessons.steps_through("tag")] == ["account", "login", "tag"]
    assert [name for name, _ in lessons.STAGES] == ["Build", "Tag", "Push", "Pull", "Run"]
    with pytest.raises(InvalidInput):
        lessons.step("versioning")


def test_the_app_port_is_one_nothing_listens_on():
    with port_5000_taken():
        port = lessons.app_port()
        assert port != 5000
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", port))


@pytest.mark.docker
@pytest.mark.slow
def test_removing_the_local_copy_makes_the_pull_download_and_the_app_runs():
    with learner_lab("lessonsl") as lab:
        pushed(lab)
        port = lessons.app_port()
        commands.run(f"docker run -d -p {port}:5000 {lab.image()}")
        assert "Hello from my-flask-app" in lessons.page(lab, port)
        commands.run(f"docker tag my-flask-app:v1 {lab.image('v1.0.0')}")

        copy = lessons.local_copy(lab)
        assert set(copy.names) == {lab.image(), lab.image("v1.0.0"), "my-flask-app:v1"}
        assert len(copy.containers) == 1
        assert copy.remove_commands() == [
            f"docker rm -f {copy.containers[0]}",
            "docker rmi " + " ".join(sorted(copy.names)),
        ]
        for line in copy.remove_commands():
            assert commands.run(line).ok
        assert lessons.page(lab, port, wait=0) is None
        assert commands.run(f"docker pull {lab.image()}").ok
        assert commands.run(copy.restore_command()).ok
        assert lab.check("pull").passed
        assert lab.engine.image("my-flask-app:v1").id == lab.engine.image(lab.image()).id


@pytest.mark.docker
def test_stages_are_lit_from_the_progress_and_the_app_image():
    with learner_lab("lessonss") as lab:
        assert [s.done for s in lessons.stages(lab)] == [True, False, False, False, False]
        lab.check("tag")  # fails: not tagged
        assert not lessons.stages(lab)[1].done
        commands.run(f"docker tag my-flask-app:v1 {lab.image()}")
        lab.check("tag")
        assert [s.done for s in lessons.stages(lab)] == [True, True, False, False, False]


@pytest.mark.docker
def test_an_app_folder_is_a_fresh_copy_to_change():
    with learner_lab("lessonsf") as lab:
        folder = lessons.app_folder(lab, "v9")
        (folder / "app.py").write_text("changed")
        again = lessons.app_folder(lab, "v9")
        assert again == folder and "Flask" in (folder / "app.py").read_text()
        assert {p.name for p in folder.iterdir()} >= {"Dockerfile", "app.py", "requirements.txt"}


def test_no_hint_on_docker_hub_needs_a_password_or_a_classroom_only_call():
    """Lab.use_hub has no password (Docker Hub's pages make tokens and change visibility), and
    set_private is the classroom hub's own call: no hint on Docker Hub uses either, while the
    classroom's answers keep doing it from code."""
    from grader.course.tasks import TASKS

    for task in TASKS:
        for hint in task.hints_for(classroom=False):
            assert "lab.password" not in hint and "set_private" not in hint, task.name
    from_code = [t.name for t in TASKS if "lab.password" in t.hints_for(classroom=True)[2]]
    assert from_code == ["login", "private", "public"]
