"""A learner's journal (grader/journal.py): the lines a lab appends, read back and folded into
where the learner stands on each step; anything that is not a well-formed event is skipped."""

from __future__ import annotations

import json
import os

import pytest

from grader import journal


def lines(*events: dict) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


def check(step, passed, at, tried=True, attempt=1):
    return journal.event("check", at=at, step=step, passed=passed, tried=tried, attempt=attempt)


def test_appended_events_read_back_in_order_from_a_file_only_its_owner_reads(tmp_path):
    journal.append(tmp_path, check("push", False, 100.0))
    journal.append(tmp_path, journal.event("hint", at=101.0, step="push", task="push", level=1))
    journal.append(tmp_path, journal.event("diagnosis", at=102.0, error="push-denied"))
    found = journal.read_own(tmp_path)
    assert [e["kind"] for e in found] == ["check", "hint", "diagnosis"]
    assert found[0] == {"v": 1, "at": 100.0, "kind": "check", "step": "push", "passed": False,
                        "tried": True, "attempt": 1}  # fmt: skip
    assert (tmp_path / journal.FILE).stat().st_mode & 0o777 == 0o600
    assert journal.read_own(tmp_path / "nowhere") == []


def test_a_journal_that_is_a_link_is_not_written_through(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("kept\n")
    (tmp_path / journal.FILE).symlink_to(target)
    with pytest.raises(OSError):
        journal.append(tmp_path, check("tag", True, 1.0))
    assert target.read_text() == "kept\n"


@pytest.mark.parametrize(
    "bad",
    [
        b"not json",
        b'{"v": 2, "at": 1, "kind": "check", "step": "tag", "passed": true}',  # another version
        b'{"v": 1, "at": "soon", "kind": "check", "step": "tag", "passed": true}',
        b'{"v": 1, "at": NaN, "kind": "check", "step": "tag", "passed": true}',
        b'{"v": 1, "at": 1, "kind": "check", "step": "tag", "passed": "yes"}',
        b'{"v": 1, "at": 1, "kind": "check", "step": "tag", "passed": true, "attempt": -1}',
        b'{"v": 1, "at": 1, "kind": "check", "step": "' + b"x" * 200 + b'", "passed": true}',
        b'{"v": 1, "at": 1, "kind": "hint", "step": "tag", "level": 7}',
        b'{"v": 1, "at": 1, "kind": "delete-everything"}',
        b'{"v": 1, "at": 1, "kind": "diagnosis", "error": ["a"]}',
        b"[" * 100_000,  # deeper than the parser goes
        b"\xff\xfe",
        b'{"v": 1, "at": 1, "kind": "check", "step": "tag", "pass',  # a half-written last line
    ],
)
def test_a_line_that_is_not_a_well_formed_event_is_skipped(bad):
    good = lines(check("tag", True, 5.0))
    assert journal.parse(bad + b"\n" + good) == journal.parse(good)
    assert len(journal.parse(good)) == 1


def test_fields_other_than_the_kinds_own_are_dropped():
    raw = {**check("tag", True, 5.0), "script": "<img onerror=alert(1)>", "points": 99}
    (found,) = journal.parse(lines(raw))
    assert set(found) == {"v", "at", "kind", "step", "passed", "tried", "attempt"}


def test_a_huge_journal_is_read_from_its_newest_part_only(tmp_path):
    path = tmp_path / journal.FILE
    filler = lines(check("tag", False, 1.0)) * (journal.READ_LIMIT // 60 + 10)
    path.write_bytes(filler + lines(check("tag", True, 9.0)))
    fd = os.open(path, os.O_RDONLY)
    try:
        data = journal.read_capped(fd)
    finally:
        os.close(fd)
    assert len(data) <= journal.READ_LIMIT
    events = journal.parse(data)
    assert events[-1]["passed"] and all(e["kind"] == "check" for e in events)


def test_a_step_is_not_tried_until_the_learner_acts_and_its_attempts_count_only_tries():
    looks = [check("push", False, 10.0, tried=False), check("push", False, 20.0, tried=False)]
    summary = journal.summarise(looks)
    assert summary.steps["push"].state == "not tried" and summary.steps["push"].attempts == 0

    tries = [*looks, check("push", False, 30.0), check("push", False, 40.0, attempt=2)]
    step = journal.summarise(tries).steps["push"]
    assert (step.state, step.attempts, step.last_try, step.failing_since) == (
        "failed",
        2,
        40.0,
        30.0,
    )

    step = journal.summarise([*tries, check("push", True, 50.0, attempt=3)]).steps["push"]
    assert (step.state, step.attempts, step.failing_since) == ("passed", 3, None)


def test_a_passed_step_found_undone_later_is_failed_again():
    events = [check("pull", True, 10.0), check("pull", False, 20.0, tried=False)]
    step = journal.summarise(events).steps["pull"]
    assert step.state == "failed" and step.failing_since == 20.0


def test_hints_answers_and_diagnoses_are_kept_with_their_step_and_time():
    events = [
        journal.event("hint", at=1.0, step="token", task="login", level=1),
        journal.event("hint", at=2.0, step="token", task="login", level=2),
        journal.event("diagnosis", at=3.0, error="login-refused"),
        journal.event("answer", at=4.0, step="token", task="login"),
    ]
    summary = journal.summarise(journal.parse(lines(*events)))
    assert summary.steps["token"].hints == 3 and summary.steps["token"].revealed
    assert summary.diagnoses == [(3.0, "login-refused")] and summary.last_seen == 4.0
    with pytest.raises(ValueError):
        journal.event("grade", points=10)
