"""grader.infra.net: the host port the run step publishes the app on, and what it tells a learner
when that is not the lesson's 5000."""

from __future__ import annotations

import socket

from grader.infra import net


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def test_the_course_app_port_setting_is_the_port_when_it_is_free(monkeypatch):
    port = free_port()
    monkeypatch.setenv("COURSE_APP_PORT", str(port))
    assert net.app_port() == port
    note = net.app_port_note(port)
    assert f"COURSE_APP_PORT={port}" in note and f"-p {port}:5000" in note
    assert "taken" not in note


def test_a_taken_course_app_port_gives_another_port_and_says_which_was_taken(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("COURSE_APP_PORT", str(port))
        got = net.app_port()
        assert got != port
        note = net.app_port_note(got)
    assert f"Port {port} is taken on this machine" in note and f"-p {got}:5000" in note


def test_port_5000_needs_no_note(monkeypatch):
    monkeypatch.delenv("COURSE_APP_PORT", raising=False)
    assert net.app_port_note(5000) == ""
