"""A real browser: JupyterLab served on localhost, Debian's Chromium driven by Playwright. A
lesson is opened and run (Run All: the push waits for the learner), the hints are revealed one by
one, then the learner types the push into the empty cell, runs it and presses Check, and the
real command output and a passing verdict appear in the page; a failed command then shows its
diagnosis under docker's message (screenshots of each are kept in test-artifacts/)."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from grader import Lab
from grader.course import lessons
from grader.infra import net
from tests.notebooks.browsing import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    WAIT_MS,
    run_all,
    wait_for_one_kernel,
)  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

LEARNER = "lessonsb"


@pytest.fixture
def learner():
    """A learner who has done lessons 01-03 (logged in and tagged), ready for 04-push."""
    Lab.reset(LEARNER)
    lab = Lab.start(username=LEARNER, persistent=True)
    try:
        results = lessons.catch_up(lab, "tag", log=lambda _: None)
        assert all(r.passed for r in results), results
    finally:
        lab.stop()
    yield LEARNER
    Lab.reset(LEARNER)


@pytest.fixture
def jupyterlab(tmp_path, learner):
    """``jupyter-lab`` on a free localhost port, with Jupyter's folders of its own and the
    course's learner settings; stopped (by its PID) at the end."""
    config = tmp_path / "config"
    (config / "labconfig").mkdir(parents=True)
    shutil.copy(ROOT / "jupyter/labconfig/default_setting_overrides.json", config / "labconfig")
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
        COURSE_USERNAME=learner,
    )
    env.pop("DOCKER_CONFIG", None)
    port, token = net.free_port(), secrets.token_hex(16)
    log = open(tmp_path / "jupyter-lab.log", "w")  # noqa: SIM115 (closed at the end)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser", "--ip", "127.0.0.1",
         "--port", str(port), f"--ServerApp.token={token}", "--allow-root",
         f"--ServerApp.root_dir={ROOT}"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "jupyter-lab.log").read_text()
            try:
                if requests.get(f"{url}/api/status?token={token}", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "jupyter-lab did not answer"
            time.sleep(0.2)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_a_learner_reveals_hints_then_types_the_push_in_jupyterlab_and_sees_it_pass(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: `apt-get install chromium`, or set COURSE_CHROMIUM"
        )

    url, token = jupyterlab
    ARTIFACTS.mkdir(exist_ok=True)
    # The course's learner settings are in effect: no news toast over the lesson.
    plugin = "@jupyterlab/apputils-extension:notification"
    schema = requests.get(f"{url}/lab/api/settings/{plugin}?token={token}", timeout=30).json()
    assert schema["schema"]["properties"]["fetchNews"]["default"] == "false"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{url}/lab/tree/notebooks/04-push.ipynb?token={token}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')

            # Run the whole lesson, as a learner would: Run > Run All Cells (chosen again if a
            # click on a loaded machine started nothing; a dialog JupyterLab put up meanwhile is
            # accepted, as a learner would: seen in CI, one blocked every click for 5 minutes).
            wait_for_one_kernel(url, token)
            run_all(page)
            turn = page.locator(".course-your-turn").filter(has=page.locator('[data-task="push"]'))
            try:  # Run All pushed nothing: the step waits for the learner
                expect(turn.locator('[data-state="waiting"]')).to_be_visible(timeout=WAIT_MS)
            except AssertionError:
                page.screenshot(path=str(ARTIFACTS / "browser-lesson-failed.png"), full_page=True)
                raise
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
            expect(turn).to_contain_text("it is your turn")

            # Hints, one at a time: a nudge, the command's shape, then the answer.
            hint = turn.locator("button.course-hint")
            for level in (1, 2, 3):
                hint.click()
                expect(turn.locator(f'[data-revealed="{level}"]')).to_be_visible()
            expect(turn.locator('[data-level="1"]')).to_contain_text("docker push takes")
            expect(turn.locator('[data-level="2"]')).to_contain_text("REGISTRY/USERNAME")
            expect(turn.locator('[data-level="3"]')).to_contain_text("!docker push {lab.image()}")
            expect(hint).to_be_disabled()
            turn.scroll_into_view_if_needed()
            turn.screenshot(path=str(ARTIFACTS / "browser-hints.png"))

            # The learner types the push into the empty cell above the step and runs it.
            cells = page.locator(".jp-Notebook .jp-Cell")
            at = cells.evaluate_all(
                "cells => cells.findIndex(c => c.textContent.includes('# Your turn: write'))"
            )
            assert at >= 0
            cell = cells.nth(at)  # by position: its text changes as the learner types
            editor = cell.locator(".cm-content")
            editor.click()
            page.keyboard.press("Control+a")
            page.keyboard.type("!docker push {lab.image()}")
            page.keyboard.press("Shift+Enter")
            output = cell.locator(".jp-OutputArea")
            expect(output).to_contain_text("v1: digest: sha256:", timeout=WAIT_MS)
            expect(output).to_contain_text("Pushed")
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
            cell.screenshot(path=str(ARTIFACTS / "browser-typed-command.png"))

            # The check, from real state: pressed, it passes.
            turn.locator("button.course-check").click()
            passed = turn.locator('[data-state="passed"] [data-check="push"][data-passed="true"]')
            expect(passed).to_be_visible(timeout=WAIT_MS)
            expect(turn).to_contain_text("and it is your image")
            turn.scroll_into_view_if_needed()
            turn.screenshot(path=str(ARTIFACTS / "browser-your-turn-passed.png"))
            lit = page.locator('.course-stage[data-stage="Push"][data-done="true"]')
            expect(lit.first).to_be_visible(
                timeout=60_000
            )  # the header's lifecycle lit Push by itself
            page.screenshot(path=str(ARTIFACTS / "browser-lesson.png"))

            # A failed command is explained right under docker's own message.
            at = cells.evaluate_all(
                "cells => cells.findIndex(c => c.textContent.includes('# Push it again here'))"
            )
            assert at >= 0
            cell = cells.nth(at)
            cell.locator(".cm-content").click()
            page.keyboard.press("Control+a")
            page.keyboard.type("!docker push {lab.registry}/{lab.username}/My-Flask-App:v1")
            page.keyboard.press("Shift+Enter")
            diagnosis = cell.locator(".jp-OutputArea .grader-diagnosis[data-error]")
            expect(diagnosis).to_be_visible(timeout=WAIT_MS)
            expect(cell.locator(".jp-OutputArea")).to_contain_text("must be lowercase")
            expect(diagnosis).to_contain_text("my-flask-app")  # the fix: the name in lowercase
            cell.scroll_into_view_if_needed()
            cell.screenshot(path=str(ARTIFACTS / "browser-diagnosis.png"))
        finally:
            browser.close()
