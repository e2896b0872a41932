"""The grades an instructor hands in, shaped from plain records: a row per roster student and
lab, the same as Canvas's or Moodle's grade import, and the evidence each verdict rests on.

The gradebook's side comes from a grading worker (``worker.py``'s ``records``: assignments with
their checks, students, submissions with each check's points), the roster's from the caller (the
classroom's, with each student's school id), the statuses from this run's gradings. Nothing here
reads nbgrader or runs anything, so every rule below has a fast test.

``grades.csv`` keeps nbgrader's export's columns as nbgrader writes them, then adds ``id`` (the
school's id: the classroom roster's, else the gradebook's ``lms_user_id``), ``grading_status``
and one column per check per lab (``lab1-publish:push``: that check's grade cell's points). A
roster student who submitted nothing has a row with no score and ``no submission``; a grading
that failed has no score either, never a zero.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput

NBGRADER_COLUMNS = [
    "assignment",
    "duedate",
    "timestamp",
    "student_id",
    "last_name",
    "first_name",
    "email",
    "raw_score",
    "late_submission_penalty",
    "score",
    "max_score",
]
"""nbgrader's CSV export's columns (``nbgrader.plugins.export.CsvExportPlugin``), in its order."""

FORMATS = ("csv", "canvas", "moodle")
"""``csv``: ``grades.csv`` alone; ``canvas``/``moodle``: also that LMS's import file beside it."""

NO_SUBMISSION = "no submission"
NOT_GRADED_NOW = "not graded now"
FAILED = ("infrastructure", "error")
"""Statuses of a grading that gave no score."""

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
"""Canvas's gradebook import: these, then one column per assignment (its name)."""
CANVAS_POINTS_ROW = "    Points Possible"
"""The row Canvas's own export puts first: each assignment's points (new assignments get them)."""
MOODLE_COLUMNS = ["First name", "Last name", "ID number", "Email address"]
"""Moodle's CSV grade import: any column can identify the user (map ``ID number`` to
``useridnumber`` or ``Email address`` to ``useremail``), then one column per grade item."""


@dataclass(frozen=True)
class Learner:
    """A student the grades must list."""

    username: str
    id: str = ""
    """The school's id: the classroom roster's ``id``, else the gradebook's ``lms_user_id``."""
    first_name: str = ""
    last_name: str = ""
    email: str = ""


def check_format(name: str) -> str:
    if name not in FORMATS:
        raise InvalidInput(
            f"--format {name!r} is not a grades format this course writes.",
            f"Use one of: {', '.join(FORMATS)}.",
        )
    return name


def lms_path(csv_path: Path, export_format: str) -> Path | None:
    """Where the LMS's import file goes beside ``grades.csv`` (``grades-canvas.csv``), or None."""
    if check_format(export_format) == "csv":
        return None
    return csv_path.with_name(f"{csv_path.stem}-{export_format}{csv_path.suffix or '.csv'}")


def evidence_path(csv_path: Path) -> Path:
    """``grades-evidence.json`` beside ``grades.csv``."""
    return csv_path.with_name(f"{csv_path.stem}-evidence.json")


def learners(
    records: dict, roster: Iterable[dict] | None = None, submitters: Iterable[str] = ()
) -> list[Learner]:
    """Every student the grades list: the gradebook's, then those only on ``roster`` (the
    classroom's records: ``username``, ``role``, ``id``), then those who only have a submission
    folder (``submitters``). A roster's instructors are nobody's grade; a roster id wins over
    the gradebook's ``lms_user_id``."""
    roster = list(roster or [])
    teachers = {r["username"] for r in roster if r.get("role") == "instructor"}
    ids = {r["username"]: r.get("id") or "" for r in roster}
    found: dict[str, Learner] = {}
    for student in records.get("students", []):
        name = student["id"]
        if name in teachers:
            continue
        found[name] = Learner(
            name,
            ids.get(name) or _text(student.get("lms_user_id")),
            _text(student.get("first_name")),
            _text(student.get("last_name")),
            _text(student.get("email")),
        )
    for record in sorted(roster, key=lambda r: r["username"]):
        if record["username"] not in found and record["username"] not in teachers:
            found[record["username"]] = Learner(record["username"], ids[record["username"]])
    for name in sorted(set(submitters) - set(found) - teachers):
        found[name] = Learner(name)
    return list(found.values())


def check_columns(records: dict) -> list[str]:
    """``LAB:CHECK`` for every check of every lab, in the labs' and the notebooks' order."""
    return [f"{a['name']}:{check}" for a in records.get("assignments", []) for check in a["checks"]]


def rows(
    records: dict,
    people: list[Learner],
    statuses: dict[tuple[str, str], str],
    submitted: set[tuple[str, str]] = frozenset(),
) -> tuple[list[str], list[dict]]:
    """``grades.csv``'s columns and rows: one row per lab and student (nbgrader's order: lab by
    lab). ``statuses`` holds this run's gradings by ``(student, lab)``; ``submitted`` the
    submissions on disk (one not graded now is ``not graded now``, with its earlier grade)."""
    columns = [*NBGRADER_COLUMNS, "id", "grading_status", *check_columns(records)]
    found = records.get("submissions", {})
    table = []
    for assignment in records.get("assignments", []):
        lab = assignment["name"]
        for person in people:
            submission = found.get(f"{person.username}/{lab}")
            status = statuses.get((person.username, lab))
            if status is None:
                known = submission is not None or (person.username, lab) in submitted
                status = NOT_GRADED_NOW if known else NO_SUBMISSION
            row = dict.fromkeys(columns, "")
            row.update(
                assignment=lab,
                duedate=_text(assignment.get("duedate")),
                student_id=person.username,
                last_name=person.last_name,
                first_name=person.first_name,
                email=person.email,
                max_score=_text(assignment.get("max_score")),
                id=person.id,
                grading_status=status,
            )
            if submission is not None and status not in FAILED:
                for key in ("timestamp", "raw_score", "late_submission_penalty", "score"):
                    row[key] = _text(submission.get(key))
                for check, points in submission.get("checks", {}).items():
                    if f"{lab}:{check}" in row:
                        row[f"{lab}:{check}"] = _text(points)
            table.append(row)
    return columns, table


def lms_table(
    export_format: str, records: dict, people: list[Learner], table: list[dict]
) -> tuple[list[str], list[dict]]:
    """The rows of ``grades.csv`` as Canvas's or Moodle's import wants them: a row per student,
    a column per lab with its score (empty where ``grades.csv`` has none)."""
    labs = [a["name"] for a in records.get("assignments", [])]
    score = {(r["student_id"], r["assignment"]): r["score"] for r in table}
    shaped = []
    if check_format(export_format) == "canvas":
        columns = [*CANVAS_COLUMNS, *labs]
        points = {a["name"]: _text(a.get("max_score")) for a in records.get("assignments", [])}
        shaped.append({**dict.fromkeys(CANVAS_COLUMNS, ""), "Student": CANVAS_POINTS_ROW, **points})
        for person in people:
            named = ", ".join(n for n in (person.last_name, person.first_name) if n)
            row = {"Student": named or person.username, "ID": "", "SIS User ID": person.id}
            row.update({"SIS Login ID": "", "Section": ""})
            shaped.append({**row, **{lab: score.get((person.username, lab), "") for lab in labs}})
    elif export_format == "moodle":
        columns = [*MOODLE_COLUMNS, *labs]
        for person in people:
            row = {"First name": person.first_name or person.username}
            row.update({"Last name": person.last_name, "ID number": person.id})
            row["Email address"] = person.email
            shaped.append({**row, **{lab: score.get((person.username, lab), "") for lab in labs}})
    else:
        return [], []
    return columns, shaped


def write(path: Path, columns: list[str], table: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(table)
    return path


def write_evidence(path: Path, graded: dict[str, dict]) -> Path:
    """``graded`` (``{"student/lab": {"status", "checks": [...]}}``, this run's) merged into
    the evidence file already at ``path``: a submission graded again replaces its entry, the
    others keep theirs (a ``--student`` grading leaves the class's evidence as it was)."""
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        kept = {}
    if not isinstance(kept, dict):
        kept = {}
    kept.update(graded)
    path.write_text(json.dumps(dict(sorted(kept.items())), indent=1, default=str) + "\n")
    return path


def _text(value) -> str:
    """A value as nbgrader's export writes it: None empty, anything else ``str``."""
    return "" if value is None else str(value)
