import io
import subprocess
import sys

import pytest

from grader.cli import ExitStatus, main
from tests.conftest import port_5000_taken

pytestmark = pytest.mark.docker


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    return main(list(args), out=out, err=err), out.getvalue(), err.getvalue()


def test_doctor_reports_engine_images_and_readiness():
    status, out, _ = run("doctor")
    assert status == ExitStatus.OK
    assert out.startswith("engine: Docker ")
    for role in ("registry", "base", "app"):
        assert f"image {role}: " in out
    assert "docker hub: " in out and "ready: the course can run" in out


def test_doctor_says_the_engines_image_store_builder_and_port(engine):
    _, out, _ = run("doctor")
    info = engine.info
    assert f"engine: Docker {info.version} answers ({info.platform})" in out
    store = "the containerd image store" if info.containerd_store else "the classic image store"
    assert f"image store: {store}" in out
    assert ("uses BuildKit" if info.builder == "BuildKit" else "uses the legacy builder") in out
    assert "port 5000: " in out
    assert "docker CLI: /" in out


def test_doctor_without_the_docker_cli_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # the engine answers; no docker client on PATH
    status, out, _ = run("doctor")
    assert status == ExitStatus.NOT_READY
    assert "docker CLI: NOT FOUND on PATH" in out and "fix: Install the docker client" in out


def test_doctor_says_when_port_5000_is_taken_and_which_port_the_run_step_uses():
    with port_5000_taken():
        _, out, _ = run("doctor")
    line = next(line for line in out.splitlines() if line.startswith("port 5000: "))
    assert "Port 5000 is taken on this machine (on macOS, the AirPlay Receiver" in line
    port = int(line.split("publishes the app on port ")[1].split()[0])
    assert port != 5000 and f"-p {port}:5000" in line
    assert "ready: the course can run" in out  # a taken port does not stop the course


def test_doctor_without_an_engine_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/none.sock")
    status, out, _ = run("doctor")
    assert status == ExitStatus.NOT_READY
    assert "engine: NOT REACHABLE" in out and "fix: Start a Docker engine" in out
    assert "Traceback" not in out


def test_images_says_which_path_it_took():
    status, out, _ = run("images")
    assert status == ExitStatus.OK
    assert "images: my-flask-app:v1 is present" in out
    assert "images ready: registry=" in out


def test_images_without_an_engine_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/none.sock")
    status, _, err = run("images")
    assert status == ExitStatus.NOT_READY
    assert "fix: Start a Docker engine" in err


def test_usage_errors_exit_2():
    assert run("deploy")[0] == ExitStatus.USAGE
    assert run()[0] == ExitStatus.USAGE


def test_the_entry_point_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "grader", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "doctor" in done.stdout


def test_grade_without_submissions_says_where_to_collect_them(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    assert main(["grade", "--course-dir", str(tmp_path)], out=out, err=err) == ExitStatus.NOT_READY
    assert "submitted does not exist" in err.getvalue() and "nbgrader collect" in err.getvalue()
