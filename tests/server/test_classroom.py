"""``grader classroom start|stop``: real JupyterHub, real Unix users, a real rootless engine per
student, real kernels; two students side by side, and what one can reach of the other."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

from grader import cli
from grader.infra import places
from grader.infra.net import free_port
from grader.infra.wait import wait_until
from grader.isolation import sandbox
from grader.isolation.seats import Seat
from grader.server import control
from grader.server.client import Person
from grader.server.spawner import COURSE_ID, ENGINE_WATCH_SECONDS
from tests.grading.answers import CRAFTED
from tests.grading.course import fill
from tests.server.conftest import Said, own_classroom

pytestmark = [
    pytest.mark.docker,
    pytest.mark.classroom_server,
    # Students' users and rootless engines need what grading sandboxes need (root, Linux, ...).
    pytest.mark.skipif(not sandbox.support()[0], reason=f"no seats here: {sandbox.support()[1]}"),
]

ROSTER = "username,password\nsrvalice,alice pw 1\nsrvbob12,bob-pw-22\nsrvteach,teach,instructor\n"
STUDENTS = ("srvalice", "srvbob12")


@pytest.fixture(scope="module")
def where(tmp_path_factory):
    """The classroom's state and seats in folders of the test's own."""
    root = tmp_path_factory.mktemp("classroom")
    with own_classroom(root, ROSTER, (*STUDENTS, "srvteach")) as roster:
        yield roster


@pytest.fixture(scope="module")
def classroom(where):
    port = free_port()
    url = control.start(where, port, log=lambda _: None)
    yield url, port


def _fails_before_anything_starts(roster_text: str, tmp_path, port: int | None = None):
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text)
    out, err = Said(), Said()
    args = ["classroom", "start", "--roster", str(roster), "--port", str(port or free_port())]
    status = cli.main(args, out=out, err=err)
    assert status == cli.ExitStatus.NOT_READY
    assert not (places.CLASSROOM.path() / "jupyterhub.pid").exists()
    return err.text


def test_bad_rosters_and_a_taken_port_stop_it_before_anything_starts(where, tmp_path):
    said = _fails_before_anything_starts("srvcarol1,pw\nsrvcarol1,again\nBad-Name,x\n", tmp_path)
    assert "already on line 1" in said and "'Bad-Name' is not a valid" in said
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        said = _fails_before_anything_starts("srvcarol1,pw\n", tmp_path, taken.getsockname()[1])
    assert "is already taken" in said
    said = _fails_before_anything_starts("daemon,pw\n", tmp_path)  # Debian's own user
    assert "already has a user 'daemon' that the course did not make" in said
    for username in ("srvcarol1",):
        assert subprocess.run(["id", username], capture_output=True).returncode != 0


def test_an_engine_killed_before_leaves_no_pid_files_that_keep_the_seat_from_starting(where):
    """Pid files left by an engine that was killed (or by an earlier user of the same uid),
    naming a process that runs now (pids come round again on a busy machine): dockerd would
    refuse to start ("pid file found"), or wait for a containerd that is not there ("timeout
    waiting for containerd to start"), and the seat with it."""
    seat = Seat("srvteach")
    seat.ensure_user()
    containerd = seat.runtime / "docker" / "containerd"
    containerd.mkdir(parents=True, exist_ok=True)
    for left in (seat.runtime / "docker.pid", containerd / "containerd.pid"):
        left.write_text(str(os.getpid()))  # a process that runs: this one
    for path in (seat.runtime, seat.runtime / "docker.pid", containerd.parent, containerd,
                 *containerd.iterdir()):  # fmt: skip
        os.chown(path, seat.uid, seat.gid)  # the seat's, as the engine left them
    try:
        assert seat.ready() is True
        assert seat.engine_running() and seat.engine_answers()
    finally:
        seat.stop()


def test_a_wrong_password_is_refused(classroom):
    url, _ = classroom
    assert Person(url, "srvalice", "alice pw 2").signed_in.status_code == 403
    assert Person(url, "nobody12", "x").signed_in.status_code == 403


SEAT_FACTS = """
import json, os, subprocess
def docker(*args, host=None):
    env = dict(os.environ, **({"DOCKER_HOST": host} if host else {}))
    done = subprocess.run(["docker", *args], capture_output=True, text=True, env=env)
    return done.returncode, (done.stdout + done.stderr)[-300:]
print(json.dumps({
    "uid": os.getuid(),
    "docker_host": os.environ.get("DOCKER_HOST"),
    "info": docker("info", "--format", "{{.SecurityOptions}}"),
    "images": docker("images", "--format", "{{.Repository}}")[1].split(),
    "homes": sorted(os.listdir("/home")),
    "host_engine": docker("info", host="unix:///var/run/docker.sock"),
    "other_engine": docker("info", host="unix:///run/user/OTHER_UID/docker.sock"),
}))
"""


def facts(person: Person, other: str) -> dict:
    code = SEAT_FACTS.replace("OTHER_UID", str(Seat(other).uid))
    printed = person.run(code)
    return json.loads(printed.strip().splitlines()[-1])


def test_each_student_works_in_a_seat_of_their_own(classroom):
    url, _ = classroom
    alice = Person(url, "srvalice", "alice pw 1")
    bob = Person(url, "srvbob12", "bob-pw-22")
    for person in (alice, bob):
        person.wait_for_server()
    seen = facts(alice, other="srvbob12")
    assert seen["uid"] == Seat("srvalice").uid != 0
    assert seen["docker_host"] == Seat("srvalice").docker_host
    assert seen["info"][0] == 0 and "rootless" in seen["info"][1]
    assert "publishing-course/registry" in " ".join(seen["images"])
    assert seen["homes"] == ["srvalice"]  # nobody else's home, not even its name
    assert seen["host_engine"][0] != 0  # the host's engine is out of reach
    assert seen["other_engine"][0] != 0  # and so is the other student's
    assert facts(bob, other="srvalice")["uid"] == Seat("srvbob12").uid
    # The seat's limits hold the student's server (and so their kernels) and their engine.
    seat = Seat("srvalice")
    held = set()
    for path in seat.cgroup_paths():
        held |= {int(pid) for pid in (path / "cgroup.procs").read_text().split()}
        for name, want in (
            ("memory.max", seat.limits.memory_mb << 20),
            ("memory.limit_in_bytes", seat.limits.memory_mb << 20),
            ("pids.max", seat.limits.processes),
            ("cpu.max", 100_000),  # one core by default: "100000 100000"
            ("cpu.cfs_quota_us", 100_000),
        ):
            if (path / name).exists():
                assert int((path / name).read_text().split()[0]) == want, name
    disk = os.statvfs(seat.data_root)  # the engine's data: a file system of its own
    assert os.path.ismount(seat.data_root)
    assert 0.9 * seat.limits.disk_mb < disk.f_blocks * disk.f_frsize / 2**20 <= seat.limits.disk_mb
    server = [p for p in seat.processes() if b"jupyterhub-singleuser" in _cmdline(p)]
    engine = [p for p in seat.processes() if b"dockerd" in _cmdline(p)]
    assert server and engine and set(server + engine) <= held


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


LESSON_04 = """
import json, subprocess
from grader import Lab
lab = Lab.start("srvalice", persistent=True)
run = lambda line: subprocess.run(line, shell=True, capture_output=True, text=True)
run(f"docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}")
run(f"docker tag my-flask-app:v1 {lab.image()}")
pushed = run(f"docker push {lab.image()}")
print(json.dumps({"port": int(lab.registry.rsplit(":", 1)[1]), "hub_port": int(lab.hub_url.rsplit(":", 1)[1]),
                  "page": lab.hub_page(f"/r/{lab.username}/my-flask-app"),
                  "push": lab.check("push").passed, "pushed": pushed.stdout[-200:]}))
"""

REACH = """
import requests
try:
    print(requests.get("http://127.0.0.1:PORT/v2/", timeout=3).status_code)
except requests.exceptions.ConnectionError:
    print("unreachable")
"""


def test_a_students_registry_and_hub_pages_are_theirs_alone(classroom):
    url, _ = classroom
    alice = Person(url, "srvalice", "alice pw 1")
    bob = Person(url, "srvbob12", "bob-pw-22")
    alice.wait_for_server()
    done = json.loads(alice.run(LESSON_04).strip().splitlines()[-1])
    assert done["push"], done["pushed"]
    for port in (done["port"], done["hub_port"]):  # nothing of it listens on the host
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert bob.run(REACH.replace("PORT", str(done["port"]))).strip() == "unreachable"
    assert done["page"].startswith("/user/srvalice/proxy/absolute/")
    page = alice.get(done["page"])
    assert page.status_code == 200 and "my-flask-app" in page.text
    assert bob.get(done["page"], allow_redirects=False).status_code in (302, 403)


NBGRADER = """
import subprocess, sys
done = subprocess.run([sys.executable, "-m", "nbgrader", ARGS], cwd=FOLDER, capture_output=True, text=True)
print(done.returncode, (done.stdout + done.stderr)[-600:])
"""


def nbgrader(person: Person, folder: str, *args: str) -> str:
    code = NBGRADER.replace("ARGS", ", ".join(map(repr, args))).replace("FOLDER", repr(folder))
    said = person.run(code)
    assert said.startswith("0 "), said
    return said


def test_a_lab_goes_out_is_handed_in_graded_and_comes_back(classroom):
    url, _ = classroom
    teacher = Person(url, "srvteach", "teach")
    alice = Person(url, "srvalice", "alice pw 1")
    for person in (teacher, alice):
        person.wait_for_server()
    # nbgrader's instructor tools (the formgrader) show in the instructor's JupyterLab only.
    for person, shows in ((teacher, True), (alice, False)):
        page = person.get(f"/user/{person.username}/lab").text
        config = json.loads(page.split('id="jupyter-config-data"', 1)[1].split(">", 1)[1]
                            .split("</script>", 1)[0])  # fmt: skip
        hidden = config.get("disabledExtensions") or []
        hidden = [k for k, v in hidden.items() if v] if isinstance(hidden, dict) else hidden
        assert ("@jupyter/nbgrader:formgrader" not in hidden) is shows, hidden
    course = str(Seat("srvteach").home / "course")
    nbgrader(teacher, course, "release_assignment", "lab1-publish")
    home = Seat("srvalice").home
    nbgrader(alice, str(home), "fetch_assignment", "lab1-publish", "--course", COURSE_ID)
    fetched = home / "lab1-publish" / "lab1-publish.ipynb"  # nbgrader's default: no course
    _, answers, score, _ = CRAFTED["seed"]
    answers = {k: v.replace("john123", "srvalice") for k, v in answers.items()}
    fetched.write_text(json.dumps(fill(json.loads(fetched.read_text()), answers)))
    nbgrader(alice, str(home), "submit", "lab1-publish", "--course", COURSE_ID)
    nbgrader(teacher, course, "collect", "lab1-publish")

    results = control.grade("lab1-publish", log=lambda _: None)
    assert [(g.submission.student, g.status, g.score) for g in results] == [
        ("srvalice", "graded", score)
    ]
    assert Path(course, "gradebook.db").stat().st_uid == Seat("srvteach").uid
    # Generated, not released: the student finds nothing until the instructor releases it.
    code = NBGRADER.replace("ARGS", ", ".join(map(repr, ["fetch_feedback", "lab1-publish",
                            "--course", COURSE_ID]))).replace("FOLDER", repr(str(home)))  # fmt: skip
    assert not alice.run(code).startswith("0 ")
    control.release("lab1-publish", log=lambda _: None)
    said = nbgrader(alice, str(home), "fetch_feedback", "lab1-publish", "--course", COURSE_ID)
    reports = list((home / "lab1-publish" / "feedback").rglob("*.html"))
    assert reports, said
    assert (
        f"Score: {score:.1f}" in reports[0].read_text()
        or f"{score:.1f} / " in reports[0].read_text()
    )


def _server_pid(username: str) -> int | None:
    found = [p for p in Seat(username).processes() if b"jupyterhub-singleuser" in _cmdline(p)]
    return min(found) if found else None


def test_a_busy_engine_is_waited_for_never_restarted_or_started_twice(classroom):
    """An engine that answers nothing for a while (frozen here, as a loaded machine can keep one
    from answering a ping for seconds) is neither restarted by the watchdog nor started a
    second time by a seat's start (which once stopped the seat, the first engine with it)."""
    url, _ = classroom
    bob = Person(url, "srvbob12", "bob-pw-22")
    bob.wait_for_server()
    seat, server = Seat("srvbob12"), _server_pid("srvbob12")
    engines = [p for p in seat.processes() if _cmdline(p).startswith(b"dockerd\0")]
    assert engines and seat.engine_running()
    for pid in engines:
        os.kill(pid, signal.SIGSTOP)
    thaw = threading.Timer(
        4 * ENGINE_WATCH_SECONDS, lambda: [os.kill(p, signal.SIGCONT) for p in engines]
    )
    thaw.start()
    try:
        assert not seat.engine_answers()  # frozen: no answer, as a ping under load
        assert seat.ready(timeout=60) is False  # waited for the engine that runs
    finally:
        thaw.join()
    time.sleep(2 * ENGINE_WATCH_SECONDS)  # the watchdog looks again after the thaw
    assert [p for p in seat.processes() if _cmdline(p).startswith(b"dockerd\0")] == engines
    assert _server_pid("srvbob12") == server
    assert bob.get("/user/srvbob12/api/status").status_code == 200


def test_a_students_engine_that_dies_comes_back_by_itself_with_their_push(classroom):
    url, _ = classroom
    alice, bob = Person(url, "srvalice", "alice pw 1"), Person(url, "srvbob12", "bob-pw-22")
    for person in (alice, bob):
        person.wait_for_server()
    seat = Seat("srvalice")
    assert seat.engine_answers()
    before, bobs = _server_pid("srvalice"), _server_pid("srvbob12")
    engines = [p for p in seat.processes() if _cmdline(p).startswith(b"dockerd\0")]
    assert engines
    for pid in engines:
        os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
    status = "/user/srvalice/api/status"
    back = wait_until(
        lambda: (
            seat.engine_answers()
            and _server_pid("srvalice") not in (None, before)
            and alice.get(status).status_code == 200
        ),
        120,
        interval=0.5,
    )
    assert back, "her seat did not come back by itself"
    again = alice.run(
        "from grader import Lab\n"
        "lab = Lab.start('srvalice', persistent=True)\n"
        "print(lab.check('push').passed)\n"
    )
    assert again.strip().splitlines()[-1] == "True"  # her push, still in her registry
    assert _server_pid("srvbob12") == bobs  # nobody else noticed


def _roster_json() -> bytes:
    return (places.CLASSROOM.path() / "roster.json").read_bytes()


def _cli(*args: str) -> tuple[int, str]:
    said = Said()
    return cli.main(["classroom", *args], out=said, err=said), said.text


def test_the_roster_changes_while_the_class_runs_and_nobody_signed_in_notices(classroom, tmp_path):
    url, _ = classroom
    alice = Person(url, "srvalice", "alice pw 1")
    alice.wait_for_server()
    kernels = f"{url}/user/srvalice/api/kernels"
    auth = {"Authorization": f"token {alice.token}"}
    kernel = requests.post(kernels, headers=auth, json={"name": "python3"}, timeout=60).json()
    added = tmp_path / "added.csv"
    try:
        # new: srvcarol1; changed: bob's password; the same: alice (left as she is)
        added.write_text("srvalice,alice pw 1\nsrvcarol1,carol pw\nsrvbob12,bob new pw\n")
        status, said = _cli("add", "--roster", str(added))
        assert status == cli.ExitStatus.OK, said
        assert "added: srvcarol1" in said and "updated: srvbob12" in said
        assert "unchanged: srvalice" in said
        assert requests.get(f"{kernels}/{kernel['id']}", headers=auth, timeout=30).ok
        assert Person(url, "srvbob12", "bob-pw-22").signed_in.status_code == 403
        assert Person(url, "srvbob12", "bob new pw").signed_in.status_code == 302
        carol = Person(url, "srvcarol1", "carol pw")
        assert carol.signed_in.status_code == 302
        carol.wait_for_server()
        assert "hello" in carol.run("open('notes.txt', 'w').write('hello'); print('hello')")
        seat = Seat("srvcarol1")
        home, disk, uid = seat.home, seat.disk_image, seat.uid
        assert disk.exists() and os.path.ismount(seat.data_root)

        # bad input: nothing changes
        before = _roster_json()
        added.write_text("srvdave12,pw\nsrvdave12,again\n")
        status, said = _cli("add", "--roster", str(added))
        assert status == cli.ExitStatus.NOT_READY and "already on line 1" in said
        status, said = _cli("forget", "srvnobody")
        assert (
            status == cli.ExitStatus.NOT_READY and "'srvnobody' is not on the classroom's" in said
        )
        kept = tmp_path / "kept"
        (kept / "srvcarol1").mkdir(parents=True)
        status, said = _cli("forget", "srvcarol1", "--keep-work", str(kept))
        assert status == cli.ExitStatus.NOT_READY and "exists already" in said
        assert _roster_json() == before and carol.get("/user/srvcarol1/api/status").ok
        (kept / "srvcarol1").rmdir()

        status, said = _cli("forget", "srvcarol1", "--keep-work", str(kept))
        assert status == cli.ExitStatus.OK, said
        assert (kept / "srvcarol1" / "notes.txt").read_text() == "hello"
        assert (kept / "srvcarol1" / "lessons" / "04-push.ipynb").exists()
        assert subprocess.run(["id", "srvcarol1"], capture_output=True).returncode != 0
        assert not home.exists() and not disk.exists() and not seat.state.exists()
        assert not [p for p in psutil.process_iter(["uids"]) if p.info["uids"].real == uid]
        with open("/proc/mounts") as mounts:
            assert str(home) not in mounts.read()
        assert Person(url, "srvcarol1", "carol pw").signed_in.status_code == 403
        assert "srvcarol1" not in _roster_json().decode()
        assert requests.get(f"{kernels}/{kernel['id']}", headers=auth, timeout=30).ok
    finally:
        added.write_text("srvbob12,bob-pw-22\n")
        _cli("add", "--roster", str(added))
        subprocess.run(["userdel", "--remove", "srvcarol1"], capture_output=True)
        requests.delete(f"{kernels}/{kernel['id']}", headers=auth, timeout=30)


def test_stopping_leaves_nothing_a_backup_comes_back_and_starting_again_keeps_the_work(
    classroom, where, tmp_path
):
    url, port = classroom
    alice_home, gradebook = Seat("srvalice").home, Seat("srvteach").home / "course" / "gradebook.db"
    notes = alice_home / "notes.txt"
    notes.write_text("mine")
    os.chown(notes, Seat("srvalice").uid, Seat("srvalice").gid)
    status, said = _cli("backup", str(tmp_path / "backup"))  # while the class runs
    assert status == cli.ExitStatus.OK, said
    status, said = _cli("restore", str(tmp_path / "backup"))
    assert status == cli.ExitStatus.NOT_READY and "Stop it first" in said
    graded = gradebook.exists()
    control.stop(log=lambda _: None)
    for username in STUDENTS:
        assert Seat(username).processes() == set()
        assert not Seat(username).netns_file.exists()
        assert not os.path.ismount(Seat(username).data_root)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert not (places.CLASSROOM.path() / "jupyterhub.pid").exists()
    with open("/proc/mounts") as mounts:
        assert str(places.SEATS.path()) not in mounts.read()

    notes.unlink()  # lost, and brought back by the backup
    gradebook.unlink(missing_ok=True)
    status, said = _cli("restore", str(tmp_path / "backup"))
    assert status == cli.ExitStatus.OK, said
    assert notes.read_text() == "mine" and notes.stat().st_uid == Seat("srvalice").uid
    assert gradebook.exists() == graded
    status, said = _cli("start")  # as it last started (a systemd unit's command, at boot)
    assert status == cli.ExitStatus.OK and f"Students sign in at {url}" in said, said
    alice = Person(url, "srvalice", "alice pw 1")
    alice.wait_for_server()
    again = alice.run(
        "from grader import Lab\n"
        "lab = Lab.start('srvalice', persistent=True)\n"
        "print(lab.check('push').passed)\n"
    )
    assert again.strip().splitlines()[-1] == "True"  # the same registry, still holding the push
    assert (Path(Seat("srvalice").home) / "lessons" / "04-push.ipynb").exists()
    assert os.stat(Seat("srvalice").home).st_mode & 0o077 == 0
