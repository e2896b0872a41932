"""The instructors' class page at the classroom server (grader/server/classpage.py), in a real
browser (Chromium, Playwright): two students sign in, one does the login step in their own
JupyterLab, and the instructor's page, open all along, shows that student's login passed and
the other's not tried within seconds, without a reload; a student who opens the page gets 403;
`grader classroom status` prints the same grid. Then a hostile submission (it writes the
gradebook, plants a file and reads the hidden tests): the formgrader's Autograde in the
instructor's JupyterLab refuses it before it runs, the page's Grade grades it in a sandbox
(0 points, nothing harmed), and its Release sends the feedback out. Screenshots in
test-artifacts/class-page-*.png."""

from __future__ import annotations

import csv
import io
import json
import secrets
import sqlite3
import subprocess
from pathlib import Path

import pytest

from grader.cli import main
from grader.isolation import sandbox
from grader.isolation.seats import Seat
from tests.grading.course import fill, nbgrader, notebook, submit
from tests.notebooks.browsing import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    run_all,
    wait_for_one_kernel,
    wait_for_output,
)
from tests.server.conftest import notebook_in_home, running_classroom
from tests.server.test_classroom_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.docker,
    pytest.mark.classroom_server,
    pytest.mark.skipif(not sandbox.support()[0], reason=f"no seats here: {sandbox.support()[1]}"),
]

STUDENTS = {"pgalice1": "alice's pw", "pgbob123": "bob's pw"}
TEACHER = ("pgteach1", "teach pw")
LOGIN_CELLS = [
    'from grader.lesson import begin\nlab = begin("02-login")',
    "!docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}",
    'print("CHECKED", lab.check("login").passed)',
]
HOSTILE = """
import sqlite3
db = sqlite3.connect("COURSE/gradebook.db")
db.execute("UPDATE grade SET manual_score = 100")
db.commit()
open("COURSE/PLANTED", "w").write("planted by a submission")
print("BREACH", open("COURSE/solutions/lab1-publish/lab1-publish.ipynb").read()[:200])
"""
"""A submission that, run as the instructor, would write their gradebook, plant a file in their
course and print the hidden tests."""
LIVE_MS = 10_000
"""How soon the page shows a step the learner did, without a reload."""


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    with running_classroom(tmp_path_factory.mktemp("class-page"), STUDENTS, TEACHER) as url:
        yield url


def hand_in_hostile(course: Path, student: str) -> None:
    """lab1-publish generated in the instructor's course, and a hostile submission of
    ``student``'s collected there, as `nbgrader collect` leaves one (all the instructor's)."""
    nbgrader(course, "generate_assignment", "lab1-publish", "--force")
    nbgrader(course, "db", "student", "add", student)
    answers = {"username": f'USERNAME = "{student}"', "answer-login": HOSTILE.replace(
        "COURSE", str(course))}  # fmt: skip
    submit(course, student, "lab1-publish", fill(notebook(course, "lab1-publish"), answers))
    folder = course / "submitted" / student / "lab1-publish"
    (folder / "timestamp.txt").write_text("2026-12-03 10:00:00.000000 UTC")
    (folder / "submission_secret.txt").write_text(secrets.token_hex(16))  # as `nbgrader submit`
    seat = Seat(TEACHER[0])
    subprocess.run(["chown", "-R", f"{seat.uid}:{seat.gid}", str(course)], check=True)


def nothing_harmed(course: Path) -> None:
    assert not (course / "PLANTED").exists()
    with sqlite3.connect(course / "gradebook.db") as db:
        assert db.execute("SELECT count(*) FROM grade WHERE manual_score = 100").fetchone() == (0,)
    for path in (course / "autograded").rglob("*.ipynb"):  # the hidden tests never printed
        outputs = [o for c in json.loads(path.read_text())["cells"] for o in c.get("outputs", [])]
        assert "BREACH" not in json.dumps(outputs), path


def finished(page, timeout_ms: int) -> str:
    """The output of the page's job, once it is over; fails with it if the job failed."""
    page.wait_for_selector('#job[data-state="done"], #job[data-state="failed"]', timeout=timeout_ms)
    output = page.inner_text("#joboutput")
    assert page.get_attribute("#job", "data-state") == "done", output
    return output


def cell_state(page, student: str, step: str) -> str | None:
    return page.get_attribute(f'tr[data-student="{student}"] td[data-step="{step}"]', "data-state")


def test_the_class_page_shows_a_students_step_live_and_only_to_instructors(classroom):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium`")
    ARTIFACTS.mkdir(exist_ok=True)
    url = classroom
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            teacher = sign_in(browser, url, *TEACHER)
            answer = teacher.goto(f"{url}/services/class/")
            assert answer.status == 200
            teacher.wait_for_selector('tr[data-student="pgbob123"] td[data-step="login"]')
            assert cell_state(teacher, "pgalice1", "login") == "not tried"
            assert teacher.locator('tr[data-student="pgteach1"]').count() == 0  # students only
            teacher.screenshot(path=str(ARTIFACTS / "class-page-before.png"), full_page=True)
            loads = []
            teacher.on("load", lambda _: loads.append(1))

            alice = sign_in(browser, url, "pgalice1", STUDENTS["pgalice1"])
            bob = sign_in(browser, url, "pgbob123", STUDENTS["pgbob123"])
            refused = bob.goto(f"{url}/services/class/")
            assert refused.status == 403
            bob.screenshot(path=str(ARTIFACTS / "class-page-student-refused.png"))
            assert "pgalice1" not in bob.content()
            refused = bob.goto(f"{url}/services/class/progress.json")
            assert refused.status == 403

            alice.goto(
                f"{url}/user/pgalice1/lab/tree/{notebook_in_home('pgalice1', 'login-step.ipynb', LOGIN_CELLS)}"
            )
            alice.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
            wait_for_one_kernel(f"{url}/user/pgalice1", page=alice)
            run_all(alice)
            wait_for_output(alice, "CHECKED True", 240_000, ARTIFACTS / "class-page-alice.png")
            # The page, never reloaded, shows it within seconds of the check.
            teacher.wait_for_selector(
                'tr[data-student="pgalice1"] td[data-step="login"][data-state="passed"]',
                timeout=LIVE_MS,
            )
            assert cell_state(teacher, "pgbob123", "login") == "not tried"
            assert "×1" in teacher.inner_text('tr[data-student="pgalice1"] td[data-step="login"]')
            assert loads == []  # no reload
            funnel = teacher.locator("#funnel .plot-container")  # drawn by Plotly
            assert funnel.count() == 1
            teacher.screenshot(path=str(ARTIFACTS / "class-page-after.png"), full_page=True)

            # The formgrader's Autograde, in the instructor's JupyterLab: refused before it runs.
            course = Seat(TEACHER[0]).home / "course"
            hand_in_hostile(course, "pgbob123")
            formgrader = browser.contexts[0].new_page()
            formgrader.goto(f"{url}/user/{TEACHER[0]}/formgrader/manage_submissions/lab1-publish")
            formgrader.click("td.autograde a", timeout=120_000)
            modal = formgrader.wait_for_selector("#error-modal", timeout=300_000)
            assert "Not graded here" in modal.inner_text(), modal.inner_text()
            assert "class page" in modal.inner_text()
            formgrader.screenshot(path=str(ARTIFACTS / "class-page-autograde-refused.png"))
            nothing_harmed(course)

            # The page's Grade: in a sandbox, as `grader classroom grade` does.
            teacher.select_option("#lab", "lab1-publish")
            teacher.select_option("#student", "pgbob123")
            teacher.click("#grade")
            said = finished(teacher, 600_000)
            nothing_harmed(course)
            with open(course / "grades.csv", newline="") as handle:
                rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}
            graded = rows[("pgbob123", "lab1-publish")]
            assert graded["grading_status"] == "graded" and float(graded["score"]) == 0.0
            assert rows[("pgalice1", "lab1-publish")]["grading_status"] == "no submission"
            teacher.wait_for_selector("#plot-scores-lab1-publish .plot-container")
            assert "not released" in said
            teacher.screenshot(path=str(ARTIFACTS / "class-page-graded.png"), full_page=True)

            teacher.click("#release")
            assert "released" in finished(teacher, 120_000)
            assert list((course / "feedback" / "pgbob123" / "lab1-publish").glob("*.html"))
        finally:
            browser.close()

    out, err = io.StringIO(), io.StringIO()
    assert main(["classroom", "status"], out=out, err=err) == 0, err.getvalue()
    alice_line = next(line for line in out.getvalue().splitlines() if line.startswith("pgalice1"))
    bob_line = next(line for line in out.getvalue().splitlines() if line.startswith("pgbob123"))
    assert "pass x1" in alice_line and "pass" not in bob_line
