"""Grade a whole class: nbgrader's autograde on every submission, side by side where there are
cores, then a summary and nbgrader's CSV export.

Each submission is graded by its own ``nbgrader autograde`` process (nbgrader's applications
are one per process), in a sandbox of its own (``grader/isolation/sandbox.py``) that a background
thread makes while the process starts; ``execute.py`` adopts it. Where no sandbox can be made,
each process starts a fresh lab of its own on the host's engine.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import re
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput
from ..infra import images
from ..infra.engine import Engine
from ..isolation import sandbox
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


class Worker:
    """A long-lived nbgrader process (``worker.py``) and the questions asked of it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._log = tempfile.TemporaryFile(mode="w+")
        # nbgrader's gradebook runs `alembic` from PATH: this environment's, activated or not.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.grading.worker", str(root)],
            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True, bufsize=1, env={**os.environ, "PATH": path},
        )  # fmt: skip

    def ask(self, task: dict, timeout: float) -> dict:
        """The worker's answer, or ``{"died": text}`` when it died or ran past ``timeout``
        (it is then stopped: make a new one)."""
        try:
            self.process.stdin.write(json.dumps(task) + "\n")
            self.process.stdin.flush()
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            line = self.process.stdout.readline() if ready else ""
        except (OSError, ValueError):
            line = ""
        if line:
            return json.loads(line)
        why = f"timed out after {timeout:.0f} s" if self.process.poll() is None else "died"
        self.close()
        self._log.seek(0)
        tail = "\n".join(self._log.read().strip().splitlines()[-15:])
        return {"died": f"the grading worker {why}\n{tail}"}

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def grade_one(
    worker: Worker,
    submission: Submission,
    retries: int = 2,
    pool: sandbox.Pool | None = None,
    timeout: float = 1800,
) -> tuple[Graded, Worker]:
    """Autograde one submission with ``worker`` (a new one replaces it if it dies); retry
    when the environment failed."""
    started = time.monotonic()
    for attempt in range(1, retries + 2):
        if not worker.alive:
            worker = Worker(worker.root)
        name = pool.take() if pool else None
        try:
            task = {"grade": [submission.student, submission.assignment], "sandbox": name}
            reply = worker.ask(task, timeout)
        finally:
            if name:
                sandbox.remove(name)  # whatever a killed grading left of it
        log = reply.get("log") or reply.get("died") or reply.get("error") or ""
        if reply.get("success") and "There was an error processing" not in log:
            graded = Graded(submission, "graded", attempts=attempt)
            break
        infrastructure = bool(_INFRASTRUCTURE.search(log)) or "died" in reply
        graded = Graded(
            submission,
            "infrastructure" if infrastructure else "error",
            attempts=attempt,
            log_tail="\n".join(log.strip().splitlines()[-15:]),
        )
        if not infrastructure:
            break
    graded.seconds = time.monotonic() - started
    return graded, worker


def grade_class(
    root: Path,
    assignments: list[str] | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int, Graded], None] | None = None,
    csv_name: str = "grades.csv",
) -> list[Graded]:
    """Grade every submission (``jobs`` at once), read the scores, write nbgrader's CSV export
    (``csv_name``, with a ``grading_status`` column: see :func:`export_csv`)."""
    root = Path(root).resolve()
    submissions = find_submissions(root, assignments)
    if not submissions:
        return []
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(submissions)))
    sandboxes = None
    if sandbox.support()[0]:  # sandboxes first: they are made while the workers start
        host = Engine.connect()
        saved = images.saved(host, images.ensure(host, log=lambda _: None))
        sandboxes = sandbox.Pool(saved, ahead=jobs, total=len(submissions))
    workers = [Worker(root) for _ in range(jobs)]
    results: list[Graded] = []
    try:
        pairs = [[s.student, s.assignment] for s in submissions]
        prepared = workers[0].ask({"prepare": pairs}, timeout=600)
        if "missing" not in prepared:
            raise InvalidInput(
                "The gradebook could not be prepared: "
                + (prepared.get("error") or prepared.get("died") or "").strip().splitlines()[-1],
                "Check that every assignment's source notebook is in the course's source folder.",
            )
        idle: queue.Queue[Worker] = queue.Queue()
        for worker in workers:
            idle.put(worker)

        def run(submission: Submission) -> Graded:
            worker = idle.get()
            try:
                graded, worker = grade_one(worker, submission, pool=sandboxes)
            finally:
                idle.put(worker)
            return graded

        with ThreadPoolExecutor(max_workers=jobs) as threads:
            futures = [threads.submit(run, s) for s in submissions]
            for future in as_completed(futures):
                results.append(future.result())
                if progress:
                    progress(len(results), len(submissions), results[-1])
        workers = [idle.get() for _ in range(jobs)]
        if not workers[0].alive:
            workers[0] = Worker(root)
        _read_scores(workers[0], results)
        workers[0].ask({"export": str(root / csv_name)}, timeout=600)
        export_csv(root, results, csv_name)
    finally:
        for worker in workers:
            worker.close()
        if sandboxes is not None:
            sandboxes.close()
    return sorted(results, key=lambda g: (g.submission.student, g.submission.assignment))


def _read_scores(worker: Worker, results: list[Graded]) -> None:
    graded = [g for g in results if g.status == "graded"]
    pairs = [[g.submission.student, g.submission.assignment] for g in graded]
    found = worker.ask({"scores": pairs}, timeout=600).get("scores") or {}
    for g in graded:
        score = found.get(f"{g.submission.student}/{g.submission.assignment}")
        if score is None:
            g.status = "error"
            continue
        g.score, g.max_score, g.failed_checks = score


def _db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def export_csv(root: Path, results: list[Graded], to: str = "grades.csv") -> Path:
    """nbgrader's own export of every score in the gradebook (written by a worker, else here),
    with a ``grading_status`` column: a submission whose grading failed (the environment, or
    nbgrader) has no score there, never a zero."""
    if not (Path(root) / to).exists():
        from nbgrader.api import Gradebook
        from nbgrader.plugins.export import CsvExportPlugin

        with Gradebook(_db_url(root)) as gradebook:
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
