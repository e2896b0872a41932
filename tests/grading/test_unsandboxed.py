"""Grading where no sandbox can be made (an instructor on macOS, or no root): the same verdicts,
computed outside the kernel on the host's engine, and the log says plainly what isolation there
is (none)."""

from __future__ import annotations

import csv

import pytest

from tests.grading.course import nbgrader, notebook, stage, submit

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_without_a_sandbox_the_solution_still_scores_full_marks_and_the_log_says_so(tmp_path):
    root = stage(tmp_path / "course")
    submit(root, "solution", "lab1-publish", notebook(root, "lab1-publish", "source"))
    done = nbgrader(
        root, "autograde", "lab1-publish", "--force", "--VerifiedExecute.sandboxed=False"
    )
    assert "No grading sandbox" in done.stderr and "runs as you" in done.stderr
    nbgrader(root, "export", f"--to={root / 'grades.csv'}")
    with open(root / "grades.csv") as handle:
        row = next(r for r in csv.DictReader(handle) if r["student_id"] == "solution")
    assert float(row["score"]) == float(row["max_score"]) == 4
