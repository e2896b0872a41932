"""grader.isolation.rootless: what sandboxes and seats share, on real processes and the host's
real cgroup file system (no engine needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.isolation import rootless

STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(60)"


def _alive(processes: list[subprocess.Popen]) -> set[int]:
    return {p.pid for p in processes if p.poll() is None}


def test_kill_all_ends_every_process_found_and_says_how_many():
    children = [subprocess.Popen(["sleep", "60"]) for _ in range(3)]
    try:
        assert rootless.kill_all(lambda: _alive(children), grace=2) == 3
        assert _alive(children) == set()
        assert all(p.returncode == -15 for p in children)  # asked politely, and it was enough
    finally:
        for p in children:
            p.kill()


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period():
    stubborn = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE)
    try:
        stubborn.stdout.readline()  # its handler is in place
        started = time.monotonic()
        assert rootless.kill_all(lambda: _alive([stubborn]), grace=0.3) == 1
        assert stubborn.wait(5) == -9
        assert time.monotonic() - started >= 0.3
    finally:
        stubborn.kill()


def test_kill_all_never_kills_the_caller():
    assert rootless.kill_all(lambda: {os.getpid()}) == 0


def test_cgroup_settings_name_the_limits_for_the_hosts_cgroup_version():
    limits = rootless.Limits(memory_mb=512, processes=64, cpus=1.5)
    found = rootless.cgroup_settings(limits)
    unlimited = rootless.cgroup_settings(rootless.Limits())
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        want = {"memory.max": 512 << 20, "pids.max": 64, "cpu.max": "150000 100000"}
        assert found == {Path("/sys/fs/cgroup"): want}
        assert unlimited[Path("/sys/fs/cgroup")]["cpu.max"] == "max 100000"
    else:
        assert found.get(Path("/sys/fs/cgroup/memory"), {}).get("memory.limit_in_bytes") in (
            512 << 20,
            None,
        )
        if Path("/sys/fs/cgroup/cpu").is_dir():
            cpu = Path("/sys/fs/cgroup/cpu")
            assert found[cpu] == {"cpu.cfs_period_us": 100_000, "cpu.cfs_quota_us": 150_000}
            assert unlimited[cpu]["cpu.cfs_quota_us"] == -1
        assert all(str(folder).startswith("/sys/fs/cgroup/") for folder in found)
    paths = rootless.cgroup_paths("seat-ann")
    assert [p.relative_to(folder) for p, folder in zip(paths, found, strict=True)] == [
        Path("publishing-course/seat-ann")
    ] * len(found)


def test_an_engine_that_cannot_start_says_so_with_its_log(tmp_path, monkeypatch):
    """A start script that exits at once (here: one that is not there) is reported with the
    log's tail and the fix, not waited for until the timeout."""
    monkeypatch.setenv("COURSE_DOCKERD_ROOTLESS", str(tmp_path / "no-such-dockerd-rootless.sh"))
    spec = rootless.EngineSpec(
        uid=os.getuid(),
        gid=os.getgid(),
        home=tmp_path,
        runtime=tmp_path,
        data_root=tmp_path / "data",
        hosts=(f"unix://{tmp_path}/docker.sock",),
        log=tmp_path / "engine.log",
        cgroups=(),
        whose="The test's",
    )
    started_with = []
    began = time.monotonic()
    try:
        rootless.start_engine(spec, lambda: False, timeout=30, started=started_with.append)
    except SandboxUnavailable as error:
        assert "The test's rootless Docker engine did not start" in error.message
        assert "no-such-dockerd-rootless.sh" in error.message  # the log's tail
        assert "grader doctor" in error.fix
    else:
        raise AssertionError("no error")
    assert len(started_with) == 1 and time.monotonic() - began < 10
