"""The real nbgrader pipeline on the real engine: solutions, blank releases, crafted mistakes and
tampering graded by `grader grade`, feedback generated, everything scanned for secrets."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from grader.cli import ExitStatus, main
from tests.grading.course import LABS, fill, nbgrader, notebook, stage, submit

pytestmark = [pytest.mark.docker, pytest.mark.slow]

USER = 'USERNAME = "john123"'
LOGIN = '!echo "{lab.token}" | docker login {lab.registry} -u {lab.username} --password-stdin'
TARGET = "{lab.registry}/{lab.username}/my-flask-app:v1"
PUBLISH = f"{LOGIN}\n!docker tag {{lab.source()}} {TARGET}\n!docker push {TARGET}"
VERIFY = (
    'import json\nrecorded = !docker inspect --format "{{{{index .RepoDigests 0}}}}" '
    + TARGET
    + "\n"
    'DIGEST = recorded[0].split("@")[1]\nlines = !docker manifest inspect --insecure --verbose '
    + TARGET
    + "\n"
    'entries = json.loads("\\n".join(lines))\n'
    "entries = entries if isinstance(entries, list) else [entries]\n"
    'mine = next(e for e in entries if e["Descriptor"]["platform"]["os"] != "unknown")\n'
    'SIZE = sum(l["size"] for l in (mine.get("OCIManifest") or mine["SchemaV2Manifest"])["layers"])'
)
PULL = f"!docker rmi {TARGET} {{lab.source()}}\n!docker pull {TARGET}"
RUN = f"!docker run -d -p 5000 {TARGET}"

# What students really type, and what each submission must score: lab -> (answers, score,
# failed checks).
CRAFTED = {
    "nousername": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "!docker tag {lab.source()} {lab.registry}/my-flask-app:v1",
            "answer-push": "!docker push {lab.registry}/my-flask-app:v1",
        },
        1,
        ["tag", "push"],
    ),
    "latestonly": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "!docker tag {lab.source()} {lab.registry}/{lab.username}/my-flask-app:latest",
            "answer-push": "!docker push {lab.registry}/{lab.username}/my-flask-app:latest",
        },
        1,
        ["tag", "push"],
    ),
    "wrongcred": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": "!echo my-hub-password | docker login {lab.registry} -u {lab.username} --password-stdin",
            "answer-tag": f"!docker tag {{lab.source()}} {TARGET}",
            "answer-push": f"!docker push {TARGET}",
        },
        1,
        ["login", "push"],
    ),
    "otherimage": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": f"!docker tag {{lab.images.registry}} {TARGET}",
            "answer-push": f"!docker push {TARGET}",
        },
        1,
        ["tag", "push"],
    ),
    "dockerhub": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "!docker tag {lab.source()} {lab.username}/my-flask-app:v1",
            "answer-push": "!docker push {lab.username}/my-flask-app:v1",
        },
        1,
        ["tag", "push"],
    ),
    "neverpulled": (
        "lab2-retrieve",
        {
            "username": USER,
            "answer-publish": PUBLISH,
            "answer-verify": VERIFY,
            "answer-run": RUN,
        },
        3,
        ["pull"],
    ),
    "neverran": (
        "lab2-retrieve",
        {
            "username": USER,
            "answer-publish": PUBLISH,
            "answer-verify": VERIFY,
            "answer-pull": PULL,
        },
        3,
        ["run"],
    ),
}

# Tampering: no real push, but everything a check in the kernel could be fooled by.
PATCHES = """
import types, requests, docker, grader, grader.checks.push, grader.checks.login, grader.checks.tag
from grader.result import CheckResult, passed
fake = lambda self, name, **k: CheckResult(name, name, True, 2, 2, "ok")
grader.Lab.check = fake
lab.check = types.MethodType(fake, lab)
for module in (grader.checks.push, grader.checks.login, grader.checks.tag):
    module.check = lambda lab, **k: passed("ok")
requests.get = requests.head = lambda *a, **k: types.SimpleNamespace(status_code=200, ok=True, json=lambda: {}, headers={})
docker.from_env = lambda *a, **k: None
passed_login = passed_tag = passed_push = True
DIGEST, SIZE = "sha256:" + "0" * 64, 1
"""
TAMPERED = {
    "patched": (
        "lab1-publish",
        {"username": USER, "answer-login": PATCHES},
        0,
        ["login", "tag", "push"],
    ),
}


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
    out, err = io.StringIO(), io.StringIO()
    status = main(["grade", "--course-dir", str(root), "--jobs", "2"], out=out, err=err)
    for lab in LABS:
        nbgrader(root, "generate_feedback", lab, "--force")
    return root, status, out.getvalue(), err.getvalue()


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
