"""grader.server.readiness (``grader doctor --classroom N``): whether this machine holds N
students, from its own memory, disk, devices and kernel settings."""

from __future__ import annotations

import psutil
import pytest

from grader import cli
from grader.errors import InvalidInput
from grader.server import capacity, readiness


def _by_subject(students: int) -> dict:
    return {f.subject: f for f in readiness.findings(students)}


def test_one_student_fits_and_each_resource_is_named():
    found = _by_subject(1)
    assert set(found) == {
        "classroom memory", "classroom disk", "loop devices", "user namespaces",
        "cgroup controllers", "classroom proxy",
    }  # fmt: skip
    memory = found["classroom memory"]
    assert memory.ok and f"{capacity.SEAT_MEMORY_MB} MB a signed-in student" in memory.detail


def test_a_class_larger_than_the_memory_is_told_how_many_it_holds():
    available = (psutil.virtual_memory().total >> 20) - capacity.HOST_MEMORY_MB
    holds = available // capacity.SEAT_MEMORY_MB
    memory = _by_subject(holds + 1)["classroom memory"]
    assert not memory.ok and memory.blocking
    assert memory.detail.endswith(f"it holds {holds}")
    assert f"or take at most {holds} students on it" in memory.fix
    assert _by_subject(holds)["classroom memory"].ok


def test_disks_that_could_not_all_fill_warn_and_disks_that_do_not_fit_at_first_block():
    many = _by_subject(10_000)["classroom disk"]  # 10,000 x 8 GB: no machine here has it
    assert not many.ok and "full disks would not all fit" in many.detail and "--disk " in many.fix
    assert many.blocking == (10_000 * capacity.SEAT_DISK_MB > _free())
    assert _by_subject(1)["classroom disk"].ok


def _free() -> int:
    from grader.infra import places
    from grader.server import capacity

    return capacity.free_mb(places.SEATS.path())


def test_no_number_of_students_is_refused():
    with pytest.raises(InvalidInput, match="is not a number of students"):
        readiness.findings(0)


def test_doctor_classroom_prints_the_findings_and_fails_when_the_machine_falls_short(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")  # only what is asked

    class Out:
        text = ""

        def write(self, text):
            Out.text += text

        def flush(self):
            pass

    status = cli.main(["doctor", "--classroom", "1000000"], Out(), Out())
    assert status == cli.ExitStatus.NOT_READY
    assert "classroom memory: 1000000 students need about" in Out.text
    assert "  fix: Give the machine" in Out.text
