"""The real nbgrader pipeline on the real engine: solutions, blank releases, crafted mistakes,
tampering and attacks graded by `grader grade` (each submission in a sandbox of its own where
this machine can make one), feedback generated, everything scanned for secrets and leftovers."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest

import grader
from grader.cli import ExitStatus, main
from grader.infra import places
from grader.isolation import sandbox
from tests.conftest import fresh_machine_state
from tests.grading.answers import ATTACKS, CRAFTED, TAMPERED, USER, flipped_metadata
from tests.grading.course import LABS, fill, nbgrader, notebook, stage, submit

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.class_grading]
SANDBOXED = sandbox.support()[0]
TIME_LIMIT = 120
"""Seconds a notebook may run at grading here (the sleeper's submission runs into it)."""
PLANTED = ["/tmp/planted-by-a-submission", "/tmp/planted-helper-ran"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = stage(tmp_path_factory.mktemp("course"))
    for lab in LABS:
        submit(root, "solution", lab, notebook(root, lab, "source"))
        submit(root, "blank", lab, notebook(root, lab))
    for student, (lab, answers, _, _) in {**CRAFTED, **TAMPERED}.items():
        submit(root, student, lab, fill(notebook(root, lab), answers))
    # Test cells edited to print a pass and lose their hidden tests, and nothing done.
    edited = notebook(root, "lab1-publish")
    for cell in edited["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade"):
            cell["source"] = 'print("[PASS]")'
    submit(root, "editedtests", "lab1-publish", fill(edited, {"username": USER}))
    if SANDBOXED:
        for student, (lab, answers, _, _) in ATTACKS.items():
            answers = {k: v.replace("{root}", str(root)) for k, v in answers.items()}
            submit(root, student, lab, fill(notebook(root, lab), answers))
        submit(root, "flipped", "lab1-publish", flipped_metadata(notebook(root, "lab1-publish")))
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.VerifiedExecute.time_limit = {TIME_LIMIT}\n")
    # The class is graded as a fresh machine's first grading: no state folder exists before.
    with fresh_machine_state():
        out, err = io.StringIO(), io.StringIO()
        status = main(["grade", "--course-dir", str(root), "--jobs", "3"], out=out, err=err)
        for lab in LABS:
            nbgrader(root, "generate_feedback", lab, "--force")
        yield root, status, out.getvalue(), err.getvalue()


def scores(root) -> dict[tuple[str, str], dict]:
    with open(root / "grades.csv") as handle:
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(handle)}


def test_every_submission_was_graded(graded):
    root, status, out, err = graded
    assert status == ExitStatus.OK, err
    assert "INFRA" not in out and "ERROR" not in out


def test_solutions_score_full_marks(graded):
    root, *_ = graded
    for lab in LABS:
        row = scores(root)[("solution", lab)]
        assert float(row["score"]) == float(row["max_score"]) > 0, (lab, row)


def test_blank_releases_score_zero(graded):
    root, *_ = graded
    for lab in LABS:
        assert float(scores(root)[("blank", lab)]["score"]) == 0, lab


@pytest.mark.parametrize("student", sorted(CRAFTED))
def test_crafted_mistakes_score_exactly_the_partial_points(graded, student):
    root, _, out, _ = graded
    lab, _, expected, failed = CRAFTED[student]
    assert float(scores(root)[(student, lab)]["score"]) == expected
    line = next(line for line in out.splitlines() if line.startswith(student + " "))
    assert sorted(re.findall(rf"{lab}:([a-z-]+)", line)) == sorted(failed)


@pytest.mark.parametrize("student", ["patched", "editedtests"])
def test_tampering_gains_nothing(graded, student):
    root, *_ = graded
    assert float(scores(root)[(student, "lab1-publish")]["score"]) == 0


def test_an_edited_test_cell_is_restored(graded):
    root, *_ = graded
    nb = json.loads((root / "autograded/editedtests/lab1-publish/lab1-publish.ipynb").read_text())
    sources = [c["source"] for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert sources and all("# verify:" in "".join(s) for s in sources)


def test_the_verdicts_explain_themselves_in_the_autograded_notebook(graded):
    root, *_ = graded
    nb = json.loads((root / "autograded/nousername/lab1-publish/lab1-publish.ipynb").read_text())
    outputs = {
        c["metadata"]["nbgrader"]["grade_id"]: c["outputs"]
        for c in nb["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
    }
    assert "".join(outputs["check-login"][0]["text"]).startswith("[PASS] login")
    tag = outputs["check-tag"][0]
    assert tag["output_type"] == "error" and "namespace" in tag["evalue"]
    assert any("hint:" in line for line in tag["traceback"])


def test_the_seeds_literal_commands_get_feedback_naming_what_differs_and_what_to_type(graded):
    """docker login -u with no terminal, and Docker Hub's names: 0 points, and each failed check
    says why in the words of the diagnosis of what docker printed (feedback only)."""
    root, *_ = graded
    path = root / "autograded/seedliteral/lab1-publish/lab1-publish.ipynb"
    outputs = {
        c["metadata"]["nbgrader"]["grade_id"]: "\n".join(c["outputs"][0]["traceback"])
        for c in json.loads(path.read_text())["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
    }
    login = outputs["check-login"]
    assert "not logged in" in login and "no terminal" in login and "--password-stdin" in login
    assert "has no registry host" in outputs["check-tag"]  # the check's own reading of the name
    feedback = (root / "feedback/seedliteral/lab1-publish/lab1-publish.html").read_text()
    assert "no terminal" in feedback and "--password-stdin" in feedback


def test_feedback_shows_no_hidden_tests(graded):
    root, *_ = graded
    pages = list((root / "feedback").rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "assert lab.check" not in text, page


def test_no_credential_in_any_output_or_feedback(graded):
    root, *_ = graded
    notebooks = list((root / "autograded").rglob("*.ipynb"))
    assert len(notebooks) >= 17
    for path in notebooks:
        for cell in json.loads(path.read_text())["cells"]:
            outputs = json.dumps(cell.get("outputs", []))
            assert "dckr_pat_" not in outputs and "my-hub-password" not in outputs, path
    for page in (root / "feedback").rglob("*.html"):
        assert "dckr_pat_" not in page.read_text(), page


def test_the_csv_export_has_a_row_per_submission_and_its_status(graded):
    root, *_ = graded
    rows = scores(root)
    assert ("solution", "lab4-capstone") in rows
    assert {r["grading_status"] for r in rows.values()} == {"graded", "no submission"}
    assert rows[("nousername", "lab1-publish")]["grading_status"] == "graded"


attacks = pytest.mark.skipif(
    not SANDBOXED, reason=f"no grading sandbox here: {sandbox.support()[1]}"
)


@attacks
@pytest.mark.parametrize("student", sorted(ATTACKS))
def test_an_attack_scores_only_the_work_really_done(graded, student):
    root, _, out, _ = graded
    lab, _, expected, failed = ATTACKS[student]
    row = scores(root)[(student, lab)]
    assert row["grading_status"] == "graded"
    assert float(row["score"]) == expected
    line = next(line for line in out.splitlines() if line.startswith(student + " "))
    assert sorted(re.findall(rf"{lab}:([a-z-]+)", line)) == sorted(failed)


@attacks
def test_no_attack_got_through(graded):
    root, *_ = graded
    for student, (lab, *_) in ATTACKS.items():
        path = root / "autograded" / student / lab / f"{lab}.ipynb"
        outputs = json.dumps([c.get("outputs", []) for c in json.loads(path.read_text())["cells"]])
        assert "BREACH" not in outputs, (student, re.findall(r"BREACH[^\\]*", outputs))
        # Nothing of the host reached the outputs: solutions, the gradebook, /etc/shadow.
        assert "BEGIN SOLUTION" not in outputs and "SQLite format" not in outputs, student
        assert not re.search(r"root:[*!$]", outputs), student
    assert not (Path(grader.__file__).parent / "checks" / "zz_planted.py").exists()


@attacks
def test_a_killed_registry_or_a_sleeping_notebook_is_the_students_not_the_environments(graded):
    root, *_ = graded
    nb = json.loads(
        (root / "autograded/killedregistry/lab1-publish/lab1-publish.ipynb").read_text()
    )
    push = next(
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "check-push"
    )
    assert "stopped from inside" in push["outputs"][0]["evalue"]


@attacks
def test_flipped_metadata_changes_nothing(graded):
    root, *_ = graded
    row = scores(root)[("flipped", "lab1-publish")]
    assert row["grading_status"] == "graded"
    assert float(row["score"]) == 0
    assert float(row["max_score"]) == float(scores(root)[("solution", "lab1-publish")]["max_score"])


def test_autograded_notebooks_hold_no_hidden_test(graded):
    root, *_ = graded
    for path in (root / "autograded").rglob("*.ipynb"):
        text = path.read_text()
        assert "HIDDEN TESTS" not in text and "assert lab.check" not in text, path


@attacks
def test_nothing_outlives_a_grading(graded):
    assert sandbox.leftovers() == []
    # Users of this grading's sandboxes (gradings elsewhere, with a state root of their own,
    # may run at the same time: `make test` runs two streams).
    users = [line.split(":") for line in Path("/etc/passwd").read_text().splitlines()]
    below = str(places.SANDBOXES.path()) + "/"
    assert not [
        u[0] for u in users if u[0].startswith(sandbox.USER_PREFIX) and u[5].startswith(below)
    ]
    with open("/proc/mounts") as mounts:
        assert str(places.SANDBOXES.path()) not in mounts.read()
    sleepers = subprocess.run(["pgrep", "-f", "sleep 8639[09]"], capture_output=True, text=True)
    assert sleepers.stdout == "", sleepers.stdout
    for path in PLANTED:
        assert not Path(path).exists(), path
