"""The one wait: ask a question again and again until it has an answer or the time is up."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    answer: Callable[[], T],
    timeout: float,
    *,
    interval: float = 0.05,
    give_up: Callable[[], bool] = lambda: False,
) -> T | None:
    """``answer()``'s first truthy value, asked every ``interval`` seconds; None once ``timeout``
    seconds have passed or ``give_up()`` says there is no point (a process that died). It is
    always asked at least once, and once more at the deadline, so a slow last step still counts."""
    deadline = time.monotonic() + timeout
    while True:
        found = answer()
        if found:
            return found
        if give_up() or time.monotonic() >= deadline:
            return None
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())) or interval)


def answering(
    ask: Callable[[], object], errors: tuple[type[BaseException], ...]
) -> Callable[[], bool]:
    """A question for :func:`wait_until` that is True once ``ask()`` no longer raises ``errors``
    (a server that does not listen yet)."""

    def answers() -> bool:
        try:
            ask()
        except errors:
            return False
        return True

    return answers
