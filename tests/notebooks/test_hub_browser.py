"""A real browser on the classroom hub and JupyterLab: a learner signs in to the hub, generates a
Read & Write access token, saves it in a notebook through the password box JupyterLab shows,
logs in and pushes; then sees the tag and its digest on the hub, makes the repository private,
and sees a logged-out pull refused (screenshots of each step in test-artifacts/hub-*.png)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from grader import Lab
from tests.notebooks import test_browser
from tests.notebooks.browsing import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    run_all,
    wait_for_one_kernel,
)  # fmt: skip

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

LEARNER = "hubbrowser"
NOTEBOOK = "hub-browser.ipynb"  # in test-artifacts/ (ignored by git), under the server's root
CELLS = [
    f'from grader import Lab\nlab = Lab.start("{LEARNER}", persistent=True)',
    "lab.save_token()",
    "!docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}",
    "!docker tag {lab.source()} {lab.image()}",
    "!docker push {lab.image()}",
]
jupyterlab = test_browser.jupyterlab
"""JupyterLab for `learner` (the fixture below), with the course's learner settings."""
IDLE = '.jp-Notebook-ExecutionIndicator[data-status="idle"]'


@pytest.fixture
def learner():
    """A learner with no lab yet (the test's `lab` starts it); the lab is removed at the end."""
    Lab.reset(LEARNER)
    yield LEARNER
    Lab.reset(LEARNER)


@pytest.fixture
def lab(learner):
    """The learner's persistent lab, as the notebook's kernel will resume it."""
    started = Lab.start(learner, persistent=True)
    yield started
    started.stop()


def test_a_learner_generates_a_token_pushes_and_makes_the_repository_private(lab, jupyterlab):
    from playwright.sync_api import Expect, sync_playwright

    expect = Expect()  # this test's own, waiting as long as the page does (not 5 s)
    expect.set_options(timeout=WAIT_MS)

    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: `apt-get install chromium`, or set COURSE_CHROMIUM"
        )
    url, server_token = jupyterlab
    ARTIFACTS.mkdir(exist_ok=True)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in CELLS],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )  # with its kernel named, JupyterLab starts it without asking
    nbformat.write(notebook, ARTIFACTS / NOTEBOOK)
    repo = f"/r/{lab.username}/my-flask-app"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        hub, nb = context.new_page(), context.new_page()
        try:
            # 1. The token page sends the learner to sign in first, then back.
            hub.goto(lab.hub_page("/settings/personal-access-tokens"))
            expect(hub).to_have_url(re.compile(r"/login\?next="))
            hub.fill("#username", lab.username)
            hub.fill("#password", lab.password)
            hub.screenshot(path=str(ARTIFACTS / "hub-01-sign-in.png"))
            hub.click("#sign-in")
            expect(hub).to_have_url(lab.hub_page("/settings/personal-access-tokens"))
            expect(hub.locator(f'[data-user="{lab.username}"]')).to_be_visible()

            # 2. A Read & Write token, shown once.
            hub.click("#generate")
            hub.fill("#description", "my notebook")
            hub.select_option("#permission", "repo:write")
            hub.screenshot(path=str(ARTIFACTS / "hub-02-new-token.png"))
            hub.click("#create")
            secret = hub.locator("[data-token]").inner_text().strip()
            assert secret.startswith("dckr_pat_"), secret
            hub.screenshot(path=str(ARTIFACTS / "hub-03-token-shown.png"))
            hub.goto(lab.hub_page("/settings/personal-access-tokens"))
            row = hub.locator("tr[data-token-row]", has_text="my notebook")
            expect(row).to_contain_text("Read & Write")
            expect(row).to_have_attribute("data-status", "active")
            assert secret not in hub.content()
            hub.screenshot(path=str(ARTIFACTS / "hub-04-token-list.png"))

            # 3. The notebook: save the token through the password box, log in, tag, push.
            nb.goto(f"{url}/lab/tree/{ARTIFACTS.name}/{NOTEBOOK}?token={server_token}")
            nb.wait_for_selector(".jp-NotebookPanel .jp-Cell")
            wait_for_one_kernel(url, server_token)
            nb.wait_for_selector(IDLE)
            run_all(nb)
            box = nb.locator(".jp-Stdin-input")
            expect(box).to_be_visible()
            expect(box).to_have_attribute("type", "password")
            box.fill(secret)
            nb.screenshot(path=str(ARTIFACTS / "hub-05-notebook-token-box.png"))
            box.press("Enter")
            cells = nb.locator(".jp-Notebook .jp-Cell")
            expect(cells.nth(2).locator(".jp-OutputArea")).to_contain_text("Login Succeeded")
            pushed = cells.nth(4).locator(".jp-OutputArea")
            expect(pushed).to_contain_text("v1: digest: sha256:")
            nb.wait_for_selector(IDLE)
            assert secret not in nb.content()  # the box does not echo it into the output
            digest = re.search(r"digest: (sha256:[0-9a-f]{64})", pushed.inner_text()).group(1)
            cells.nth(4).screenshot(path=str(ARTIFACTS / "hub-06-pushed.png"))
            token_check = lab.check("token")
            assert token_check.passed, token_check.message

            # 4. The hub shows the tag with the digest the push printed.
            hub.goto(lab.hub_page(f"{repo}/tags"))
            tag = hub.locator('tr[data-tag="v1"]')
            expect(tag.locator("[data-digest]")).to_have_attribute("data-digest", digest)
            hub.screenshot(path=str(ARTIFACTS / "hub-07-tags.png"))

            # 5. Make it private.
            hub.goto(lab.hub_page(repo))
            expect(hub.locator("h1 [data-visibility]")).to_have_text("Public")
            hub.click("#make-private")
            expect(hub.locator("h1 [data-visibility]")).to_have_attribute(
                "data-visibility", "private"
            )
            expect(hub.locator("#make-public")).to_be_visible()
            hub.screenshot(path=str(ARTIFACTS / "hub-08-private.png"))

            # 6. Back in the notebook, a new cell: logged out, the pull is refused.
            cells.nth(4).locator(".cm-content").click()
            nb.keyboard.press("Escape")
            nb.keyboard.press("b")  # a new cell below, selected
            nb.keyboard.press("Enter")
            nb.keyboard.type("!docker logout {lab.registry}\n!docker pull {lab.image()}")
            nb.keyboard.press("Shift+Enter")
            denied = cells.nth(5).locator(".jp-OutputArea")
            expect(denied).to_contain_text("pull access denied")
            nb.wait_for_selector(IDLE)
            cells.nth(5).screenshot(path=str(ARTIFACTS / "hub-09-pull-denied.png"))
        except BaseException:
            hub.screenshot(path=str(ARTIFACTS / "hub-failed-hub.png"), full_page=True)
            nb.screenshot(path=str(ARTIFACTS / "hub-failed-notebook.png"), full_page=True)
            raise
        finally:
            browser.close()

    visibility = lab.check("visibility", private=True)
    assert visibility.passed, visibility.message
