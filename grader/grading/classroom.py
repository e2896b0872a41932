"""Grade a whole class (or one student): nbgrader's autograde on every submission, side by side
where there are cores, then a summary and the grades (``grades.py``: ``grades.csv`` with every
roster student, an LMS's import file, the evidence of each verdict).

Each submission is graded by its own ``nbgrader autograde`` process (nbgrader's applications
are one per process), in a sandbox of its own (``grader/isolation/sandbox.py``) that a background
thread makes while the process starts; ``execute.py`` adopts it. Where no sandbox can be made,
each process starts a fresh lab of its own on the host's engine.
"""

from __future__ import annotations

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
from ..settings import settings
from ..tables import text_table
from . import grades

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
    cause: str = ""
    """Why a grading gave no score: the line of nbgrader's log that says so."""
    verdicts: list[dict] = field(default_factory=list)
    """Each check's verdict with its evidence, as the grading process computed it."""


def find_submissions(
    root: Path, assignments: list[str] | None = None, student: str | None = None
) -> list[Submission]:
    """``submitted/STUDENT/ASSIGNMENT/`` folders, as ``nbgrader collect`` lays them out (of
    ``assignments`` and ``student`` only, when named)."""
    folder = root / "submitted"
    if not folder.is_dir():
        raise InvalidInput(
            f"{folder} does not exist: there are no submissions to grade.",
            "Collect them first (`nbgrader collect ASSIGNMENT`, or `nbgrader zip_collect`), "
            "or name the course folder with --course-dir.",
        )
    found = []
    for person in sorted(p for p in folder.iterdir() if p.is_dir()):
        if student is not None and person.name != student:
            continue
        for assignment in sorted(p for p in person.iterdir() if p.is_dir()):
            if assignments is None or assignment.name in assignments:
                found.append(Submission(person.name, assignment.name))
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
            graded.verdicts = reply.get("verdicts") or []
            break
        infrastructure = bool(_INFRASTRUCTURE.search(log)) or "died" in reply
        graded = Graded(
            submission,
            "infrastructure" if infrastructure else "error",
            attempts=attempt,
            log_tail="\n".join(log.strip().splitlines()[-15:]),
            cause=_cause(log),
        )
        if not infrastructure:
            break
    graded.seconds = time.monotonic() - started
    return graded, worker


def _cause(log: str) -> str:
    """The line of a failed grading's log that says why: our infrastructure errors and the
    engine's failures first, then a worker that died or timed out, then nbgrader's last word."""
    lines = [line.strip() for line in log.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if _INFRASTRUCTURE.search(line):
            return line[:500]
    for line in lines:
        if line.startswith("the grading worker"):
            return line[:500]
    return lines[-1][:500] if lines else "nbgrader logged nothing"


def isolation() -> str:
    """What keeps each submission's code from the course, as `grader grade` says it."""
    folder = settings().kernel_handoff
    if folder:
        return (
            f"kernel host: each student's kernel runs in the container that serves {folder} "
            "(python -m grader.grading.handoff serve), where the course folder is not mounted"
        )
    sandboxed, why = sandbox.support()
    return f"{'sandbox per submission' if sandboxed else 'NONE'}: {why}"


def grade_class(
    root: Path,
    assignments: list[str] | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int, Graded], None] | None = None,
    csv_name: str = "grades.csv",
    *,
    student: str | None = None,
    roster: list[dict] | None = None,
    export_format: str = "csv",
) -> list[Graded]:
    """Grade every submission (``jobs`` at once; only ``student``'s, when named), read the
    grades, write ``csv_name`` with every student of the gradebook and of ``roster`` (the
    classroom's records: ``username``, ``role``, ``id``), ``export_format``'s import file beside
    it and the evidence (:mod:`.grades`). Bad input (a format, a student nobody knows) raises
    :class:`InvalidInput` before anything is graded or written."""
    root = Path(root).resolve()
    grades.check_format(export_format)
    submissions = find_submissions(root, assignments, student)
    if student is not None:
        _check_student(root, student, assignments, roster, submissions)
    if not submissions:
        return []
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(submissions)))
    sandboxes = None
    # Sandboxes first: they are made while the workers start (not where a kernel host beside
    # this process runs the kernels: handoff.py).
    if sandbox.support()[0] and not settings().kernel_handoff:
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
        records = _records(workers[0])
        _read_scores(records, results)
        write_grades(root / csv_name, records, results, roster, export_format, root)
    finally:
        for worker in workers:
            worker.close()
        if sandboxes is not None:
            sandboxes.close()
    return sorted(results, key=lambda g: (g.submission.student, g.submission.assignment))


def _check_student(
    root: Path, student: str, assignments, roster: list[dict] | None, submissions: list
) -> None:
    """``--student`` names a student of the roster (the classroom's, else the gradebook's and
    whoever has a submission folder) who has something to grade; else :class:`InvalidInput`."""
    if roster is not None:
        known = {r["username"]: r.get("role") for r in roster}
    elif submissions:
        return
    else:
        worker = Worker(root)
        try:
            reply = worker.ask({"records": None}, timeout=600)
        finally:
            worker.close()
        known = {s["id"]: "student" for s in (reply.get("records") or {}).get("students", [])}
        known.update({s.student: "student" for s in find_submissions(root)})
    where = "the classroom's roster" if roster is not None else "the gradebook"
    if student not in known:
        raise InvalidInput(
            f"--student {student!r} names nobody on {where}"
            + (f" (on it: {', '.join(sorted(known))})." if known and len(known) <= 30 else "."),
            "Give a username as the roster has it"
            + ("" if roster is not None else " (add a student: nbgrader db student add NAME)")
            + "; nothing was graded.",
        )
    if known[student] == "instructor":
        raise InvalidInput(
            f"--student {student!r} is an instructor: an instructor's work is not graded.",
            "Name a student; nothing was graded.",
        )
    if submissions:
        return
    labs = " or ".join(assignments or []) or "any lab"
    raise InvalidInput(
        f"{student} has no submission of {labs} under {root / 'submitted'}.",
        f"Collect it first (nbgrader collect LAB --student {student}); nothing was graded.",
    )


def _records(worker: Worker) -> dict:
    reply = worker.ask({"records": None}, timeout=600)
    if "records" not in reply:
        raise InvalidInput(
            "The gradebook could not be read after grading: "
            + (reply.get("error") or reply.get("died") or "").strip()[-400:],
            "Grade again; the autograded notebooks are kept.",
        )
    return reply["records"]


def _read_scores(records: dict, results: list[Graded]) -> None:
    found = records.get("submissions", {})
    for g in results:
        if g.status != "graded":
            continue
        submission = found.get(f"{g.submission.student}/{g.submission.assignment}")
        if submission is None:
            g.status, g.cause = "error", "nbgrader recorded no grade for it"
            continue
        g.score = submission["raw_score"]
        assignment = next(a for a in records["assignments"] if a["name"] == g.submission.assignment)
        g.max_score = assignment["max_score"]
        scored = submission["checks"]
        g.failed_checks = [
            check for check in assignment["checks"]
            if (scored.get(check) or 0) < assignment["points"].get(check, 0)
        ]  # fmt: skip


def write_grades(
    path: Path,
    records: dict,
    results: list[Graded],
    roster: list[dict] | None = None,
    export_format: str = "csv",
    root: Path | None = None,
) -> list[Path]:
    """``grades.csv`` (every student, every lab: :func:`grades.rows`), the LMS's import file
    for ``export_format`` and ``grades-evidence.json`` beside it; returns the files written."""
    statuses = {(g.submission.student, g.submission.assignment): g.status for g in results}
    submitted = {(s.student, s.assignment) for s in find_submissions(root)} if root else set()
    people = grades.learners(records, roster, {student for student, _ in submitted})
    columns, table = grades.rows(records, people, statuses, submitted)
    written = [grades.write(path, columns, table)]
    lms = grades.lms_path(path, export_format)
    if lms is not None:
        written.append(grades.write(lms, *grades.lms_table(export_format, records, people, table)))
    evidence = {
        f"{g.submission.student}/{g.submission.assignment}": {
            "status": g.status,
            **({"cause": g.cause} if g.cause else {}),
            "checks": g.verdicts if g.status == "graded" else [],
        }
        for g in results
    }
    written.append(grades.write_evidence(grades.evidence_path(path), evidence))
    return written


def problems(results: list[Graded]) -> str:
    """Each grading that gave no score, with its cause and the end of its log."""
    lines = []
    for graded in results:
        if graded.status == "graded":
            continue
        what = "infrastructure failure" if graded.status == "infrastructure" else "grading error"
        lines.append(
            f"{graded.submission.student}/{graded.submission.assignment}: {what} after "
            f"{graded.attempts} attempt(s); no score was given. Cause: {graded.cause}"
            + (f"\n{graded.log_tail}" if graded.log_tail else "")
        )
    return "\n\n".join(lines)


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
