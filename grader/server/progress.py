"""The class's progress, gathered from each student's journal (:mod:`grader.journal`) for the
instructor: a grid of students by steps, a funnel, who is stuck, and the refusals the class's
hubs gave (as the course explained them), plus the scores once a lab is graded.

Read as root, from each seat's home, without entering the student's session: every path is
walked one folder at a time without following a link, and only a regular file the student owns
is read (the newest :data:`grader.journal.READ_LIMIT` bytes of it). A journal is the student's
own file: what it says is shown as progress, never taken as a grade. Each journal is parsed
again only when its size or time changes, so a refresh of a class of 30 costs a few system
calls per seat.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import os
import pwd
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from .. import journal
from ..infra import places

STEPS = (
    "account", "login", "token", "tag", "push", "verify", "pull", "run", "pull-limit",
    "versioning", "digest", "platforms", "rollback", "visibility",
)  # fmt: skip
"""The lifecycle's steps, a column each, in the lessons' order: every check of
:data:`grader.checks.NAMES`, once (tests/server/test_progress.py holds it to that)."""
STUCK_MINUTES = 10.0
"""A student who has failed the same step for longer than this is stuck (a setting)."""
_KEPT = 20_000
"""Events kept of one journal (the newest): far more than a term's work."""
FEED_MINUTES = 5.0
"""The window of the refusals feed."""

COURSE_FOLDER = "course"
"""The instructor's nbgrader course folder, in their home (sources, releases, gradebook): the
spawner makes it, grading writes ``grades.csv`` into it."""
REFUSALS = {
    "login-refused": "a refused login (a wrong or deactivated token, or a wrong password)",
    "push-denied": "a refused push (a token without write scope, or another's namespace)",
    "pull-denied": "a refused pull (a private repository, or not logged in as its owner)",
    "rate-limit": "Docker Hub's pull rate limit",
    "push-not-tagged": "a push of a name that was never tagged",
    "registry-http": "an http registry address the engine refuses",
}
"""The hubs' refusals and engine errors the feed names in words; any other explained failure is
named by its key."""


@dataclass(frozen=True)
class Member:
    """A roster person as the page shows them."""

    username: str
    home: Path
    uid: int
    """The seat's user, who must own the journal read for them (-1: the person has no seat
    yet, so nothing is read)."""
    instructor: bool = False


def members(roster: Path) -> list[Member]:
    """The roster's people, each with their seat's home and user (uid -1 before their first
    sign-in made it)."""
    found = []
    for record in json.loads(roster.read_text()):
        try:
            entry = pwd.getpwnam(record["username"])
            home, uid = Path(entry.pw_dir), entry.pw_uid
        except KeyError:
            home, uid = Path("/nonexistent"), -1
        found.append(Member(record["username"], home, uid, record.get("role") == "instructor"))
    return found


def grades_file(people: list[Member]) -> Path | None:
    """The newest ``grades.csv`` in an instructor's course folder, if a lab was graded."""
    found = [
        p.home / COURSE_FOLDER / "grades.csv"
        for p in people
        if p.instructor and (p.home / COURSE_FOLDER / "grades.csv").is_file()
    ]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


class Gatherer:
    """Reads the class's journals, remembering each one's summary until the file changes."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[tuple, int, list[dict]]] = {}
        """Each journal's events, by (username, learner folder), with the file's mark and how
        far it was read."""
        self._summaries: dict[str, tuple[list, journal.Summary]] = {}
        """Each student's summary, with the marks of the journals it was made from."""

    def gather(self, members: list[Member], now: float | None = None, grades: Path | None = None,
               stuck_minutes: float = STUCK_MINUTES) -> dict:  # fmt: skip
        """The class page's data (its JSON twin): every student of ``members`` (instructors
        are left out), signed in or not."""
        now = time.time() if now is None else now
        students, stuck, refusals = [], [], {}
        for member in members:
            if member.instructor:
                continue
            summary = self._summary(member)
            row = {"username": member.username, "seen": summary.last_seen, "steps": {}}
            for name in STEPS:
                step = summary.steps.get(name, journal.Step())
                minutes = None if step.last_try is None else round((now - step.last_try) / 60, 1)
                row["steps"][name] = {
                    "state": step.state, "attempts": step.attempts, "minutes_since": minutes,
                    "revealed": step.revealed, "hints": step.hints,
                }  # fmt: skip
                if step.state == "failed" and step.attempts and step.failing_since is not None:
                    failing = (now - step.failing_since) / 60
                    if failing > stuck_minutes:
                        stuck.append({"username": member.username, "step": name,
                                      "minutes": round(failing, 1), "attempts": step.attempts})  # fmt: skip
            for at, error in summary.diagnoses:
                if now - at <= FEED_MINUTES * 60:
                    refusals.setdefault(error, set()).add(member.username)
            students.append(row)
        funnel = [
            {"step": name, "passed": sum(r["steps"][name]["state"] == "passed" for r in students)}
            for name in STEPS
        ]
        feed = [
            {
                "error": error,
                "what": REFUSALS.get(error, error),
                "students": len(who),
                "usernames": sorted(who),
                "minutes": FEED_MINUTES,
            }  # fmt: skip
            for error, who in sorted(refusals.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]
        return {
            "generated": now,
            "steps": list(STEPS),
            "stuck_minutes": stuck_minutes,
            "students": students,
            "funnel": funnel,
            "stuck": sorted(stuck, key=lambda s: -s["minutes"]),
            "feed": feed,
            "grades": read_grades(grades) if grades is not None else None,
        }

    def _summary(self, member: Member) -> journal.Summary:
        """The student's journals (one per learner lab they made, e.g. before and after signing
        up), merged. A journal only grows: what was added since the last read is all that is
        read and parsed (a journal replaced or cut short is read again whole), and the summary
        is made again only when a journal changed."""
        marks = []
        for key, fd in _journals(member):
            try:
                marks.append((key, self._read(member.username, key, fd)))
            except OSError:
                continue
            finally:
                os.close(fd)
        marks.sort()
        summed = self._summaries.get(member.username)
        if summed is not None and summed[0] == marks:
            return summed[1]
        events = [e for key, _ in marks for e in self._cache[(member.username, key)][2]]
        summary = journal.summarise(sorted(events, key=lambda e: e["at"]))
        self._summaries[member.username] = (marks, summary)
        return summary

    def _read(self, username: str, key: str, fd: int) -> tuple:
        """Bring the cached events of one journal up to date; returns its mark."""
        info = os.fstat(fd)
        mark = (info.st_ino, info.st_size, info.st_mtime_ns)
        cached = self._cache.get((username, key))
        if cached is not None and cached[0] == mark:
            return mark
        if cached is not None and cached[0][0] == info.st_ino and cached[1] <= info.st_size:
            _, done, events = cached
            os.lseek(fd, done, os.SEEK_SET)
            data = os.read(fd, min(info.st_size - done, journal.READ_LIMIT))
        else:
            events, data = [], journal.read_capped(fd)
            done = info.st_size - len(data)
        whole = data[: data.rfind(b"\n") + 1]  # a half-written last line waits for its end
        events = events + journal.parse(whole)
        self._cache[(username, key)] = (mark, done + len(whole), events[-_KEPT:])
        return mark


def _journals(member: Member):
    """``(learner folder name, open fd)`` of each journal below the member's home that is a
    regular file they own, reached without following any link."""
    if member.uid < 0:
        return
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    folders: list[int] = []
    try:
        fd = os.open(member.home, flags | os.O_DIRECTORY)
        folders.append(fd)
        for part in places.learners_below(member.home).relative_to(member.home).parts:
            fd = os.open(part, flags | os.O_DIRECTORY, dir_fd=fd)
            folders.append(fd)
        names = [e.name for e in os.scandir(fd) if e.is_dir(follow_symlinks=False)]
    except OSError:
        names = []
    try:
        for name in sorted(names)[:16]:  # a learner makes one or two; more is not theirs
            with contextlib.suppress(OSError):
                lab = os.open(name, flags | os.O_DIRECTORY, dir_fd=folders[-1])
                try:
                    found = os.open(journal.FILE, flags | os.O_NONBLOCK, dir_fd=lab)
                finally:
                    os.close(lab)
                info = os.fstat(found)
                if stat.S_ISREG(info.st_mode) and info.st_uid == member.uid:
                    yield name, found
                else:
                    os.close(found)
    finally:
        for fd in folders:
            os.close(fd)


def read_grades(path: Path) -> dict | None:
    """Scores per lab and failures per check from ``grades.csv`` (``grader grade``'s export:
    nbgrader's columns ``assignment``, ``student_id``, ``score``, ``max_score``, and a column a
    check named ``LAB:CHECK`` holding its points where there is one); None before any grading."""
    try:
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return None
    scores: dict[str, list[float]] = {}
    failures: dict[str, dict[str, int]] = {}
    for row in rows:
        lab = row.get("assignment") or ""
        with contextlib.suppress(TypeError, ValueError):
            scores.setdefault(lab, []).append(float(row.get("score") or "x"))
        for column, value in row.items():
            if not column or ":" not in column or not column.startswith(f"{lab}:"):
                continue
            check = column.split(":", 1)[1]
            counts = failures.setdefault(lab, {})
            counts.setdefault(check, 0)
            with contextlib.suppress(TypeError, ValueError):
                counts[check] += float(value or "x") == 0
    return {"scores": scores, "failures": failures}


def as_text(data: dict) -> str:
    """The grid, stuck students and the refusals feed of :meth:`Gatherer.gather` as text tables
    (``grader classroom status``)."""
    from ..tables import text_table

    marks = {"passed": "pass", "failed": "FAIL", "not tried": "-"}
    rows = []
    for student in data["students"]:
        row = [student["username"]]
        for name in data["steps"]:
            step = student["steps"][name]
            text = marks[step["state"]]
            if step["attempts"]:
                text += f" x{step['attempts']}"
            if step["revealed"]:
                text += " (answer)"
            row.append(text)
        rows.append(row)
    parts = [
        text_table(["student", *data["steps"]], rows) if rows else "No students on the roster."
    ]
    funnel = ", ".join(f"{f['step']} {f['passed']}" for f in data["funnel"])
    parts.append(f"passed, per step: {funnel}")
    minutes = data["stuck_minutes"]
    stuck = [
        f"{s['username']}: {s['step']}, failing for {s['minutes']:.0f} min" for s in data["stuck"]
    ]
    parts.append(
        f"stuck (failing one step for more than {minutes:g} min): " + ("; ".join(stuck) or "none")
    )
    feed = [f"{f['students']} student(s) got {f['what']}" for f in data["feed"]]
    parts.append(f"in the last {FEED_MINUTES:g} minutes: " + ("; ".join(feed) or "no refusals"))
    return "\n\n".join(parts)


_EPOCH = datetime.datetime(1970, 1, 1)


def _when(text: str | None) -> datetime.datetime | None:
    """A gradebook's or ``timestamp.txt``'s time (UTC, as nbgrader writes them), or None."""
    if not text:
        return None
    text = text.strip().removesuffix(" UTC").removesuffix("Z")
    for shape in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        with contextlib.suppress(ValueError):
            return datetime.datetime.strptime(text, shape)
    return None


def lateness(course: Path, students: list[str], now: float | None = None) -> list[dict]:
    """Who is late, per lab that has a due date in the course's gradebook (nbgrader's own:
    ``nbgrader db assignment add LAB --duedate=...``): a submission handed in after the due
    date (plus the student's extension, nbgrader's ``Gradebook.grant_extension``, once the
    submission is in the gradebook), or none handed in with the due date past. Times are UTC."""
    now_at = datetime.datetime.fromtimestamp(time.time() if now is None else now, datetime.UTC)
    now_at = now_at.replace(tzinfo=None)
    try:
        db = sqlite3.connect(f"file:{course / 'gradebook.db'}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        due = {name: _when(at) for name, at in db.execute("SELECT name, duedate FROM assignment")}
        extensions = {
            (lab, student): _when(extension) - _EPOCH
            for lab, student, extension in db.execute(
                "SELECT a.name, s.student_id, s.extension FROM submitted_assignment s "
                "JOIN assignment a ON a.id = s.assignment_id WHERE s.extension IS NOT NULL"
            )
            if _when(extension) is not None
        }
    except sqlite3.Error:
        return []
    finally:
        db.close()
    found = []
    for lab, deadline in sorted(due.items()):
        if deadline is None:
            continue
        late = []
        for student in students:
            until = deadline + extensions.get((lab, student), datetime.timedelta())
            stamp = course / "submitted" / student / lab / "timestamp.txt"
            try:
                handed = _when(stamp.read_text()[:64])
            except OSError:
                handed = None
            else:
                if handed is None:  # a time in another zone than nbgrader's UTC: not judged here
                    continue
            if handed is not None and handed > until:
                hours = (handed - until).total_seconds() / 3600
                late.append({"username": student, "late_hours": round(hours, 1), "submitted": True})
            elif handed is None and now_at > until:
                hours = (now_at - until).total_seconds() / 3600
                late.append(
                    {"username": student, "late_hours": round(hours, 1), "submitted": False}
                )
        found.append({"lab": lab, "due": deadline.isoformat(sep=" ") + " UTC", "late": late})
    return found
