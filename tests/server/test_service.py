"""grader.server.service: the systemd unit that starts the classroom at boot as it last
started (systemd itself does not run here: its own verifier reads the unit)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import cli
from grader.server import service


def test_the_unit_starts_the_class_as_it_last_started_and_stops_it(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_STATE_ROOT", str(tmp_path / "state"))
    text = service.unit()
    grader = Path(sys.executable).parent / "grader"
    lines = text.splitlines()
    assert f"ExecStart={grader} classroom start" in lines  # no --roster: as it last started
    assert f"ExecStop={grader} classroom stop" in lines
    assert f"Environment=COURSE_STATE_ROOT={tmp_path / 'state'}" in lines
    assert "WantedBy=multi-user.target" in lines and "RemainAfterExit=yes" in lines


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_systemd_reads_the_unit_without_a_complaint(tmp_path):
    out = tmp_path / service.NAME
    with open(out, "w") as handle:
        assert cli.main(["classroom", "unit"], out=handle, err=handle) == cli.ExitStatus.OK
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(out)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
