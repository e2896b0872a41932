"""The lessons' widgets, driven in this process the way a front end would (clicks included),
against the real engine, registry and docker CLI. What they show is read from their state."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import textwrap
import time

import pytest
from ipywidgets.embed import embed_data

from grader import journal
from grader.course import hubview, lessons
from grader.course.widgets import (
    CatchUp,
    CheckButton,
    DoctorPanel,
    HubView,
    LifecycleTracker,
    Predict,
    Quiz,
    VerifyForm,
    YourTurn,
)
from grader.infra import commands, net
from grader.infra.engine import ENGINE_FIX
from grader.lab.learners import learner_dir
from tests.learners import learner_lab, pushed

pytestmark = [pytest.mark.docker]


@pytest.fixture(scope="module")
def lab():
    with learner_lab("lessonsw") as started:
        yield started


def state_text(widget) -> str:
    """Everything the widget's models hold, as a front end would receive it."""
    return json.dumps(embed_data(views=[widget])["manager_state"])


# --- the learner's turn ----------------------------------------------------------------------------


def test_your_turn_waits_for_the_learner_then_gives_the_verdict_with_hints_step_by_step():
    with learner_lab("lessonst") as fresh:
        turn = YourTurn(fresh, "tag")
        assert 'data-task="tag" data-state="waiting"' in turn._verdict.value
        assert "it is your turn" in turn._verdict.value and not turn.result.passed
        assert fresh.registry in state_text(turn) and "{lab.token_file}" in state_text(turn)

        turn._check_button.click()  # pressed Check without doing it: now a verdict
        assert 'data-state="failed"' in turn._verdict.value
        assert turn.result.message in turn._verdict.value  # what the check saw
        assert "Hint:" not in turn._verdict.value  # the check's own hint is the answer: later

        shown = [turn.hint(), turn.hint()]
        assert shown == [turn.task.nudge, turn.task.shape] and "tag" not in fresh.answers_shown
        assert 'data-revealed="2"' in turn._hints.value
        turn._hint_button.click()
        assert turn.revealed == 3 and turn._hint_button.disabled
        assert fresh.answers_shown == ["tag"]  # the lab notes that the answer was shown
        assert "{lab.registry}/{lab.username}/my-flask-app:v1" in turn._hints.value
        turn.check()
        assert "Hint:" in turn._verdict.value  # with the answer out, the check's hint shows too

        commands.run(f"docker tag my-flask-app:v1 {fresh.image()}")
        turn._check_button.click()
        assert turn.result.passed and 'data-state="passed"' in turn._verdict.value

        again = YourTurn(fresh, "tag")  # the cell run again: the answer stays revealed
        assert again.revealed == 3 and again.result.passed


def test_the_learners_journal_keeps_each_try_hint_answer_and_explained_failure_with_its_time():
    with learner_lab("lessonsj") as fresh:
        before = time.time()
        turn = YourTurn(fresh, "tag")  # shown: the course looks, the learner has not tried
        turn._check_button.click()  # a try, failed
        turn.hint(), turn.hint(), turn.hint()  # the nudge, the shape, the answer
        commands.run(f"docker tag my-flask-app:v1 {fresh.image()}")
        turn._check_button.click()  # a try, passed
        YourTurn(fresh, "tag")  # shown again: the answer is not noted a second time
        lessons.missing(fresh, "tag")  # an earlier step's prerequisite: a look, not a try
        events = journal.read_own(learner_dir("lessonsj"))
        tag = [(e["kind"], e.get("passed"), e.get("tried"), e.get("attempt"), e.get("level"))
               for e in events if e.get("step") == "tag"]  # fmt: skip
        assert tag[:7] == [
            ("check", False, False, 0, None),
            ("check", False, True, 1, None),
            ("hint", None, None, None, 1),
            ("hint", None, None, None, 2),
            ("hint", None, None, None, 3),
            ("answer", None, None, None, None),
            ("check", True, True, 2, None),
        ]
        assert [k for k, *_ in tag[7:]] == ["check", "check"] and tag[-1][2] is False
        # Times are kept to the millisecond (rounded): one may round down below ``before``.
        now = time.time()
        assert [e for e in events if not before - 0.001 <= e["at"] <= now + 0.001] == [], before
        step = journal.summarise(events).steps["tag"]
        assert (step.state, step.attempts, step.revealed) == ("passed", 3, True)

        # A failed !docker line in the learner's kernel: explained, and noted by its key.
        script = textwrap.dedent(
            """
            from IPython.core.interactiveshell import InteractiveShell
            shell = InteractiveShell.instance()
            shell.run_cell('from grader import Lab\\nlab = Lab.start(username="lessonsj", persistent=True)')
            shell.run_cell('!docker tag my-flask-app:v1 {lab.registry}/Lessonsj/my-flask-app:v1')
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
        )
        assert "uppercase" in done.stdout.lower() or "capital" in done.stdout.lower(), done
        kinds = [(e["kind"], e.get("error")) for e in journal.read_own(learner_dir("lessonsj"))]
        assert kinds[-1] == ("diagnosis", "name-uppercase")


def test_your_turn_after_a_try_shows_a_failure_not_the_learners_turn():
    with learner_lab("lessonsu") as fresh:
        first = YourTurn(fresh, "push")
        assert 'data-state="waiting"' in first._verdict.value
        first._check_button.click()  # a try: pressed Check with nothing pushed
        assert 'data-state="failed"' in first._verdict.value
        tried = YourTurn(fresh, "push")  # the box shown again, after the try
        assert 'data-state="failed"' in tried._verdict.value


# --- predict, then run ------------------------------------------------------------------------------


@pytest.mark.parametrize("moment", sorted(m.name for m in lessons.MOMENTS))
@pytest.mark.parametrize("prediction", ["right", "wrong"])
def test_a_prediction_is_marked_by_what_the_real_commands_did(lab, moment, prediction):
    pushed(lab)
    if moment == "tag-moves":  # a second release to push over v1.0.0, and v1.0.0 itself
        lab.engine.build(
            str(lessons.app_folder(lab, "widgets-v1.1.0")), "my-flask-app:v1.1.0",
            {"BASE_IMAGE": lab.images.base, "APP_VERSION": "v1.1.0"},
        )  # fmt: skip
        for line in (f"docker tag my-flask-app:v1 {lab.image('v1.0.0')}",
                     f"docker push {lab.image('v1.0.0')}"):  # fmt: skip
            assert commands.run(line).ok
    if moment == "port-taken":  # the learner's app, running on a port of the machine
        assert commands.run(f"docker run -d -p {net.free_port()}:5000 {lab.image()}").ok
    if moment == "other-platform":  # hello:v1 for both platforms, as the learner published it
        folder = lessons.platform_folder(lab)
        for line in lessons.task("platforms").answer.splitlines():
            command = line.removeprefix("!").replace("{hello}", str(folder))
            for tag in ("amd64", "arm64", "v1"):
                command = command.replace(
                    f"{{lab.image('{tag}', 'hello')}}", lab.image(tag, "hello")
                )
            assert commands.run(command, timeout=300).ok, command
    predict = Predict(lab, moment)
    assert predict._run_button.disabled  # nothing runs before a prediction
    assert predict.run() is None and "Pick what you expect first" in predict._verdict.value
    right = predict.moment.right
    wrong = (right + 1) % len(predict.moment.options)
    predict.choose(right if prediction == "right" else wrong)
    assert not predict._run_button.disabled
    predict._run_button.click()
    predict.wait(300)
    assert predict.happened == right  # the real outcome, read from what the commands did
    assert predict.right is (prediction == "right")
    verdict = predict._verdict.value
    assert f'data-right="{str(prediction == "right").lower()}"' in verdict
    assert ("You were right." in verdict) is (prediction == "right")
    assert html.escape(predict.moment.why.split(":")[0]) in verdict
    assert predict.lines[0] == f"$ {predict.moment.commands(lab)[0]}"
    if moment == "logged-out":
        assert not lab.check("login").passed
        login = lessons.login_command(lab)
        assert commands.run(login, stdin=lab.token).ok


# --- checks, the hub, the lifecycle ---------------------------------------------------------------


def test_the_check_button_shows_the_verdict_and_checks_again(lab):
    pushed(lab)
    copy = lessons.local_copy(lab)
    button = CheckButton(lab, "pull")
    assert not button.result.passed
    assert 'data-passed="false"' in button._verdict.value and "Hint:" in button._verdict.value
    for line in copy.remove_commands():
        commands.run(line)
    commands.run(f"docker pull {lab.image()}")
    commands.run(copy.restore_command())
    button._check_button.click()
    assert button.result.passed and button.checks == 2
    assert 'data-count="2"' in button._verdict.value
    assert 'data-check="pull" data-passed="true"' in button._verdict.value


def test_the_hub_view_shows_the_repository_and_refreshes_after_a_push(lab):
    pushed(lab)
    hub = HubView(lab)
    assert hub.repository.tag("v1.0.9") is None
    commands.run(f"docker tag my-flask-app:v1 {lab.image('v1.0.9')}")
    push = commands.run(f"docker push {lab.image('v1.0.9')}")
    hub._refresh_button.click()
    manifest = lab.registry_api.manifest(f"{lab.username}/my-flask-app", "v1.0.9")
    shown = hub.repository.tag("v1.0.9")
    assert shown.digest == manifest.digest and shown.size == manifest.size
    assert shown.pushed is not None and hub.repository.tags[0].name == "v1.0.9"
    assert f"digest: {manifest.digest}" in push.output  # the line docker push printed
    page = hub._page.value
    assert manifest.digest in page and shown.size_text in page and "Public" in page
    assert (
        f"{lab.username}/my-flask-app" in page
        and lab.hub_page(f"/r/{lab.username}/my-flask-app") in page
    )


def test_the_verify_form_checks_what_was_typed(lab):
    pushed(lab)
    form = VerifyForm(lab)
    assert not form.submit("sha256:0123456789abcdef", "1 MB").passed
    assert 'data-passed="false"' in form._verdict.value
    v1 = hubview.repository(lab).tag("v1")
    assert form.submit(v1.digest, v1.size_text).passed
    assert 'data-check="verify" data-passed="true"' in form._verdict.value


TRACKER_IN_A_NEW_KERNEL = textwrap.dedent(
    """
    import json
    from grader import Lab
    from grader.course.widgets import LifecycleTracker
    lab = Lab.start(username="lessonsw", persistent=True)
    tracker = LifecycleTracker(lab)
    print(json.dumps({s.name: s.done for s in tracker.stages}))
    lab.stop()
    """
)


def test_the_lifecycle_tracker_lights_passed_stages_and_survives_a_kernel_restart(lab):
    pushed(lab)
    lab.check("run")  # not started: stays unlit
    tracker = LifecycleTracker(lab)
    lit = {stage.name: stage.done for stage in tracker.stages}
    assert lit["Build"] and lit["Tag"] and lit["Push"] and not lit["Run"]
    assert 'data-stage="Push" data-done="true"' in tracker._stages.value
    assert 'data-stage="Run" data-done="false"' in tracker._stages.value

    done = subprocess.run(
        [sys.executable, "-c", TRACKER_IN_A_NEW_KERNEL], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == lit


# --- a lesson opened out of order ------------------------------------------------------------------


def test_catch_up_says_which_steps_are_missing_and_does_them_for_real():
    with learner_lab("lessonsc") as fresh:
        catch_up = CatchUp(fresh, through="push")
        assert [step.check for step in catch_up.missing] == ["login", "tag", "push"]
        summary = catch_up._summary.value
        assert "lesson 02-login" in summary and "lesson 03-tag" in summary
        assert "lesson 04-push" in summary and 'data-missing="login tag push"' in summary

        catch_up._do_button.click()
        catch_up.wait(600)
        assert [r.name for r in catch_up.results] == ["login", "tag", "push"]
        assert all(r.passed for r in catch_up.results)
        assert catch_up.missing == [] and 'data-missing=""' in catch_up._summary.value
        log = "\n".join(catch_up.lines)
        assert f"$ docker push {fresh.image()}" in log and "digest: sha256:" in log
        assert fresh.token not in log + state_text(catch_up)


# --- the welcome lesson and the review ---------------------------------------------------------------


def test_the_doctor_panel_says_ready_when_the_engine_answers():
    panel = DoctorPanel()
    assert panel.ready and "Ready: the course can run." in panel._report.value


@pytest.mark.parametrize("host", ["unix:///nonexistent/docker.sock"])
def test_the_doctor_panel_shows_the_fix_when_there_is_no_engine(monkeypatch, host):
    monkeypatch.setenv("DOCKER_HOST", host)
    panel = DoctorPanel()
    assert not panel.ready
    assert "NOT REACHABLE" in panel._report.value and "Not ready" in panel._report.value
    assert "docker info" in panel._report.value and ENGINE_FIX.split(":")[0] in panel._report.value


def test_the_quiz_marks_the_answers_with_the_plain_function():
    quiz = Quiz()
    quiz.choose(*[q.answer for q in quiz.questions])
    assert all(mark.correct for mark in quiz.check())
    count = len(quiz.questions)
    assert f'data-score="{count}/{count}"' in quiz._feedback.value
    quiz.choose(*[(q.answer + 1) % len(q.options) for q in quiz.questions[:-1]], None)
    quiz._check_button.click()
    assert not any(mark.correct for mark in quiz.marks)
    assert f'data-score="0/{count}"' in quiz._feedback.value
    assert "not quite" in quiz._feedback.value and "not answered" in quiz._feedback.value
