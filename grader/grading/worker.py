"""One long-lived nbgrader process per grading job: ``python -m grader.grading.worker ROOT``.

Importing nbgrader takes about 4 s on two cores, more than a sandbox takes to make. A worker
imports it once and then autogrades submission after submission in process, through nbgrader's
own API (what its formgrader does), each in the sandbox ``grader grade`` made for it. It also
prepares the gradebook before a class is graded and reads the scores and the CSV export after,
so ``grader grade`` itself never imports nbgrader.

Protocol: one JSON object a line on stdin, one JSON answer a line on stdout (nbgrader's own
output goes to stderr):

- ``{"prepare": [[student, assignment], ...]}`` -> ``{"missing": [assignment, ...]}`` (those
  generated from their source) or ``{"error": text}``;
- ``{"grade": [student, assignment], "sandbox": name or null}`` -> ``{"success": bool,
  "log": text}``;
- ``{"scores": [[student, assignment], ...]}`` -> ``{"scores": {"student/assignment": [score,
  max_score, [failed check, ...]] or null}}``;
- ``{"export": path}`` -> ``{"exported": path}``.
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
    from nbgrader.plugins.export import CsvExportPlugin

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
                try:
                    result = api.autograde(assignment, student, force=True)
                finally:
                    os.environ.pop(_sandbox.SANDBOX_ENV, None)
                log = (result.get("log") or "") + (result.get("error") or "")
                answer({"success": bool(result.get("success")), "log": log})
            elif "scores" in task:
                answer({"scores": _scores(Gradebook, MissingEntry, db_url, task["scores"])})
            elif "export" in task:
                with Gradebook(db_url) as gradebook:
                    CsvExportPlugin(to=task["export"]).export(gradebook)
                answer({"exported": task["export"]})
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


def _scores(Gradebook, MissingEntry, db_url: str, pairs: list) -> dict:
    found = {}
    with Gradebook(db_url) as gradebook:
        for student, assignment in pairs:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                found[f"{student}/{assignment}"] = None
                continue
            failed = [
                grade.name.removeprefix("check-")
                for notebook in submission.notebooks
                for grade in notebook.grades
                if grade.max_score and (grade.score or 0) < grade.max_score
            ]
            found[f"{student}/{assignment}"] = [submission.score, submission.max_score, failed]
    return found


if __name__ == "__main__":
    main(sys.argv[1])
