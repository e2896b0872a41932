"""The roster: every problem found, with its line, before anything starts."""

from __future__ import annotations

import pytest

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
    assert "class.csv has 5 problem(s); nothing was started" in message
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
