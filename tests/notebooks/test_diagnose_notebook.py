"""A failed ``!docker`` line in a real notebook (nbclient, a real kernel, a real lab) shows, right
under the command's own output, what went wrong and what to type instead (grader.diagnose, hooked
into the notebook's ``!`` lines by ``Lab.start``), as HTML for JupyterLab and as text for plain
output; a ``name = !docker …`` capture shows it too and keeps its list; a hook that fails never
breaks the learner's command, and the hook gets a bounded part of a huge output."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tests.notebooks.executed import Executed

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CELLS = {
    "start": 'from grader import Lab\nlab = Lab.start(username="john123")\n'
    "import json\nprint(json.dumps({'registry': lab.registry, 'token_file': str(lab.token_file)}))",
    "uppercase": "!docker tag my-flask-app:v1 {lab.registry}/John123/my-flask-app:v1",
    "login": "!docker login {lab.registry} -u {lab.username}",
    "captured": "said = !docker login {lab.registry} -u {lab.username}\n"
    "print(json.dumps({'said': list(said), 'exit': _exit_code}))",
    "succeeded": "!docker tag my-flask-app:v1 {lab.registry}/john123/my-flask-app:v1",
    "broken-hook": "from grader.infra import cellshell\n"
    "cellshell.install(on_failure=lambda command, output, status: 1 / 0)\n"
    "!docker tag my-flask-app:v1 {lab.registry}/John123/my-flask-app:v1\n"
    "print('exit', _exit_code)",
    "bounded": "seen = []\n"
    "cellshell.install(on_failure=lambda command, output, status: seen.append((len(output), status)))\n"
    "!head -c 3000000 /dev/zero | tr '\\0' x; echo; echo the end; exit 3\n"
    "print(json.dumps(seen))",
    "stop": "lab.stop()",
}


def outputs_of(cell) -> list[dict]:
    return list(cell.get("outputs", []))


def text_of(output: dict) -> str:
    if "text" in output:
        return "".join(output["text"]) if isinstance(output["text"], list) else output["text"]
    return "\n".join(
        v if isinstance(v, str) else json.dumps(v) for v in output.get("data", {}).values()
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, list[dict]]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source, id=key) for key, source in CELLS.items()]
    folder = tmp_path_factory.mktemp("diagnose-notebook")
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    found = {cell.id: outputs_of(cell) for cell in notebook.cells}
    found["_all"] = Executed("diagnose", notebook).texts()
    return found


def lab_values(executed) -> dict:
    return json.loads(text_of(executed["start"][-1]))


def diagnosis_output(outputs: list[dict]) -> dict:
    shown = [o for o in outputs if o["output_type"] == "display_data"]
    assert len(shown) == 1, outputs
    return shown[0]["data"]


def test_capitals_in_a_tag_are_explained_under_the_commands_output(executed):
    lab = lab_values(executed)
    outputs = executed["uppercase"]
    assert outputs[0]["output_type"] == "stream"  # docker's own words first, as it printed them
    assert "must be lowercase" in text_of(outputs[0])
    shown = diagnosis_output(outputs)
    cause = (
        f"Image names must be lowercase, and `John123/my-flask-app` in "
        f"`{lab['registry']}/John123/my-flask-app:v1` has capitals (your username is `john123`)."
    )
    fix = f"`!docker tag my-flask-app:v1 {lab['registry']}/john123/my-flask-app:v1`"
    assert cause in shown["text/plain"] and f"fix: {fix}" in shown["text/plain"]
    html = shown["text/html"]
    assert 'data-error="name-uppercase"' in html
    assert (
        f"<code>!docker tag my-flask-app:v1 {lab['registry']}/john123/my-flask-app:v1</code>"
        in html
    )


def test_an_interactive_login_is_explained_with_the_labs_token_file(executed):
    lab = lab_values(executed)
    shown = diagnosis_output(executed["login"])
    fix = f"`!docker login {lab['registry']} -u john123 --password-stdin < {lab['token_file']}`"
    assert "asks for the password of `john123` at a prompt" in shown["text/plain"]
    assert "a notebook cell has no terminal" in shown["text/plain"]
    assert shown["text/plain"].endswith(fix)
    assert 'data-error="login-no-tty"' in shown["text/html"]


def test_a_captured_command_shows_the_diagnosis_and_keeps_its_list(executed):
    outputs = executed["captured"]
    shown = diagnosis_output(outputs)
    assert 'data-error="login-no-tty"' in shown["text/html"]
    printed = json.loads(text_of(outputs[-1]))
    assert printed == {
        "said": ["Error: Cannot perform an interactive login from a non TTY device"],
        "exit": 1,
    }


def test_a_command_that_succeeds_shows_nothing_more(executed):
    assert all(o["output_type"] != "display_data" for o in executed["succeeded"])


def test_a_failing_hook_never_breaks_the_learners_command(executed):
    outputs = executed["broken-hook"]
    assert all(o["output_type"] not in ("error", "display_data") for o in outputs), outputs
    assert "must be lowercase" in text_of(outputs[0])
    assert text_of(outputs[-1]).strip().endswith("exit 1")


def test_the_hook_gets_a_bounded_part_of_a_huge_output(executed):
    seen = json.loads(text_of(executed["bounded"][-1]))
    assert len(seen) == 1
    size, status = seen[0]
    assert status == 3 and 1000 < size <= 8 * 1024 + 64 * 1024 + 1
    streamed = "".join(text_of(o) for o in executed["bounded"] if o["output_type"] == "stream")
    assert streamed.count("x") >= 3_000_000 and "the end" in streamed  # all of it was shown


def test_nothing_in_the_notebook_failed(executed):
    assert not [t for t in executed["_all"] if "Traceback" in t]
