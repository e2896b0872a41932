"""One long-lived nbgrader process per grading job: ``python -m grader.grading.worker ROOT``.

Importing nbgrader takes about 4 s on two cores, more than a sandbox takes to make. A worker
imports it once and then autogrades submission after submission in process, through nbgrader's
own API (what its formgrader does), each in the sandbox ``grader grade`` made for it. It also
prepares the gradebook before a class is graded and reads the grades after, so ``grader grade``
itself never imports nbgrader.

Protocol: one JSON object a line on stdin, one JSON answer a line on stdout (nbgrader's own
output goes to stderr):

- ``{"prepare": [[student, assignment], ...]}`` -> ``{"missing": [assignment, ...]}`` (those
  generated from their source) or ``{"error": text}``;
- ``{"grade": [student, assignment], "sandbox": name or null}`` -> ``{"success": bool,
  "log": text, "verdicts": [...]}`` (each check's verdict as the grading process computed it,
  with its evidence: ``execute.VERDICTS``);
- ``{"records": null}`` -> ``{"records": {...}}``: the gradebook as ``grades.py`` shapes it
  (assignments with their checks in the notebooks' order, students, every submission's scores
  and each check's points).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

from ..isolation import sandbox as _sandbox


def main(root: str) -> None:
    os.chdir(root)
    # jsonschema builds an IRI grammar when rfc3987_syntax is installed (1.9 s of this
    # process's 4 s start on two cores); nbformat's schema has no IRI to check.
    sys.modules.setdefault("rfc3987_syntax", None)
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.baseapp import NbGrader

    app = NbGrader()
    app.initialize([f"--CourseDirectory.root={root}", "--log-level=WARN"])
    api = NbGraderAPI(parent=app)
    db_url = f"sqlite:///{Path(root) / 'gradebook.db'}"
    # Nothing but answers on the protocol's stream: whatever this process or its children
    # (a kernel's banner) write to standard output goes to standard error.
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def answer(reply: dict) -> None:
        out.write(json.dumps(reply) + "\n")
        out.flush()

    for line in sys.stdin:
        task = json.loads(line)
        try:
            if "prepare" in task:
                answer(_prepare(api, Gradebook, MissingEntry, db_url, task["prepare"]))
            elif "grade" in task:
                student, assignment = task["grade"]
                if task.get("sandbox"):
                    os.environ[_sandbox.SANDBOX_ENV] = task["sandbox"]
                from . import execute  # the module nbgrader_config.py's VerifiedExecute is

                execute.VERDICTS.clear()
                try:
                    result = api.autograde(assignment, student, force=True)
                finally:
                    os.environ.pop(_sandbox.SANDBOX_ENV, None)
                log = (result.get("log") or "") + (result.get("error") or "")
                verdicts = json.loads(json.dumps(execute.VERDICTS, default=str))
                answer({"success": bool(result.get("success")), "log": log, "verdicts": verdicts})
            elif "records" in task:
                answer({"records": _records(Gradebook, MissingEntry, db_url, api.coursedir)})
        except Exception:
            answer({"error": traceback.format_exc()})


def _prepare(api, Gradebook, MissingEntry, db_url: str, pairs: list) -> dict:
    """Every assignment and student in the gradebook before the parallel gradings, so they
    never race to add the same row; an assignment the gradebook lacks is generated from its
    source (what ``nbgrader generate_assignment`` does)."""
    with Gradebook(db_url) as gradebook:
        missing = []
        for assignment in sorted({a for _, a in pairs}):
            try:
                gradebook.find_assignment(assignment)
            except MissingEntry:
                missing.append(assignment)
        for student in sorted({s for s, _ in pairs}):
            gradebook.update_or_create_student(student)
    for assignment in missing:
        result = api.generate_assignment(assignment, force=True)
        if not result.get("success"):
            lines = (result.get("log") or result.get("error") or "").strip().splitlines()
            return {"error": f"{assignment!r} could not be generated: {lines[-1:]}"}
    return {"missing": missing}


def _records(Gradebook, MissingEntry, db_url: str, coursedir) -> dict:
    """Everything the grades need from the gradebook, as plain data (see ``grades.py``)."""
    assignments, students, submissions = [], [], {}
    with Gradebook(db_url) as gradebook:
        for assignment in gradebook.assignments:
            checks, points = [], {}
            for notebook in assignment.notebooks:
                cells = {c.name: c for c in notebook.grade_cells if c.name.startswith("check-")}
                order = _cell_order(coursedir, assignment.name, notebook.name)
                for name in sorted(cells, key=lambda n: (order.get(n, len(order)), n)):
                    checks.append(name.removeprefix("check-"))
                    points[name.removeprefix("check-")] = cells[name].max_score
            assignments.append(
                {
                    "name": assignment.name,
                    "duedate": None if assignment.duedate is None else str(assignment.duedate),
                    "max_score": assignment.max_score,
                    "checks": checks,
                    "points": points,
                }
            )
        for student in gradebook.students:
            students.append(
                {
                    "id": student.id,
                    "first_name": student.first_name,
                    "last_name": student.last_name,
                    "email": student.email,
                    "lms_user_id": student.lms_user_id,
                }
            )
            for assignment in gradebook.assignments:
                try:
                    found = gradebook.find_submission(assignment.name, student.id)
                except MissingEntry:
                    continue
                penalty = found.late_submission_penalty
                submissions[f"{student.id}/{assignment.name}"] = {
                    "timestamp": None if found.timestamp is None else str(found.timestamp),
                    "raw_score": found.score,
                    "late_submission_penalty": penalty,
                    "score": max(0.0, found.score - (penalty or 0)),
                    "checks": {
                        grade.name.removeprefix("check-"): grade.score
                        for notebook in found.notebooks
                        for grade in notebook.grades
                        if grade.name.startswith("check-")
                    },
                }
    return {"assignments": assignments, "students": students, "submissions": submissions}


def _cell_order(coursedir, assignment: str, notebook: str) -> dict[str, int]:
    """Each grade id's position in the instructor's source notebook (empty if unreadable)."""
    path = Path(coursedir.root) / coursedir.source_directory / assignment / f"{notebook}.ipynb"
    try:
        cells = json.loads(path.read_text())["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells]
    return {grade_id: index for index, grade_id in enumerate(ids) if grade_id}


if __name__ == "__main__":
    main(sys.argv[1])
