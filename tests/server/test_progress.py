"""The class's progress gathered from the students' journals (grader/server/progress.py), as the
class page and `grader classroom status` show it: every roster student, each step's state,
attempts and last try, who is stuck, the refusals of the last minutes; a journal is read only
where its student keeps it, never through a link, never a file they do not own."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from grader import journal
from grader.checks import NAMES
from grader.infra import places
from grader.server import progress
from grader.server.progress import Gatherer, Member

NOW = 1_800_000_000.0


def seat(tmp_path: Path, username: str, instructor: bool = False) -> Member:
    home = tmp_path / "home" / username
    home.mkdir(parents=True)
    return Member(username, home, os.getuid(), instructor)


def write(member: Member, *events: dict, learner: str | None = None) -> Path:
    folder = places.learners_below(member.home) / (learner or member.username)
    folder.mkdir(parents=True, exist_ok=True)
    for entry in events:
        journal.append(folder, entry)
    return folder / journal.FILE


def check(step, passed, minutes_ago, tried=True):
    return journal.event("check", at=NOW - 60 * minutes_ago, step=step, passed=passed, tried=tried)


def test_every_roster_student_has_a_row_and_every_step_a_cell(tmp_path):
    ada, bob = seat(tmp_path, "ada2024"), seat(tmp_path, "bob2024")
    teacher = seat(tmp_path, "teach1", instructor=True)
    nobody = Member("never1", Path("/nonexistent"), -1)  # on the roster, never signed in
    write(ada, check("account", True, 30), check("login", True, 20), check("tag", False, 2))
    data = Gatherer().gather([ada, bob, teacher, nobody], now=NOW)

    assert [s["username"] for s in data["students"]] == ["ada2024", "bob2024", "never1"]
    assert data["steps"] == list(progress.STEPS) and sorted(progress.STEPS) == sorted(NAMES)
    row = data["students"][0]["steps"]
    assert row["login"] == {"state": "passed", "attempts": 1, "minutes_since": 20.0,
                            "revealed": False, "hints": 0}  # fmt: skip
    assert row["tag"]["state"] == "failed" and row["push"]["state"] == "not tried"
    for other in data["students"][1:]:
        assert {s["state"] for s in other["steps"].values()} == {"not tried"}
    funnel = {f["step"]: f["passed"] for f in data["funnel"]}
    assert funnel["account"] == funnel["login"] == 1 and funnel["tag"] == 0
    json.dumps(data)  # the JSON twin


def test_a_student_failing_one_step_longer_than_the_setting_is_stuck(tmp_path):
    ada, bob = seat(tmp_path, "ada2024"), seat(tmp_path, "bob2024")
    write(ada, check("push", False, 14), check("push", False, 1))
    write(bob, check("push", False, 4), check("push", True, 1))
    data = Gatherer().gather([ada, bob], now=NOW)
    assert data["stuck"] == [
        {"username": "ada2024", "step": "push", "minutes": 14.0, "attempts": 2}
    ]
    assert Gatherer().gather([ada, bob], now=NOW, stuck_minutes=20)["stuck"] == []


def test_the_feed_counts_students_per_refusal_in_the_last_minutes(tmp_path):
    people = [seat(tmp_path, f"stud{i}") for i in range(4)]
    for member in people[:3]:
        write(member, journal.event("diagnosis", at=NOW - 60, error="push-denied"))
    write(people[3], journal.event("diagnosis", at=NOW - 600, error="push-denied"))  # too old
    write(people[0], journal.event("diagnosis", at=NOW - 30, error="push-denied"))  # twice: one
    feed = Gatherer().gather(people, now=NOW)["feed"]
    assert [(f["error"], f["students"]) for f in feed] == [("push-denied", 3)]
    assert "scope" in feed[0]["what"] and feed[0]["usernames"] == ["stud0", "stud1", "stud2"]


def test_the_journals_of_a_learners_labs_before_and_after_signing_up_are_merged(tmp_path):
    ada = seat(tmp_path, "ada2024")
    write(ada, check("account", False, 9), learner="_signing-up")
    write(ada, check("account", True, 8), check("login", True, 7), learner="adalovelace")
    steps = Gatherer().gather([ada], now=NOW)["students"][0]["steps"]
    assert steps["account"]["state"] == "passed" and steps["account"]["attempts"] == 2


def test_a_journal_is_never_read_through_a_link_nor_when_another_user_owns_it(tmp_path):
    secret = tmp_path / "secret.jsonl"
    secret.write_bytes(json.dumps(check("push", True, 1)).encode() + b"\n")
    linked = seat(tmp_path, "link1")
    folder = places.learners_below(linked.home) / "link1"
    folder.mkdir(parents=True)
    (folder / journal.FILE).symlink_to(secret)  # the file is a link
    hopped = seat(tmp_path, "hop1")
    places.learners_below(hopped.home).parent.mkdir(parents=True)
    (tmp_path / "elsewhere" / "hop1").mkdir(parents=True)
    (tmp_path / "elsewhere" / "hop1" / journal.FILE).write_bytes(secret.read_bytes())
    places.learners_below(hopped.home).symlink_to(tmp_path / "elsewhere")  # a folder
    people = [linked, hopped]
    if os.getuid() == 0:
        foreign = seat(tmp_path, "foreign1")
        path = write(foreign, check("push", True, 1))
        os.chown(path, 65534, 65534)
        people.append(foreign)
    for row in Gatherer().gather(people, now=NOW)["students"]:
        assert row["steps"]["push"]["state"] == "not tried", row["username"]


def test_a_fifo_or_garbage_in_place_of_a_journal_is_skipped(tmp_path):
    piped, noisy = seat(tmp_path, "pipe1"), seat(tmp_path, "noise1")
    folder = places.learners_below(piped.home) / "pipe1"
    folder.mkdir(parents=True)
    os.mkfifo(folder / journal.FILE)  # opening it to read must not wait for a writer
    path = write(noisy, check("tag", True, 3))
    with open(path, "ab") as handle:
        handle.write(b"\x00garbage\n{not json\n" + b"[" * 50_000 + b"\n")
    rows = Gatherer().gather([piped, noisy], now=NOW)["students"]
    assert rows[0]["steps"]["tag"]["state"] == "not tried"
    assert rows[1]["steps"]["tag"]["state"] == "passed"


def test_a_journal_is_parsed_again_only_when_it_changes(tmp_path):
    ada = seat(tmp_path, "ada2024")
    path = write(ada, check("tag", False, 3))
    gatherer = Gatherer()
    assert gatherer.gather([ada], now=NOW)["students"][0]["steps"]["tag"]["state"] == "failed"
    (key,) = gatherer._cache
    first = gatherer._cache[key]
    gatherer.gather([ada], now=NOW)
    assert gatherer._cache[key] is first  # unchanged: the parsed events were reused
    journal.append(path.parent, check("tag", True, 1))
    assert gatherer.gather([ada], now=NOW)["students"][0]["steps"]["tag"]["state"] == "passed"


def test_scores_and_failures_per_check_are_read_from_the_graded_labs(tmp_path):
    grades = tmp_path / "grades.csv"
    grades.write_text(
        "assignment,student_id,score,max_score,lab1-publish:push,lab1-publish:tag\n"
        "lab1-publish,ada2024,5.0,5.0,2,1\n"
        "lab1-publish,bob2024,1.0,5.0,0,1\n"
        "lab1-publish,cy2024,,5.0,,\n"  # no submission: no score, no failure counted
    )
    found = progress.read_grades(grades)
    assert found["scores"] == {"lab1-publish": [5.0, 1.0]}
    assert found["failures"] == {"lab1-publish": {"push": 1, "tag": 0}}
    assert progress.read_grades(tmp_path / "none.csv") is None


def test_the_terminal_shows_the_same_grid(tmp_path):
    ada, bob = seat(tmp_path, "ada2024"), seat(tmp_path, "bob2024")
    write(ada, check("login", True, 3), journal.event("answer", at=NOW, step="tag", task="tag"))
    write(bob, check("push", False, 30), check("push", False, 2))
    text = progress.as_text(Gatherer().gather([ada, bob], now=NOW))
    ada_line = next(line for line in text.splitlines() if line.startswith("ada2024"))
    assert "pass x1" in ada_line and "(answer)" in ada_line
    assert "bob2024: push, failing for 30 min" in text


def test_a_growing_journal_is_read_from_where_it_was_and_a_replaced_one_again_whole(tmp_path):
    ada = seat(tmp_path, "ada2024")
    path = write(ada, check("tag", False, 5))
    gatherer = Gatherer()
    steps = lambda: gatherer.gather([ada], now=NOW)["students"][0]["steps"]  # noqa: E731
    assert steps()["tag"]["attempts"] == 1
    line = json.dumps(check("tag", False, 4)).encode() + b"\n"
    with open(path, "ab") as handle:  # a line being written: half of it now, the rest later
        handle.write(line[:20])
    assert steps()["tag"]["attempts"] == 1
    with open(path, "ab") as handle:
        handle.write(line[20:])
    assert steps()["tag"]["attempts"] == 2
    replaced = path.with_suffix(".new")  # the learner rewrote it: fewer lines, a new file
    replaced.write_bytes(json.dumps(check("tag", True, 1)).encode() + b"\n")
    replaced.rename(path)
    assert steps()["tag"] == {**steps()["tag"], "state": "passed", "attempts": 1}


@pytest.mark.filterwarnings("ignore:Object of type <SubmittedAssignment> not in session")
def test_who_is_late_follows_nbgraders_due_dates_and_extensions(tmp_path, monkeypatch):
    import datetime

    from nbgrader.api import Gradebook

    # nbgrader's gradebook runs `alembic` from PATH: this environment's.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    course = tmp_path / "course"
    course.mkdir()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment("lab1-publish", duedate=datetime.datetime(2026, 12, 10, 17, 0))
        gradebook.add_assignment("lab2-retrieve")  # no due date: nobody is late
        for student in ("ontime1", "late1", "excused1", "never1"):
            gradebook.add_student(student)
        gradebook.update_or_create_submission(
            "lab1-publish", "excused1", timestamp=datetime.datetime(2026, 12, 11, 9, 0)
        )
        gradebook.grant_extension("lab1-publish", "excused1", days=2)
    for student, at in (("ontime1", "2026-12-10 16:59:00.000000 UTC"),
                        ("late1", "2026-12-10 19:30:00.000000 UTC"),
                        ("excused1", "2026-12-11 09:00:00.000000 UTC")):  # fmt: skip
        folder = course / "submitted" / student / "lab1-publish"
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(at)
    now = datetime.datetime(2026, 12, 11, 17, 0, tzinfo=datetime.UTC).timestamp()
    found = progress.lateness(course, ["ontime1", "late1", "excused1", "never1"], now=now)
    assert [lab["lab"] for lab in found] == ["lab1-publish"]
    assert found[0]["late"] == [
        {"username": "late1", "late_hours": 2.5, "submitted": True},
        {"username": "never1", "late_hours": 24.0, "submitted": False},
    ]
    assert progress.lateness(tmp_path / "no-course", ["late1"]) == []
