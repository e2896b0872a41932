"""grader.server.capacity: a seat's limits from ``start``'s options, checked against the
machine before anything starts."""

from __future__ import annotations

import os

import psutil
import pytest

from grader import cli
from grader.errors import InvalidInput
from grader.isolation.rootless import Limits
from grader.isolation.seats import DEFAULT_LIMITS
from grader.server import capacity
from tests.server.conftest import Said


@pytest.mark.parametrize(
    "text, mb",
    [("2G", 2048), ("1.5g", 1536), ("512M", 512), ("4096", 4096), ("3GiB", 3072), (" 8 gb ", 8192)],
)
def test_sizes_are_read_in_megabytes(text, mb):
    assert capacity.size_mb(text, "--memory") == mb


@pytest.mark.parametrize("text", ["", "lots", "2T", "-1G", "2 G B", "1e3"])
def test_what_is_no_size_is_refused(text):
    with pytest.raises(InvalidInput, match="is not a size") as refused:
        capacity.size_mb(text, "--disk")
    assert "--disk 2G" in refused.value.fix


def test_options_not_given_keep_the_defaults():
    assert capacity.limits() == DEFAULT_LIMITS
    chosen = capacity.limits(memory="3G", cpus=0.5)
    assert chosen == Limits(3072, DEFAULT_LIMITS.processes, DEFAULT_LIMITS.disk_mb, 0.5)


def test_the_defaults_fit_this_machine(tmp_path):
    capacity.check(DEFAULT_LIMITS, tmp_path / "seats")  # raises if not


def test_limits_the_machine_cannot_give_are_each_named_with_what_it_has(tmp_path):
    total = psutil.virtual_memory().total >> 20
    cores = os.cpu_count()
    too_much = Limits(memory_mb=total + 1, processes=10**9, disk_mb=10**9, cpus=cores + 1)
    with pytest.raises(InvalidInput) as refused:
        capacity.check(too_much, tmp_path / "not" / "made")
    said = refused.value.message
    assert (
        f"--memory {total + 1} MB is more than one seat can get: this machine has {total} MB"
        in said
    )
    assert f"--cpus {cores + 1} is more than one seat can get: this machine has {cores}" in said
    assert "--processes 1000000000 is more than one seat can get: the kernel's pid_max is" in said
    assert f"--disk 1000000000 MB is more than one seat can get: free below {tmp_path}" in said
    assert "nothing was started" in said
    with pytest.raises(InvalidInput) as refused:
        capacity.check(Limits(memory_mb=100, processes=10, disk_mb=100, cpus=0), tmp_path)
    assert refused.value.message.count("is below what a seat needs") == 4


def test_start_refuses_limits_the_machine_cannot_give_before_anything_is_made(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("COURSE_STATE_ROOT", str(tmp_path / "state"))
    roster = tmp_path / "roster.csv"
    roster.write_text("capalice,pw\n")
    said = Said()
    args = ["classroom", "start", "--roster", str(roster), "--port", "1", "--cpus", "999"]
    args[-3] = str(_free_port())
    assert cli.main(args, said, said) == cli.ExitStatus.NOT_READY
    assert "--cpus 999 is more than one seat can get" in said.text
    assert not (tmp_path / "state").exists()
    said = Said()
    assert cli.main([*args[:-2], "--memory", "lots"], said, said) == cli.ExitStatus.NOT_READY
    assert "--memory 'lots' is not a size" in said.text
    said = Said()
    assert cli.main([*args[:-2], "--max-students", "0"], said, said) == cli.ExitStatus.NOT_READY
    assert "--max-students 0 is below one" in said.text
    assert not (tmp_path / "state").exists()


def test_the_machine_holds_as_many_seats_as_its_memory_beside_the_hub():
    total = psutil.virtual_memory().total >> 20
    held = capacity.seats_held()
    assert held == (total - capacity.HOST_MEMORY_MB) // capacity.SEAT_MEMORY_MB
    small = Limits(memory_mb=256, processes=512, disk_mb=8192, cpus=1)  # a seat capped lower
    assert capacity.seats_held(small) == (total - capacity.HOST_MEMORY_MB) // 256


def _free_port() -> int:
    from grader.infra.net import free_port

    return free_port()
