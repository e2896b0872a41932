"""Grade a whole class: nbgrader's autograde on every submission, side by side where there are
cores, then a summary and nbgrader's CSV export.

Each submission is graded by its own ``nbgrader autograde`` process (nbgrader's applications
are one per process), in a sandbox of its own (``grader/infra/sandbox.py``) that a background
thread makes while the process starts; ``execute.py`` adopts it. Where no sandbox can be made,
each process starts a fresh lab of its own on the host's engine.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput
from ..infra import images, sandbox
from ..infra.engine import Engine
from ..tables import text_table

# What our own infrastructure errors and the engine's connection failures look like in
# nbgrader's log: a run that ends so is the environment's fault, never the student's.
_INFRASTRUCTURE = re.compile(
    r"grader\.errors\.(InfrastructureError|EngineUnavailable|RegistryUnavailable|ImageUnavailable|PortInUse|SandboxUnavailable)"
    r"|docker\.errors\.DockerException|Connection aborted|database is locked"
)


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str


@dataclass
class Graded:
    """How one submission came out."""

    submission: Submission
    status: str
    """``graded``, ``infrastructure`` (the environment failed, no score) or ``error``."""
    score: float | None = None
    max_score: float | None = None
    failed_checks: list[str] = field(default_factory=list)
    attempts: int = 1
    seconds: float = 0.0
    log_tail: str = ""


def find_submissions(root: Path, assignments: list[str] | None = None) -> list[Submission]:
    """``submitted/STUDENT/ASSIGNMENT/`` folders, as ``nbgrader collect`` lays them out."""
    folder = root / "submitted"
    if not folder.is_dir():
        raise InvalidInput(
            f"{folder} does not exist: there are no submissions to grade.",
            "Collect them first (`nbgrader collect ASSIGNMENT`, or `nbgrader zip_collect`), "
            "or name the course folder with --course-dir.",
        )
    found = []
    for student in sorted(p for p in folder.iterdir() if p.is_dir()):
        for assignment in sorted(p for p in student.iterdir() if p.is_dir()):
            if assignments is None or assignment.name in assignments:
                found.append(Submission(student.name, assignment.name))
    return found


def autograde(
    root: Path, submission: Submission, timeout: int = 1800, sandbox_name: str | None = None
) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "nbgrader", "autograde", submission.assignment,
        "--student", submission.student, "--force", f"--CourseDirectory.root={root}",
    ]  # fmt: skip
    env = dict(os.environ)
    if sandbox_name:
        env[sandbox.SANDBOX_ENV] = sandbox_name
    try:
        return subprocess.run(
            command, cwd=root, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired as expired:
        return subprocess.CompletedProcess(command, 124, "", f"timed out after {expired.timeout} s")


def grade_one(
    root: Path, submission: Submission, retries: int = 2, pool: sandbox.Pool | None = None
) -> Graded:
    started = time.monotonic()
    for attempt in range(1, retries + 2):
        name = pool.take() if pool else None
        try:
            done = autograde(root, submission, sandbox_name=name)
        finally:
            if name:
                sandbox.remove(name)  # whatever a killed grading left of it
        log = done.stdout + done.stderr
        if done.returncode == 0 and "There was an error processing" not in log:
            graded = Graded(submission, "graded", attempts=attempt)
            break
        infrastructure = bool(_INFRASTRUCTURE.search(log)) or done.returncode == 124
        graded = Graded(
            submission,
            "infrastructure" if infrastructure else "error",
            attempts=attempt,
            log_tail="\n".join(log.strip().splitlines()[-15:]),
        )
        if not infrastructure:
            break
    graded.seconds = time.monotonic() - started
    return graded


def grade_class(
    root: Path,
    assignments: list[str] | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int, Graded], None] | None = None,
) -> list[Graded]:
    root = Path(root).resolve()
    submissions = find_submissions(root, assignments)
    _put_environment_on_path()
    jobs = max(1, jobs or os.cpu_count() or 1)
    _prepare_gradebook(root, submissions)
    results: list[Graded] = []
    sandboxes = None
    if submissions and sandbox.support()[0]:
        host = Engine.connect()
        saved = images.saved(host, images.ensure(host, log=lambda _: None))
        sandboxes = sandbox.Pool(saved, ahead=jobs, total=len(submissions))
    try:
        with ThreadPoolExecutor(max_workers=jobs) as workers:
            futures = [workers.submit(grade_one, root, s, pool=sandboxes) for s in submissions]
            for future in as_completed(futures):
                results.append(future.result())
                if progress:
                    progress(len(results), len(submissions), results[-1])
    finally:
        if sandboxes is not None:
            sandboxes.close()
    _read_scores(root, results)
    return sorted(results, key=lambda g: (g.submission.student, g.submission.assignment))


def _put_environment_on_path() -> None:
    """nbgrader's gradebook runs ``alembic`` from PATH: make it this environment's, also when
    ``grader`` was started from a virtual environment that is not activated."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _prepare_gradebook(root: Path, submissions: list[Submission]) -> None:
    """Put every assignment and student in the gradebook before the parallel runs, so they
    never race to add the same row. An assignment the gradebook lacks is generated from its
    source (what ``nbgrader generate_assignment`` does; the release is rewritten the same)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(_db_url(root)) as gradebook:
        missing = []
        for assignment in sorted({s.assignment for s in submissions}):
            try:
                gradebook.find_assignment(assignment)
            except MissingEntry:
                missing.append(assignment)
        for student in sorted({s.student for s in submissions}):
            gradebook.update_or_create_student(student)
    for assignment in missing:
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
             f"--CourseDirectory.root={root}"],
            cwd=root, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise InvalidInput(
                f"{assignment!r} is not in the gradebook and could not be generated from its "
                f"source: {(done.stdout + done.stderr).strip().splitlines()[-1:]}",
                "Check that its source notebook is in the course's source folder.",
            )


def _read_scores(root: Path, results: list[Graded]) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(_db_url(root)) as gradebook:
        for graded in results:
            if graded.status != "graded":
                continue
            try:
                found = gradebook.find_submission(
                    graded.submission.assignment, graded.submission.student
                )
            except MissingEntry:
                graded.status = "error"
                continue
            graded.score, graded.max_score = found.score, found.max_score
            graded.failed_checks = [
                grade.name.removeprefix("check-")
                for notebook in found.notebooks
                for grade in notebook.grades
                if grade.max_score and (grade.score or 0) < grade.max_score
            ]


def _db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def export_csv(root: Path, results: list[Graded], to: str = "grades.csv") -> Path:
    """nbgrader's own export of every score in the gradebook, with a ``grading_status`` column:
    a submission whose grading failed (the environment, or nbgrader) has no score there, never
    a zero."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    with Gradebook(_db_url(root)) as gradebook:  # nbgrader's exporter, in this process
        CsvExportPlugin(to=str(Path(root) / to)).export(gradebook)
    path = Path(root) / to
    status = {(g.submission.assignment, g.submission.student): g.status for g in results}
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = [*(rows[0].keys() if rows else ["assignment", "student_id"]), "grading_status"]
    for row in rows:
        submitted = Path(root) / "submitted" / row["student_id"] / row["assignment"]
        default = "not graded now" if submitted.is_dir() else "no submission"
        row["grading_status"] = status.get((row["assignment"], row["student_id"]), default)
        if row["grading_status"] in ("infrastructure", "error"):
            for key in ("raw_score", "late_submission_penalty", "score"):
                row[key] = ""
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def summary(results: list[Graded]) -> str:
    """One row a student, one column a lab: score/max, or INFRA / ERROR; then failed checks."""
    assignments = sorted({g.submission.assignment for g in results})
    students = sorted({g.submission.student for g in results})
    cell = {(g.submission.student, g.submission.assignment): g for g in results}
    header = ["student", *assignments, "failed checks"]
    rows = []
    for student in students:
        row, failed = [student], []
        for assignment in assignments:
            graded = cell.get((student, assignment))
            if graded is None:
                row.append("-")
            elif graded.status == "graded":
                row.append(f"{graded.score:g}/{graded.max_score:g}")
                failed += [f"{assignment}:{name}" for name in graded.failed_checks]
            else:
                row.append("INFRA" if graded.status == "infrastructure" else "ERROR")
        rows.append([*row, ", ".join(failed) or "-"])
    return text_table(header, rows)


def progress_bar(stream) -> Callable[[int, int, Graded], None]:
    def show(done: int, total: int, graded: Graded) -> None:
        width = 30
        filled = int(width * done / total)
        what = f"{graded.submission.student}/{graded.submission.assignment}: {graded.status}"
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what} ({graded.seconds:.0f} s)"
        if stream.isatty():
            stream.write("\r" + line.ljust(100) + ("\n" if done == total else ""))
        else:
            stream.write(line + "\n")
        stream.flush()

    return show
