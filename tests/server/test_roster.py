"""The roster: every problem found, with its line, before anything starts."""

from __future__ import annotations

import io
from dataclasses import asdict

import pytest

from grader.cli import ExitStatus, main
from grader.errors import InvalidInput
from grader.server import roster


def test_a_roster_with_a_header_students_and_an_instructor_is_read():
    people = roster.parse("username,password\nalice123,s3cret pass\nteach001,pw,instructor\n")
    assert [(p.username, p.role) for p in people] == [
        ("alice123", "student"),
        ("teach001", "instructor"),
    ]
    assert people[0].accepts("s3cret pass") and not people[0].accepts("s3cret")
    assert "s3cret" not in people[0].password_hash


def test_every_bad_line_is_named_at_once():
    text = (
        "alice123,pw\n"
        "Bob_1,pw\n"  # not a valid username
        "alice123,other\n"  # a duplicate
        "carol123,   \n"  # an empty password
        "dave1234,pw,teacher\n"  # no such role
        "erin1234\n"  # no password at all
    )
    with pytest.raises(InvalidInput) as raised:
        roster.parse(text, "class.csv")
    message = raised.value.message
    assert "class.csv has 5 problem(s); nothing was done" in message
    for expected in (
        "line 2: 'Bob_1' is not a valid Docker Hub username",
        "line 3: 'alice123' is already on line 1",
        "line 4: 'carol123' has an empty password",
        "line 5: role 'teacher'",
        "line 6: 1 fields",
    ):
        assert expected in message


def test_an_empty_or_missing_roster_is_refused(tmp_path):
    with pytest.raises(InvalidInput, match="names nobody"):
        roster.parse("username,password\n\n# nobody yet\n")
    with pytest.raises(InvalidInput, match="There is no roster"):
        roster.read(tmp_path / "missing.csv")


def test_a_fourth_column_is_the_schools_id_and_a_header_may_name_the_columns_in_any_order():
    people = roster.parse("alice123,pw,,S-1001\nteach001,pw,instructor\nbob12345,pw,student,7\n")
    assert [(p.username, p.role, p.id) for p in people] == [
        ("alice123", "student", "S-1001"),
        ("teach001", "instructor", ""),
        ("bob12345", "student", "7"),
    ]
    people = roster.parse("id,Username,password\nS-1,alice123,pw\n,bob12345,pw 2\n")
    assert [(p.username, p.id) for p in people] == [("alice123", "S-1"), ("bob12345", "")]
    assert people[1].accepts("pw 2")
    with pytest.raises(InvalidInput, match=r"line 2: 4 fields, not id,username,password"):
        roster.parse("id,username,password\nS-1,alice123,pw,student\n")
    with pytest.raises(InvalidInput, match=r"header column\(s\) 'mail' unknown"):
        roster.parse("username,password,mail\nalice123,pw,a@x.org\n")


def test_a_duplicate_id_names_both_lines_and_nothing_starts(tmp_path, capsys):
    text = "username,password,role,id\nalice123,pw,,S-1\nbob12345,pw,,S-2\ncarol123,pw,,S-1\n"
    with pytest.raises(InvalidInput) as raised:
        roster.parse(text, "class.csv")
    assert "line 4: id 'S-1' of 'carol123' is already line 2's" in raised.value.message
    assert "nothing was done" in raised.value.message
    path = tmp_path / "class.csv"
    path.write_text(text)
    err = io.StringIO()
    assert main(["classroom", "start", "--roster", str(path)], err=err) == ExitStatus.NOT_READY
    assert "line 4: id 'S-1'" in err.getvalue() and "fix:" in err.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class.csv"]


def test_the_id_is_kept_with_the_classrooms_roster_records():
    person = roster.parse("alice123,pw,student,S-1\n")[0]
    assert asdict(person)["id"] == "S-1"
    assert roster.Person(**{k: v for k, v in asdict(person).items() if k != "id"}).id == ""
