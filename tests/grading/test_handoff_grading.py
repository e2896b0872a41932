"""Grading with the kernel handed to a kernel host that cannot see the course folder, as the
Kubernetes grading Job runs it (k8s/grading-job.yaml): here the kernel host is a real process in
a mount namespace of its own, where the course folder and the grader's cache are empty folders,
as they are absent from the Job's kernel container. nbgrader's autograde runs here, with the
gradebook; the kernel's channels are IPC sockets in the shared folder.

The honest submission scores full marks from the engine's and the registry's real state; the
hostile one, whose code reads the solutions and writes the gradebook by every path it can
guess, finds nothing and changes nothing."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.grading import handoff
from grader.infra import places
from tests.grading.answers import GRADEBOOK, USER, snooper
from tests.grading.course import fill, notebook, stage, submit

PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
"""nbgrader's gradebook runs `alembic` from PATH: this environment's."""

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_engine]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("handoff")
    root = stage(tmp / "course")
    submit(root, "solution", "lab1-publish", notebook(root, "lab1-publish", "source"))
    cache = places.cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    course = [
        "gradebook.db",
        "solutions/lab1-publish/lab1-publish.ipynb",
        "source/lab1-publish/lab1-publish.ipynb",
        "submitted",
        "nbgrader_config.py",
    ]
    reader = snooper([*(str(root / path) for path in course), str(cache)])
    hostile = reader + GRADEBOOK.replace("{root}", str(root))
    answers = {"username": USER, "answer-login": hostile}
    submit(root, "hostile", "lab1-publish", fill(notebook(root, "lab1-publish"), answers))
    folder = tmp / "handoff"
    host = subprocess.Popen(
        [
            "unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            'mount -t tmpfs none "$1" && mount -t tmpfs none "$2" && exec "$3" -m '
            'grader.grading.handoff serve "$4"',
            "sh", str(root), str(cache), sys.executable, str(folder),
        ],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (folder / handoff.REQUESTS).is_dir():
            assert time.monotonic() < deadline and host.poll() is None, host.stderr.read()
            time.sleep(0.1)
        # The Job's own command: grader grade, told of the kernel host by its environment.
        done = subprocess.run(
            [sys.executable, "-m", "grader", "grade", "lab1-publish", f"--course-dir={root}"],
            env={**os.environ, "GRADER_KERNEL_HANDOFF": str(folder), "PATH": PATH},
            capture_output=True, text=True, timeout=1200,
        )  # fmt: skip
    finally:
        host.kill()
        host.wait()
    assert done.returncode == 0, done.stdout + done.stderr
    with open(root / "grades.csv") as handle:
        rows = [row for row in csv.DictReader(handle) if row["assignment"] == "lab1-publish"]
    return root, folder, done.stdout + done.stderr, {row["student_id"]: row for row in rows}


def outputs(root, student: str) -> str:
    path = root / "autograded" / student / "lab1-publish" / "lab1-publish.ipynb"
    cells = json.loads(path.read_text())["cells"]
    return json.dumps([o for c in cells for o in c.get("outputs", [])])


def test_the_kernel_was_handed_over_and_the_solution_scores_full_marks(graded):
    root, folder, log, scores = graded
    assert (
        f"isolation: kernel host: each student's kernel runs in the container that serves {folder}"
        in log
    )
    assert float(scores["solution"]["score"]) == 4
    assert float(scores["solution"]["lab1-publish:push"]) == 2


def test_the_hostile_kernel_saw_no_course_folder_and_wrote_no_gradebook(graded):
    root, folder, log, scores = graded
    said = outputs(root, "hostile")
    assert "refused" in said and "BREACH" not in said, said
    with sqlite3.connect(root / "gradebook.db") as db:
        assert db.execute("SELECT count(*) FROM grade WHERE manual_score = 100").fetchone() == (0,)
    assert float(scores["hostile"]["score"]) == 0


def test_nothing_is_left_in_the_shared_folder(graded):
    root, folder, log, scores = graded
    assert sorted(p.name for p in folder.iterdir()) == [handoff.REQUESTS]
    assert list((folder / handoff.REQUESTS).iterdir()) == []
