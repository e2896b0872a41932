"""grader.infra.wait: the one wait, on real time."""

from __future__ import annotations

import time

from grader.infra.wait import answering, wait_until


def test_the_first_truthy_answer_is_returned_at_once():
    asked = []
    assert wait_until(lambda: asked.append(1) or "ready", timeout=5) == "ready"
    assert len(asked) == 1


def test_it_asks_again_until_the_answer_comes():
    began = time.monotonic()
    assert wait_until(lambda: time.monotonic() - began > 0.2 and 42, timeout=5, interval=0.01) == 42
    assert 0.2 < time.monotonic() - began < 2


def test_the_time_up_gives_none_after_the_timeout_not_long_after():
    asked = []
    began = time.monotonic()
    assert wait_until(lambda: asked.append(1), timeout=0.3, interval=0.05) is None
    took = time.monotonic() - began
    assert 0.3 <= took < 1.0
    assert len(asked) >= 3  # asked again and again, and once at the deadline


def test_give_up_ends_the_wait_at_once():
    began = time.monotonic()
    assert wait_until(lambda: False, timeout=30, give_up=lambda: True) is None
    assert time.monotonic() - began < 1


def test_answering_turns_an_error_into_not_yet():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("not listening yet")

    assert wait_until(answering(flaky, (ConnectionError,)), timeout=5, interval=0.01) is True
    assert len(calls) == 3
