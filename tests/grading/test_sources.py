"""Solutions, releases and their text pairs stay in step; nbgrader validate agrees."""

from __future__ import annotations

import json

import jupytext
import pytest

from tests.grading.course import LABS, REPO, nbgrader, stage


def cells(nb: dict) -> list[tuple]:
    return [
        (c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
         json.dumps(c["metadata"].get("nbgrader", {}), sort_keys=True))
        for c in nb["cells"]
    ]  # fmt: skip


@pytest.mark.parametrize("lab", LABS)
def test_the_text_source_and_the_notebook_are_the_same(lab):
    text = jupytext.read(REPO / "solutions" / lab / f"{lab}.py")
    notebook = json.loads((REPO / "solutions" / lab / f"{lab}.ipynb").read_text())
    assert cells(json.loads(jupytext.writes(text, fmt="ipynb"))) == cells(notebook)


def test_committed_notebooks_have_no_outputs():
    for path in list((REPO / "solutions").rglob("*.ipynb")) + list(
        (REPO / "labs").rglob("*.ipynb")
    ):
        for cell in json.loads(path.read_text())["cells"]:
            assert not cell.get("outputs") and not cell.get("execution_count"), path


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    return stage(tmp_path_factory.mktemp("course"))


@pytest.mark.parametrize("lab", LABS)
def test_labs_are_exactly_what_nbgrader_generates_from_the_solutions(regenerated, lab):
    fresh = json.loads((regenerated / "labs" / lab / f"{lab}.ipynb").read_text())
    committed = json.loads((REPO / "labs" / lab / f"{lab}.ipynb").read_text())
    assert cells(committed) == cells(fresh), f"labs/{lab} is stale: run `make labs`"
    assert sorted(p.name for p in (REPO / "labs" / lab).iterdir()) == [f"{lab}.ipynb"]


@pytest.mark.parametrize("lab", LABS)
def test_releases_hold_no_solution_and_no_hidden_test(lab):
    text = (REPO / "labs" / lab / f"{lab}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    for cell in json.loads(text)["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            assert "raise NotImplementedError()" in "".join(cell["source"])


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_nbgrader_validate_passes_the_solution_and_fails_the_blank_release(regenerated, lab):
    solution = nbgrader(
        regenerated, "validate", str(regenerated / "solutions" / lab / f"{lab}.ipynb")
    )
    assert "Success! Your notebook passes all the tests." in solution.stdout + solution.stderr
    blank = nbgrader(
        regenerated, "validate", "--invert", str(regenerated / "labs" / lab / f"{lab}.ipynb")
    )
    assert "Success! The notebook does not pass any tests." in blank.stdout + blank.stderr
