"""The grades an instructor hands in (grader/grading/grades.py): every roster student, a column
per check, the school's id, Canvas's and Moodle's imports, the evidence of each verdict; and the
grading flow's bad input refused before anything is graded or written.

The shaping rules run on given records (no engine); one real class is graded once (a solution
and a blank submission, a gradebook student who never submitted), with ``--student`` so only
the solution is graded."""

from __future__ import annotations

import csv
import io
import json

import pytest

from grader.cli import ExitStatus, main
from grader.errors import InvalidInput
from grader.grading import classroom, grades
from tests.conftest import fresh_machine_state
from tests.grading.course import nbgrader, notebook, stage, submit

# --- the shaping rules, from given records ------------------------------------------------------

RECORDS = {
    "assignments": [
        {
            "name": "lab1-publish",
            "duedate": None,
            "max_score": 4.0,
            "checks": ["login", "tag", "push"],
            "points": {"login": 1.0, "tag": 1.0, "push": 2.0},
        },
        {
            "name": "lab2-retrieve",
            "duedate": "2026-12-01 00:00:00",
            "max_score": 6.0,
            "checks": ["publish", "verify", "pull", "run"],
            "points": {"publish": 1.0, "verify": 1.0, "pull": 2.0, "run": 2.0},
        },
    ],
    "students": [
        {
            "id": "alice123",
            "first_name": "Alice",
            "last_name": "Liddell",
            "email": "a@x.org",
            "lms_user_id": "gb-1",
        },
        {
            "id": "bob12345",
            "first_name": None,
            "last_name": None,
            "email": None,
            "lms_user_id": None,
        },
        {
            "id": "teach001",
            "first_name": None,
            "last_name": None,
            "email": None,
            "lms_user_id": None,
        },
    ],  # fmt: skip
    "submissions": {
        "alice123/lab1-publish": {
            "timestamp": "2026-11-30 10:00:00",
            "raw_score": 3.0,
            "late_submission_penalty": 0.0,
            "score": 3.0,
            "checks": {"login": 1.0, "tag": 0.0, "push": 2.0},
        },
        "bob12345/lab1-publish": {
            "timestamp": "2026-11-30 11:00:00",
            "raw_score": 4.0,
            "late_submission_penalty": 0.0,
            "score": 4.0,
            "checks": {"login": 1.0, "tag": 1.0, "push": 2.0},
        },
    },
}
ROSTER = [
    {"username": "alice123", "role": "student", "id": "S-1001"},
    {"username": "bob12345", "role": "student", "id": ""},
    {"username": "carol123", "role": "student", "id": "S-1003"},  # not in the gradebook
    {"username": "teach001", "role": "instructor", "id": ""},
]


def _by_key(table):
    return {(r["student_id"], r["assignment"]): r for r in table}


def test_every_roster_student_has_a_row_and_one_who_never_submitted_has_no_score():
    people = grades.learners(RECORDS, ROSTER)
    assert [p.username for p in people] == ["alice123", "bob12345", "carol123"]  # no instructor
    statuses = {("alice123", "lab1-publish"): "graded"}
    columns, table = grades.rows(RECORDS, people, statuses)
    assert columns[: len(grades.NBGRADER_COLUMNS)] == grades.NBGRADER_COLUMNS
    assert len(table) == 2 * 3
    rows = _by_key(table)
    never = rows[("carol123", "lab1-publish")]
    assert never["grading_status"] == "no submission" and never["score"] == ""
    assert never["lab1-publish:push"] == "" and never["max_score"] == "4.0"
    assert rows[("alice123", "lab2-retrieve")]["grading_status"] == "no submission"


def test_a_column_per_check_per_lab_holds_that_cells_points():
    people = grades.learners(RECORDS, ROSTER)
    columns, table = grades.rows(RECORDS, people, {("alice123", "lab1-publish"): "graded"})
    checks = [c for c in columns if ":" in c]
    assert checks == [
        "lab1-publish:login", "lab1-publish:tag", "lab1-publish:push",
        "lab2-retrieve:publish", "lab2-retrieve:verify", "lab2-retrieve:pull", "lab2-retrieve:run",
    ]  # fmt: skip
    alice = _by_key(table)[("alice123", "lab1-publish")]
    assert (alice["lab1-publish:login"], alice["lab1-publish:tag"]) == ("1.0", "0.0")
    assert alice["lab1-publish:push"] == "2.0" and alice["lab2-retrieve:publish"] == ""
    assert (alice["score"], alice["raw_score"], alice["timestamp"]) == (
        "3.0",
        "3.0",
        "2026-11-30 10:00:00",
    )


def test_the_id_is_the_rosters_else_the_gradebooks_lms_user_id():
    by_name = {p.username: p for p in grades.learners(RECORDS, ROSTER)}
    assert by_name["alice123"].id == "S-1001" and by_name["carol123"].id == "S-1003"
    outside = {p.username: p for p in grades.learners(RECORDS)}  # `grader grade`: no classroom
    assert outside["alice123"].id == "gb-1" and outside["bob12345"].id == ""
    assert "teach001" in outside  # the gradebook alone knows no roles


def test_a_failed_grading_has_no_score_and_an_earlier_grade_is_kept_when_not_graded_now():
    people = grades.learners(RECORDS, ROSTER)
    statuses = {("alice123", "lab1-publish"): "infrastructure"}
    submitted = {("carol123", "lab1-publish")}
    _, table = grades.rows(RECORDS, people, statuses, submitted)
    rows = _by_key(table)
    failed = rows[("alice123", "lab1-publish")]
    assert failed["grading_status"] == "infrastructure"
    assert failed["score"] == failed["raw_score"] == failed["lab1-publish:login"] == ""
    earlier = rows[("bob12345", "lab1-publish")]
    assert earlier["grading_status"] == "not graded now" and earlier["score"] == "4.0"
    waiting = rows[("carol123", "lab1-publish")]  # collected, never graded
    assert waiting["grading_status"] == "not graded now" and waiting["score"] == ""


def _written(columns, table) -> list[dict]:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns)
    writer.writeheader()
    writer.writerows(table)
    return list(csv.DictReader(io.StringIO(text.getvalue())))


def test_the_canvas_import_has_canvass_columns_a_points_row_and_a_column_per_lab():
    people = grades.learners(RECORDS, ROSTER)
    _, table = grades.rows(RECORDS, people, {})
    columns, shaped = grades.lms_table("canvas", RECORDS, people, table)
    rows = _written(columns, shaped)
    assert list(rows[0]) == [
        "Student", "ID", "SIS User ID", "SIS Login ID", "Section", "lab1-publish", "lab2-retrieve",
    ]  # fmt: skip
    assert rows[0]["Student"].strip() == "Points Possible" and rows[0]["lab1-publish"] == "4.0"
    alice = next(r for r in rows if r["SIS User ID"] == "S-1001")
    assert alice["Student"] == "Liddell, Alice" and alice["lab1-publish"] == "3.0"
    assert alice["lab2-retrieve"] == ""
    carol = next(r for r in rows if r["Student"] == "carol123")
    assert carol["lab1-publish"] == "" and carol["SIS User ID"] == "S-1003"


def test_the_moodle_import_identifies_students_by_id_number_and_email():
    people = grades.learners(RECORDS, ROSTER)
    _, table = grades.rows(RECORDS, people, {})
    rows = _written(*grades.lms_table("moodle", RECORDS, people, table))
    assert list(rows[0])[:4] == ["First name", "Last name", "ID number", "Email address"]
    alice = next(r for r in rows if r["ID number"] == "S-1001")
    assert alice["Email address"] == "a@x.org" and alice["lab1-publish"] == "3.0"
    assert len(rows) == 3


def test_an_unknown_format_is_refused_with_the_known_ones(tmp_path, capsys):
    with pytest.raises(InvalidInput) as raised:
        grades.check_format("blackboard")
    assert "csv, canvas, moodle" in raised.value.fix
    status = main(["grade", "--course-dir", str(tmp_path), "--format", "xls"])
    assert status == ExitStatus.USAGE and "invalid choice: 'xls'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    status = main(["classroom", "grade", "lab1-publish", "--format", "xls"], err=io.StringIO())
    assert status == ExitStatus.USAGE


def test_the_evidence_of_students_not_graded_now_is_kept(tmp_path):
    path = tmp_path / "grades-evidence.json"
    grades.write_evidence(path, {"a/lab1": {"status": "graded", "checks": [{"check": "push"}]}})
    grades.write_evidence(path, {"b/lab1": {"status": "graded", "checks": []}})
    grades.write_evidence(path, {"a/lab1": {"status": "error", "checks": []}})
    kept = json.loads(path.read_text())
    assert kept == {
        "a/lab1": {"status": "error", "checks": []},
        "b/lab1": {"status": "graded", "checks": []},
    }


def test_a_failed_gradings_cause_is_the_line_that_says_why():
    log = (
        "[AutogradeApp | INFO] Converting notebook\n"
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "grader.errors.SandboxUnavailable: rootlesskit did not start: no uid range\n"
        "[AutogradeApp | ERROR] There was an error processing assignment\n"
    )
    assert classroom._cause(log).startswith("grader.errors.SandboxUnavailable: rootlesskit")
    assert classroom._cause("the grading worker timed out after 1800 s\n") == (
        "the grading worker timed out after 1800 s"
    )
    assert classroom._cause("") == "nbgrader logged nothing"
    graded = classroom.Graded(
        classroom.Submission("alice123", "lab1-publish"), "infrastructure", cause="engine gone"
    )
    assert "infrastructure failure" in classroom.problems([graded])
    assert "Cause: engine gone" in classroom.problems([graded])


def test_the_summary_reads_scores_and_failed_checks_from_the_gradebook():
    alice = classroom.Graded(classroom.Submission("alice123", "lab1-publish"), "graded")
    lost = classroom.Graded(classroom.Submission("carol123", "lab1-publish"), "graded")
    classroom._read_scores(RECORDS, [alice, lost])
    assert (alice.score, alice.max_score, alice.failed_checks) == (3.0, 4.0, ["tag"])
    assert lost.status == "error" and "no grade" in lost.cause


def test_write_grades_puts_the_three_files_side_by_side(tmp_path):
    alice = classroom.Graded(classroom.Submission("alice123", "lab1-publish"), "graded")
    alice.verdicts = [{"check": "push", "passed": True, "evidence": {"digest": "sha256:1"}}]
    failed = classroom.Graded(
        classroom.Submission("bob12345", "lab1-publish"), "infrastructure", cause="engine gone"
    )
    written = classroom.write_grades(
        tmp_path / "grades.csv", RECORDS, [alice, failed], ROSTER, "moodle"
    )
    assert [p.name for p in written] == [
        "grades.csv",
        "grades-moodle.csv",
        "grades-evidence.json",
    ]
    kept = json.loads((tmp_path / "grades-evidence.json").read_text())
    assert kept["alice123/lab1-publish"]["checks"][0]["evidence"] == {"digest": "sha256:1"}
    assert kept["bob12345/lab1-publish"] == {
        "status": "infrastructure",
        "cause": "engine gone",
        "checks": [],
    }
    rows = _by_key(_csv(tmp_path / "grades.csv"))
    bob = rows[("bob12345", "lab1-publish")]
    assert bob["score"] == "" and bob["grading_status"] == "infrastructure"


# --- a real class, graded -----------------------------------------------------------------------

CHECKS = ["lab1-publish:login", "lab1-publish:tag", "lab1-publish:push"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """lab1-publish: ``solution`` submitted the source, ``blank`` the release; ``nosubmit`` is
    on the gradebook (with a school id) and submitted nothing. Only the solution is graded."""
    root = stage(tmp_path_factory.mktemp("course"))
    submit(root, "solution", "lab1-publish", notebook(root, "lab1-publish", "source"))
    submit(root, "blank", "lab1-publish", notebook(root, "lab1-publish"))
    nbgrader(root, "db", "student", "add", "nosubmit", "--lms-user-id=S-2002", "--email=n@x.org")
    nbgrader(root, "db", "student", "add", "solution", "--lms-user-id=S-2001")
    with fresh_machine_state():
        out, err = io.StringIO(), io.StringIO()
        args = ["grade", "lab1-publish", "--course-dir", str(root), "--student", "solution"]
        status = main([*args, "--format", "canvas"], out=out, err=err)
    yield root, status, out.getvalue(), err.getvalue()


def _csv(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.class_grading
def test_grades_csv_lists_every_student_with_per_check_columns_and_the_id(graded):
    root, status, out, err = graded
    assert status == ExitStatus.OK, err
    rows = {
        r["student_id"]: r for r in _csv(root / "grades.csv") if r["assignment"] == "lab1-publish"
    }
    assert set(rows) == {"solution", "blank", "nosubmit"}
    solution = rows["solution"]
    assert solution["grading_status"] == "graded" and float(solution["score"]) == 4
    assert [float(solution[c]) for c in CHECKS] == [1, 1, 2]
    assert solution["id"] == "S-2001"
    never = rows["nosubmit"]
    assert never["grading_status"] == "no submission" and never["score"] == ""
    assert never["id"] == "S-2002" and never["email"] == "n@x.org"
    assert rows["blank"]["grading_status"] == "not graded now" and rows["blank"]["score"] == ""
    assert not (root / "autograded" / "blank").exists()  # --student graded the solution alone
    assert f"scores exported to {root / 'grades.csv'}" in out


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.class_grading
def test_the_canvas_export_parses_with_canvass_column_names(graded):
    root, _, out, _ = graded
    rows = _csv(root / "grades-canvas.csv")
    assert list(rows[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert "lab1-publish" in rows[0]
    by_id = {r["SIS User ID"]: r for r in rows}
    assert float(by_id["S-2001"]["lab1-publish"]) == 4 and by_id["S-2002"]["lab1-publish"] == ""
    assert str(root / "grades-canvas.csv") in out


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.class_grading
def test_each_verdict_is_kept_with_the_evidence_the_grader_read(graded):
    root, *_ = graded
    text = (root / "grades-evidence.json").read_text()
    assert "dckr_pat_" not in text
    kept = json.loads(text)
    assert set(kept) == {"solution/lab1-publish"}
    entry = kept["solution/lab1-publish"]
    assert entry["status"] == "graded"
    checks = {c["check"]: c for c in entry["checks"]}
    assert set(checks) == {"login", "tag", "push"}
    assert all(c["passed"] for c in checks.values())
    assert checks["push"]["cell"] == "check-push" and checks["push"]["evidence"]
    assert "source" in checks["login"]["evidence"]  # where the credential was read


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.one_engine  # refused before anything is graded: no engine's store is involved
def test_student_naming_nobody_grades_and_writes_nothing(tmp_path):
    root = stage(tmp_path / "course")
    submit(root, "solution", "lab1-publish", notebook(root, "lab1-publish", "source"))
    before = sorted(p.name for p in root.iterdir())
    err = io.StringIO()
    status = main(
        ["grade", "lab1-publish", "--course-dir", str(root), "--student", "nobody1"], err=err
    )
    assert status == ExitStatus.NOT_READY
    assert "--student 'nobody1' names nobody on the gradebook" in err.getvalue()
    assert "fix:" in err.getvalue()
    assert sorted(p.name for p in root.iterdir()) == before
    assert not (root / "grades.csv").exists() and not (root / "autograded").exists()
