"""The benchmark command works end to end (at its smallest size). No time is asserted here:
speed is what the benchmark reports, not what a test judges."""

import json
import subprocess
import sys

import pytest

# The benchmark's harness: its workloads are the suite's own (run on every engine there), and its
# gradings run in sandboxes with engines of their own whatever the host's is.
pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_engine]


def test_the_benchmark_runs_every_figure_with_its_baseline(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(next(tmp_path.glob("*-tiny.json")).read_text())
    names = " | ".join(f["figure"] for f in report["figures"])
    for figure in ("push tiny image", "check latency", "lab start", "grade one capstone",
                   "grade a class of 2", "second version",
                   "2 student(s) signing in at once, seats started ahead"):  # fmt: skip
        assert figure in names
    for row in report["figures"]:
        assert row["ours"] and row["baseline"] and row["goal"]
    grading = [f for f in report["figures"] if f["figure"].startswith("grade")]
    for row in grading:  # both sides graded the same solutions, and gave full marks
        assert row["scores"]["ours"] == row["scores"]["plain"] and min(row["scores"]["ours"]) > 0
    assert "figure" in done.stdout and "ratio" in done.stdout
