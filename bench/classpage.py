"""The class page's refresh for a class of 30 (grader/server/progress.py): the time to gather every
seat's journal into the page's JSON, once cold (every journal parsed) and then as the page asks
every few seconds (a few journals changed since), and the CPU that costs per minute, beside one
check's time (what a learner waits for after each step)."""

from __future__ import annotations

import json
import os
import random
import time

from grader import Lab, journal
from grader.infra import places
from grader.server import classpage, progress
from grader.server.progress import Gatherer, Member

from .util import median, remove, scratch

SEATS = 30
EVENTS = 400
"""Events in each journal: a whole term's lessons (13 steps, tries, hints), generously."""


def _class(root, seats: int, events: int) -> list[Member]:
    rng = random.Random(7)
    people = []
    start = time.time() - 3 * 3600
    for n in range(seats):
        member = Member(f"student{n:02d}", root / f"student{n:02d}", os.getuid())
        folder = places.learners_below(member.home) / member.username
        folder.mkdir(parents=True)
        for i in range(events):
            at, step = start + i * 20, rng.choice(progress.STEPS)
            kind = rng.choice(["check"] * 6 + ["hint", "diagnosis"])
            if kind == "check":
                entry = journal.event("check", at=at, step=step, passed=rng.random() < 0.4,
                                      tried=True, attempt=i)  # fmt: skip
            elif kind == "hint":
                entry = journal.event("hint", at=at, step=step, task=step, level=rng.randint(1, 3))
            else:
                entry = journal.event("diagnosis", at=at, error="push-denied")
            journal.append(folder, entry)
        people.append(member)
    return people


def _refresh(gatherer: Gatherer, people: list[Member]) -> tuple[float, float]:
    """Wall and CPU seconds of one refresh as the page's handler does it (gather, then JSON)."""
    wall, cpu = time.perf_counter(), time.process_time()
    json.dumps(gatherer.gather(people, grades=classpage.grades_file(people)))
    return time.perf_counter() - wall, time.process_time() - cpu


def class_page(size) -> list[dict]:
    from .workloads import _row

    refreshes = 100 if size.check_calls > 3 else 10
    root = scratch()
    try:
        people = _class(root, SEATS, EVENTS)
        gatherer = Gatherer()
        cold = _refresh(gatherer, people)[0]
        walls, cpus = [], []
        for n in range(refreshes):  # between two refreshes, three students did something
            for member in people[(3 * n) % SEATS : (3 * n) % SEATS + 3]:
                folder = places.learners_below(member.home) / member.username
                journal.append(folder, journal.event("check", step="tag", passed=True, attempt=1))
            wall, cpu = _refresh(gatherer, people)
            walls.append(wall)
            cpus.append(cpu)
    finally:
        remove(root)
    with Lab.start(username="benchpage") as lab:
        lab.check("account")
        checks = []
        for _ in range(max(3, refreshes // 5)):
            started = time.perf_counter()
            lab.check("tag")
            checks.append(time.perf_counter() - started)
    refresh, check = median(walls), median(checks)
    per_minute = median(cpus) * (60 / classpage.REFRESH_SECONDS)  # one page open
    return [
        _row(
            f"class page refresh, {SEATS} seats: gather + JSON vs one check",
            f"{refresh * 1000:.1f} ms",
            f"{check * 1000:.1f} ms",
            round(refresh / check, 2),
            "<= 1x one check",
            refresh <= check,
            cold_ms=round(cold * 1000, 1),
            events_per_seat=EVENTS,
        ),
        _row(
            f"  class page CPU per minute (refresh every {classpage.REFRESH_SECONDS} s)",
            f"{per_minute * 1000:.0f} ms/min ({per_minute / 60:.2%} of a core)",
            "60000 ms/min (one core)",
            round(per_minute / 60, 4),
            "< 1% of a core",
            per_minute / 60 < 0.01,
        ),
    ]
