"""The instructors' class page at the classroom server (grader/server/classpage.py), in a real
browser (Chromium, Playwright): two students sign in, one does the login step in their own
JupyterLab, and the instructor's page, open all along, shows that student's login passed and
the other's not tried within seconds, without a reload; a student who opens the page gets 403;
`grader classroom status` prints the same grid. Screenshots in test-artifacts/class-page-*.png."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from grader.cli import main
from grader.infra.net import free_port
from grader.isolation import sandbox
from grader.isolation.seats import Seat
from grader.server import control
from tests.notebooks.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.notebooks.test_hub_browser import run_all
from tests.server.conftest import own_classroom
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
LIVE_MS = 10_000
"""How soon the page shows a step the learner did, without a reload."""


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    root = tmp_path_factory.mktemp("class-page")
    text = "".join(f"{u},{p}\n" for u, p in STUDENTS.items()) + ",".join(TEACHER) + ",instructor\n"
    with own_classroom(root, text, (*STUDENTS, TEACHER[0])) as roster:
        yield control.start(roster, free_port(), log=lambda _: None)


def login_notebook(username: str) -> str:
    seat = Seat(username)
    path = Path(seat.home) / "login-step.ipynb"
    cells = [
        {"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None}
        for s in LOGIN_CELLS
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": kernel},
                                "nbformat": 4, "nbformat_minor": 5}))  # fmt: skip
    os.chown(path, seat.uid, seat.gid)
    return path.name


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

            alice.goto(f"{url}/user/pgalice1/lab/tree/{login_notebook('pgalice1')}")
            alice.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
            run_all(alice)
            alice.wait_for_function(
                "() => [...document.querySelectorAll('.jp-OutputArea-output')]"
                ".some(e => e.textContent.includes('CHECKED True'))",
                timeout=240_000,
            )
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
        finally:
            browser.close()

    out, err = io.StringIO(), io.StringIO()
    assert main(["classroom", "status"], out=out, err=err) == 0, err.getvalue()
    alice_line = next(line for line in out.getvalue().splitlines() if line.startswith("pgalice1"))
    bob_line = next(line for line in out.getvalue().splitlines() if line.startswith("pgbob123"))
    assert "pass x1" in alice_line and "pass" not in bob_line
