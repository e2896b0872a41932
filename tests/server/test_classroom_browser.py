"""A real browser (Chromium, Playwright) at the classroom server: two students sign in on
JupyterHub's page, each runs lesson 04's start and a look at their engine in their own
JupyterLab, and each sees only their own images and lab; one opens the other's classroom hub page
and is refused. Screenshots in test-artifacts/classroom-*.png."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.isolation import sandbox
from grader.isolation.seats import Seat
from grader.server import control
from tests.grading.answers import CRAFTED
from tests.grading.course import fill
from tests.notebooks.browsing import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    run_all,
    wait_for_one_kernel,
    wait_for_output,
)
from tests.server.conftest import notebook_in_home, running_classroom

pytestmark = [
    pytest.mark.browser,
    pytest.mark.docker,
    pytest.mark.classroom_server,
    # Students' users and rootless engines need what grading sandboxes need (root, Linux, ...).
    pytest.mark.skipif(not sandbox.support()[0], reason=f"no seats here: {sandbox.support()[1]}"),
]

STUDENTS = {"webalice1": "alice's pw", "webbob123": "bob's pw"}
TEACHER = ("webteach1", "teach pw")
CELLS = [
    'from grader.lesson import begin\nlab = begin("04-push")',
    "!docker images",
    'print("LAB", lab.username, lab.registry, lab.hub_page("/login"))',
]


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    with running_classroom(tmp_path_factory.mktemp("classroom-browser"), STUDENTS, TEACHER) as url:
        yield url


def sign_in(browser, url: str, username: str, password: str):
    """A browser window signed in on JupyterHub's page, once the person's JupyterLab is up."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{url}/hub/login")
    page.fill("#username_input", username)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(f"/user/{username}/lab"), timeout=240_000)
    return page


def sign_in_and_run(browser, url: str, username: str):
    page = sign_in(browser, url, username, STUDENTS[username])
    page.goto(
        f"{url}/user/{username}/lab/tree/{notebook_in_home(username, 'classroom-browser.ipynb', CELLS)}"
    )
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    wait_for_one_kernel(f"{url}/user/{username}", page=page)
    run_all(page)
    wait_for_output(page, "LAB ", 240_000, ARTIFACTS / f"classroom-{username}-failed.png")
    page.screenshot(path=str(ARTIFACTS / f"classroom-{username}.png"))
    return page


def shown(page) -> str:
    return "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())


def test_two_students_each_see_only_their_own_lab_and_engine(classroom):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium`")
    ARTIFACTS.mkdir(exist_ok=True)
    url = classroom
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            alice = sign_in_and_run(browser, url, "webalice1")
            bob = sign_in_and_run(browser, url, "webbob123")
            labs = {}
            for name, page in (("webalice1", alice), ("webbob123", bob)):
                text = shown(page)
                line = next(row for row in text.splitlines() if row.startswith("LAB "))
                _, user, registry, hub_page = line.split()
                assert user == name
                assert re.search(r"publishing-course/registry\s+2\.8-debian", text), text
                other = next(u for u in STUDENTS if u != name)
                assert other not in text  # nothing of the other student in this lab
                labs[name] = (registry, hub_page)
            # Alice's classroom hub, through her server's proxy: hers to open, not Bob's.
            hub_page = labs["webalice1"][1]
            assert hub_page.startswith("/user/webalice1/proxy/absolute/")
            answer = alice.goto(url + hub_page)
            assert answer.status == 200
            alice.screenshot(path=str(ARTIFACTS / "classroom-alice-hub.png"))
            refused = bob.goto(url + hub_page)
            bob.screenshot(path=str(ARTIFACTS / "classroom-bob-refused.png"))
            assert refused.status == 403
        finally:
            browser.close()


def assignment_list(page):
    """nbgrader's Assignment List, opened from JupyterLab's Nbgrader menu (which shows a
    learner nothing else)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
    entries = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.wait_for_selector("#released_assignments_list")
    return entries


def formgrader_row(page, url: str, username: str, lab: str):
    page.goto(f"{url}/user/{username}/formgrader/manage_assignments")
    row = page.locator("tr", has_text=lab)
    row.wait_for()
    return row


def test_a_lab_goes_out_and_comes_back_graded_through_the_pages(classroom):
    """The instructor releases and collects on the formgrader's page; the student fetches,
    submits and fetches the feedback in the Assignment List; in between the student completes
    the lab (the file, here) and the instructor grades (`sudo grader classroom grade`), then
    releases the feedback (`sudo grader classroom release`)."""
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `apt-get install chromium`")
    ARTIFACTS.mkdir(exist_ok=True)
    url, lab = classroom, "lab1-publish"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            teacher = sign_in(browser, url, *TEACHER)
            formgrader_row(teacher, url, TEACHER[0], lab).locator(".release a").click()
            expect(teacher.locator("#success-modal .modal-body")).to_contain_text(
                "Successfully released"
            )
            teacher.screenshot(path=str(ARTIFACTS / "classroom-teacher-released.png"))

            alice = sign_in(browser, url, "webalice1", STUDENTS["webalice1"])
            assert [e for e in assignment_list(alice) if e.strip()] == ["Assignment List"]
            released = alice.locator(
                "#released_assignments_list .list_item:not(.nested_list_item)", has_text=lab
            )
            released.get_by_role("button", name="Fetch").click()
            fetched = alice.locator(
                "#fetched_assignments_list .list_item:not(.nested_list_item)", has_text=lab
            )
            fetched.wait_for()
            home = Seat("webalice1").home
            path = home / lab / f"{lab}.ipynb"
            _, answers, score, _ = CRAFTED["seed"]
            answers = {k: v.replace("john123", "webalice1") for k, v in answers.items()}
            path.write_text(json.dumps(fill(json.loads(path.read_text()), answers)))
            fetched.get_by_role("button", name="Submit").first.click()
            submitted = alice.locator(
                "#submitted_assignments_list .list_item:not(.nested_list_item)", has_text=lab
            )
            submitted.first.wait_for()
            alice.screenshot(path=str(ARTIFACTS / "classroom-alice-submitted.png"))

            formgrader_row(teacher, url, TEACHER[0], lab).locator(".collect a").click()
            expect(teacher.locator("#success-modal .modal-body")).to_contain_text(
                "Successfully collected"
            )
            results = control.grade(lab, log=lambda _: None)
            assert [(g.submission.student, g.score) for g in results] == [("webalice1", score)]
            control.release(lab, log=lambda _: None)  # after looking: the feedback goes out

            alice.locator("#refresh_assignments_list").click()
            submitted.get_by_role("button", name="Fetch Feedback").first.click()
            alice.wait_for_timeout(1000)
            reports = list((home / lab / "feedback").rglob("*.html"))
            assert reports and f"{score:.1f}" in reports[0].read_text()
            alice.screenshot(path=str(ARTIFACTS / "classroom-alice-feedback.png"))
        finally:
            browser.close()
