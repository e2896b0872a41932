"""What the browser tests share: Debian's Chromium and how Playwright starts it, where
screenshots go, and how a learner's steps in JupyterLab are taken and waited for (Run All, the
dialogs JupyterLab puts up on a loaded machine, a notebook's one kernel, a line of output)."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium (.ci/run installs it); Playwright's own browser download is never used."""
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
WAIT_MS = 300_000
"""How long to wait for the page (a bound on waiting, not on speed)."""


KERNELS_JS = """async url => {
    const xsrf = document.cookie.match(/(?:^|; )_xsrf=([^;]*)/);
    const headers = xsrf ? {"X-XSRFToken": decodeURIComponent(xsrf[1])} : {};
    return await (await fetch(url, {headers})).json();
}"""


def wait_for_one_kernel(url: str, token: str | None = None, page=None) -> None:
    """Until the server at ``url`` has one kernel, started, idle and connected, twice in a row;
    asked with the server's ``token``, or as the signed-in person of ``page`` (their cookie). Once,
    on a loaded machine, JupyterLab started the notebook's kernel twice as it opened (the first
    shut down while importing) and the Run All that followed ran only the first cell. An answer
    that is not the list of kernels (an error's JSON body, seen once in CI while the server was
    busy) is asked again; the failure, if it never settles, shows the last answer."""
    steady, deadline, kernels = 0, time.monotonic() + WAIT_MS / 1000, []
    while steady < 2:
        assert time.monotonic() < deadline, f"the notebook's kernel did not settle: {kernels}"
        if page is None:
            kernels = requests.get(f"{url}/api/kernels", params={"token": token}, timeout=10).json()
        else:  # from the page, as JupyterLab asks (its cookie, and its XSRF token as a header)
            kernels = page.evaluate(KERNELS_JS, f"{url}/api/kernels")
        if not isinstance(kernels, list):  # an error's body (seen once in CI): ask again
            steady = 0
            time.sleep(0.5)
            continue
        ready = [k for k in kernels if k["execution_state"] == "idle" and k["connections"] > 0]
        steady = steady + 1 if len(kernels) == len(ready) == 1 else 0
        time.sleep(0.5)


def wait_for_output(page, text: str, timeout_ms: int, shot: Path) -> None:
    """Until a cell's output shows ``text``. If it never does, the screenshot ``shot`` is taken
    and the failure says what the notebook showed instead: each code cell's prompt (`[ ]` never
    ran, `[*]` still running) and every output, and JupyterLab's dialogs."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "text => [...document.querySelectorAll('.jp-OutputArea-output')]"
            ".some(e => e.textContent.includes(text))",
            arg=text,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        page.screenshot(path=str(shot), full_page=True)
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
        dialogs = page.locator(".jp-Dialog").all_inner_texts()
        kernel = page.locator(".jp-Notebook-ExecutionIndicator").first.get_attribute("data-status")
        raise AssertionError(
            f"{text!r} not shown in {timeout_ms / 1000:.0f} s (screenshot {shot}): prompts "
            f"{prompts}, kernel {kernel}, dialogs {dialogs}, outputs {outputs}"
        ) from None


def run_all(page) -> None:
    """Run > Run All Cells; chosen again if a click on a loaded machine started nothing. A
    dialog JupyterLab put up meanwhile (a lost connection to a busy server, a kernel to choose)
    is accepted, and named if nothing ever runs."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    dialogs = []
    for _ in range(3):
        dialogs += accept_dialogs(page)
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        try:
            page.wait_for_function(
                "[...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
                ".some(e => /\\[[*0-9]+\\]/.test(e.textContent))",
                timeout=60_000,
            )
            return
        except PlaywrightTimeout:
            pass
    dialogs += accept_dialogs(page)
    raise AssertionError(f"Run All started no cell (JupyterLab's dialogs: {dialogs})")


def accept_dialogs(page) -> list[str]:
    """The texts of the dialogs JupyterLab shows, each accepted (its default button)."""
    texts = []
    while page.locator(".jp-Dialog").count():
        texts.append(" ".join(page.locator(".jp-Dialog").first.inner_text().split()))
        page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").first.click()
        page.wait_for_timeout(500)
    return texts
