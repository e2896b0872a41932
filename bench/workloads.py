"""The workloads behind each figure. Each returns rows for the table: what we measured, its
baseline measured in the same run, their ratio, the goal and whether it was met."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests
from testcontainers.community.registry import DockerRegistryContainer

from grader import Lab
from grader.checks import CHECKS
from grader.hub.containers import ClassroomRegistry
from grader.infra import images
from grader.infra.engine import Engine
from grader.infra.net import first_answering, free_port
from grader.infra.wait import wait_until

from . import classpage
from .util import median, p95, remove, scratch, timed

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Size:
    push_tiny: int
    push_app: int
    check_calls: int
    starts: int
    grade_one: int
    class_size: int
    students: int = 1
    """Students on the classroom server at once (the concurrency figure needs two or more)."""
    arrivals: tuple[int, ...] = (2,)
    """Classes arriving at once, each with its seats started ahead (``start --warm N``)."""

    @classmethod
    def full(cls) -> Size:
        return cls(
            push_tiny=5, push_app=2, check_calls=40, starts=5, grade_one=2, class_size=20,
            students=10, arrivals=(1, 10, 30),
        )  # fmt: skip

    @classmethod
    def tiny(cls) -> Size:
        return cls(push_tiny=1, push_app=0, check_calls=3, starts=1, grade_one=1, class_size=2)


def _row(figure, ours, baseline, ratio, goal, met, **detail) -> dict:
    return {
        "figure": figure,
        "ours": ours,
        "baseline": baseline,
        "ratio": ratio,
        "goal": goal,
        "met": met,
        **detail,
    }


def docker(*args: str, env: dict | None = None, input: str | None = None) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, env=env, input=input)
    if done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


# 1. push with login ---------------------------------------------------------------------------


def tiny_image(engine: Engine) -> str:
    """A few MB of random bytes (they do not compress) in a FROM scratch image."""
    ref = "bench-tiny:1"
    if engine.image(ref) is None:
        folder = scratch()
        (folder / "payload").write_bytes(os.urandom(3 * 1024 * 1024))
        (folder / "Dockerfile").write_text("FROM scratch\nCOPY payload /payload\n")
        engine.build(str(folder), ref)
        remove(folder)
    return ref


def _push_once(kind: str, image: str, registry_image: str) -> float:
    user, secret = "bench1", "dckr_pat_" + secrets.token_hex(12)
    config = scratch()
    env = {**os.environ, "DOCKER_CONFIG": str(config)}
    if kind == "classroom":  # token auth: the hub's token service, as on Docker Hub
        registry = ClassroomRegistry(
            registry_image, {"org.publishing-course.bench": "1"}, hub_image=images.HUB_IMAGE
        ).start()
        registry.set_account(user, secrets.token_urlsafe(12))
        secret = registry.course_token(user, "bench", "repo:write")  # logs in with a token
        port = registry.host_port
    elif kind == "stock":
        registry = DockerRegistryContainer(image=registry_image, username=user, password=secret)
        registry.with_kwargs(labels={"org.publishing-course.bench": "1"})
        registry.start()
        port = registry.get_exposed_port(5000)
    else:
        registry = DockerRegistryContainer(image=registry_image)
        registry.with_kwargs(labels={"org.publishing-course.bench": "1"})
        registry.start()
        port = registry.get_exposed_port(5000)
    first_answering([f"http://127.0.0.1:{port}/v2/"], deadline=30)
    target = f"localhost:{port}/{user}/bench:1"
    try:
        if kind != "floor":
            docker(
                "login", f"localhost:{port}", "-u", user, "--password-stdin", env=env, input=secret
            )
        docker("tag", image, target)
        return timed(docker, "push", target, env=env)
    finally:
        subprocess.run(["docker", "rmi", target], capture_output=True)
        registry.stop()
        if kind == "classroom":
            registry.hub.stop()
        remove(config)


def push_with_login(size: Size) -> list[dict]:
    engine = Engine.connect()
    course = images.ensure(engine, log=lambda _: None)
    rows = []
    for label, image, repeats in (
        ("tiny image (3 MB)", tiny_image(engine), size.push_tiny),
        ("my-flask-app:v1", "my-flask-app:v1", size.push_app),
    ):
        if repeats == 0:
            continue
        times = {"classroom": [], "stock": [], "floor": []}
        for _ in range(repeats):  # alternate, so drift hits all three alike
            for kind in times:
                times[kind].append(_push_once(kind, image, course.registry))
        ours, stock, floor = (median(times[k]) for k in ("classroom", "stock", "floor"))
        speedup = stock / ours
        rows.append(
            _row(
                f"push {label}: classroom vs stock login",
                f"{ours:.2f} s",
                f"{stock:.2f} s",
                speedup,
                ">= 10x faster (tiny)" if "tiny" in label else "faster",
                speedup >= 10 if "tiny" in label else speedup >= 1,
                samples=times,
            )  # fmt: skip
        )
        rows.append(
            _row(
                f"push {label}: classroom vs no login",
                f"{ours:.2f} s",
                f"{floor:.2f} s",
                ours / floor,
                "<= 1.2x of the floor",
                ours / floor <= 1.2,
            )  # fmt: skip
        )
    return rows


# 2. check latency -----------------------------------------------------------------------------


def check_latency(size: Size) -> list[dict]:
    with Lab.start(username="bench1") as lab:
        docker("login", lab.registry, "-u", lab.username, "--password-stdin", input=lab.token)
        docker("tag", lab.source(), lab.image())
        docker("push", lab.image())
        docker("rmi", lab.image(), lab.source())
        docker("pull", lab.image())
        docker("tag", lab.image(), lab.source())
        docker("run", "-d", "-p", "127.0.0.1::5000", lab.image())
        docker("tag", lab.source(), lab.image("v1.0.0"))
        docker("push", lab.image("v1.0.0"))
        manifest = lab.registry_api.manifest(f"{lab.username}/my-flask-app", "v1")
        answers = {"verify": {"digest": manifest.digest, "size": manifest.size}}
        lab.check("run")  # the app is up before timing starts
        per_check, everything = {}, []
        for check in CHECKS:
            samples = []
            for _ in range(size.check_calls):  # the whole call, as a student waits for it
                started = time.perf_counter()
                result = lab.check(check.name, **answers.get(check.name, {}))
                samples.append(time.perf_counter() - started)
            per_check[check.name] = {
                "median_ms": round(median(samples) * 1000, 1),
                "p95_ms": round(p95(samples) * 1000, 1),
                "passed": result.passed,
            }
            everything += samples
    overall = median(everything) * 1000
    slowest = max(per_check, key=lambda n: per_check[n]["median_ms"])
    return [
        _row(
            "check latency: median over all checks",
            f"{overall:.1f} ms",
            f"p95 {p95(everything) * 1000:.1f} ms",
            None,
            "median < 50 ms",
            overall < 50,
            per_check=per_check,
            slowest=slowest,
        )  # fmt: skip
    ] + [
        _row(
            f"  check {name}",
            f"{v['median_ms']} ms",
            f"p95 {v['p95_ms']} ms",
            None,
            "median < 50 ms",
            v["median_ms"] < 50,
        )  # fmt: skip
        for name, v in per_check.items()
    ]


# 3. lab start ---------------------------------------------------------------------------------


def _bare_registry(image: str) -> float:
    engine = Engine.connect()
    started = time.perf_counter()
    container = engine.client.containers.run(
        image, detach=True, ports={"5000/tcp": ("127.0.0.1", None)},
        labels={"org.publishing-course.bench": "1"},
    )  # fmt: skip
    try:
        container.reload()
        port = container.attrs["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"]
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/v2/", timeout=0.5)
                break
            except requests.exceptions.RequestException:
                time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        container.remove(force=True)


def _lab_start() -> float:
    started = time.perf_counter()
    lab = Lab.start(username="bench1")
    elapsed = time.perf_counter() - started
    lab.stop()
    return elapsed


def lab_start(size: Size) -> list[dict]:
    course = images.ensure(Engine.connect(), log=lambda _: None)
    ours, bare = [], []
    for _ in range(size.starts):
        ours.append(_lab_start())
        bare.append(_bare_registry(course.registry))
    ratio = median(ours) / median(bare)
    return [
        _row(
            "lab start (registry and hub): Lab.start vs bare docker run of the registry",
            f"{median(ours):.2f} s",
            f"{median(bare):.2f} s",
            ratio,
            "<= 2x",
            ratio <= 2,
            samples={"lab": ours, "bare": bare},
        )  # fmt: skip
    ]


# 4 and 5. grading -----------------------------------------------------------------------------


def _course(plain: bool) -> Path:
    """A course folder with the sources; ``plain`` uses nbgrader's own configuration (in-kernel
    tests), the baseline an instructor would have without this course's grader."""
    sys.path.insert(0, str(REPO))
    from tests.grading.course import stage  # the same staging the tests use

    root = stage(scratch())
    if plain:
        config = (root / "nbgrader_config.py").read_text()
        config = config.replace("c.Autograde.autograde_preprocessors", "_ours")
        (root / "nbgrader_config.py").write_text(config)
    return root


def _submit(root: Path, lab: str, students: list[str]) -> None:
    notebook = root / "solutions" / lab / f"{lab}.ipynb"
    for student in students:
        folder = root / "submitted" / student / lab
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, folder)


def _env() -> dict:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _grader_grade(root: Path, lab: str, jobs: int) -> float:
    command = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        lab,
        "--course-dir",
        str(root),
        f"--jobs={jobs}",
    ]
    return timed(subprocess.run, command, cwd=root, capture_output=True, env=_env(), check=True)


def _nbgrader_autograde(root: Path, lab: str) -> float:
    command = [
        sys.executable,
        "-m",
        "nbgrader",
        "autograde",
        lab,
        "--force",
        f"--CourseDirectory.root={root}",
    ]
    return timed(subprocess.run, command, cwd=root, capture_output=True, env=_env(), check=True)


def _scores(root: Path, lab: str) -> list[float]:
    sys.path.insert(0, str(REPO))
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        return [s.score for s in gradebook.assignment_submissions(lab)]


def _where() -> str:
    from grader.isolation import sandbox

    return ", each in its sandbox" if sandbox.support()[0] else " (no sandbox here)"


def grade_one(size: Size) -> list[dict]:
    lab = "lab4-capstone"
    ours_root, plain_root = _course(plain=False), _course(plain=True)
    _submit(ours_root, lab, ["s01"])
    _submit(plain_root, lab, ["s01"])
    _grader_grade(ours_root, lab, jobs=1)  # warm-up, untimed: caches, the images' tarball
    _nbgrader_autograde(plain_root, lab)
    ours, plain = [], []
    for _ in range(size.grade_one):
        ours.append(_grader_grade(ours_root, lab, jobs=1))
        plain.append(_nbgrader_autograde(plain_root, lab))
    scores = {"ours": _scores(ours_root, lab), "plain": _scores(plain_root, lab)}
    remove(ours_root), remove(plain_root)
    ratio = median(ours) / median(plain)
    return [
        _row(
            f"grade one capstone{_where()}: grader grade vs plain nbgrader autograde",
            f"{median(ours):.1f} s",
            f"{median(plain):.1f} s",
            ratio,
            "no slower (<= 1.0x)",
            ratio <= 1.0,
            samples={"ours": ours, "plain": plain},
            scores=scores,
        )  # fmt: skip
    ]


def grade_class(size: Size) -> list[dict]:
    lab = "lab1-publish"
    students = [f"s{i:02d}" for i in range(1, size.class_size + 1)]
    ours_root, plain_root = _course(plain=False), _course(plain=True)
    _submit(ours_root, lab, students)
    _submit(plain_root, lab, students)
    ours = _grader_grade(ours_root, lab, jobs=os.cpu_count() or 1)
    plain = _nbgrader_autograde(plain_root, lab)
    scores = {"ours": _scores(ours_root, lab), "plain": _scores(plain_root, lab)}
    remove(ours_root), remove(plain_root)
    throughput = plain / ours
    return [
        _row(
            f"grade a class of {len(students)}{_where()}: grader grade vs sequential plain nbgrader",
            f"{ours:.0f} s ({len(students) / ours * 60:.1f}/min)",
            f"{plain:.0f} s ({len(students) / plain * 60:.1f}/min)",
            throughput,
            ">= 1.8x throughput",
            throughput >= 1.8,
            scores=scores,
        )  # fmt: skip
    ]


# 6. a second version --------------------------------------------------------------------------


def second_version(size: Size) -> list[dict]:
    with Lab.start(username="bench1") as lab:
        repo = f"{lab.username}/my-flask-app"
        docker("login", lab.registry, "-u", lab.username, "--password-stdin", input=lab.token)
        docker("tag", lab.source(), lab.image())
        docker("push", lab.image())
        first = lab.registry_api.manifest(repo, "v1")
        before = len(lab.requests())
        app = lab.copy_app(scratch() / "my-flask-app")
        (app / "app.py").write_text(
            (app / "app.py").read_text().replace("Hello from", "Hello again from")
        )
        docker(
            "build",
            "-q",
            "-t",
            lab.image("v1.1.0"),
            "--build-arg",
            f"BASE_IMAGE={lab.images.base}",
            str(app),
        )
        docker("push", lab.image("v1.1.0"))
        second = lab.registry_api.manifest(repo, "v1.1.0")
        uploaded = set()
        for request in lab.requests()[before:]:
            if request.method == "PUT" and request.status == 201 and "digest=" in request.uri:
                uploaded.add(request.uri.split("digest=")[1].split("&")[0].replace("%3A", ":"))
        remove(app.parent)
    sizes = dict(second.layers)
    sent = sum(sizes.get(d, 0) for d in uploaded)
    changed = [d for d, _ in second.layers if d not in dict(first.layers)]
    only_changed = {d for d in uploaded if d in sizes} == set(changed)
    return [
        _row(
            "second version v1.1.0: bytes pushed vs image size",
            f"{sent:,} B",
            f"{second.size:,} B",
            sent / second.size,
            "only the changed layer travels",
            only_changed,
            layers_uploaded=len([d for d in uploaded if d in sizes]),
            layers_changed=len(changed),
            layers_total=len(second.layers),
        )  # fmt: skip
    ]


# 7. the classroom server ----------------------------------------------------------------------

LAB_READY = """
import time
from grader import Lab
started = time.perf_counter()
lab = Lab.start(USER, persistent=True)
print(round(time.perf_counter() - started, 3))
"""

LIFECYCLE = """
import io, os, subprocess, tarfile, time
from grader import Lab
lab = Lab.start(USER, persistent=True)
sh = lambda line: subprocess.run(line, shell=True, capture_output=True, text=True, check=True)
sh(f"docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}")
blob = io.BytesIO()
with tarfile.open(fileobj=blob, mode="w") as tar:  # 3 MB that do not compress: a real upload
    data = os.urandom(3 * 1024 * 1024)
    entry = tarfile.TarInfo("payload")
    entry.size = len(data)
    tar.addfile(entry, io.BytesIO(data))
subprocess.run(["docker", "import", "-", lab.image(TAG)], input=blob.getvalue(), check=True,
               capture_output=True)
started = time.perf_counter()
sh(f"docker push {lab.image(TAG)}")
pushed = time.perf_counter() - started
sh(f"docker rmi {lab.image(TAG)}")
sh(f"docker pull {lab.image(TAG)}")
print(round(pushed, 3))
"""


def _rss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _cgroup_mb(seat) -> float:
    """What the seat's memory cgroup is charged (cgroup v1 or v2), in MB."""
    for path in seat.cgroup_paths():
        for name in ("memory.current", "memory.usage_in_bytes"):
            if (path / name).exists():
                return int((path / name).read_text()) / 2**20
    return float("nan")


def _own_start() -> float:
    """A learner's own start (``make lab`` again, on the host's engine): JupyterLab until it
    answers, then ``Lab.start`` in a kernel finding the learner's lab (made once before)."""
    from grader.server.client import run_code

    code = LAB_READY.replace("USER", repr("benchown1"))
    Lab.start("benchown1", persistent=True)
    port, token, folder = free_port(), secrets.token_hex(16), scratch()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={folder}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                headers = {"Authorization": f"token {token}"}
                if requests.get(f"{base}/api/status", headers=headers, timeout=1).ok:
                    break
            except requests.exceptions.RequestException:
                time.sleep(0.1)
        run_code(base, token, code)
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        Lab.reset("benchown1")
        remove(folder)


def classroom(size: Size) -> list[dict]:
    """Sign-in to a ready lab (server, engine, registry and hub) vs a learner's own JupyterLab
    and lab; memory per student; concurrent students doing the whole lifecycle before a push
    takes twice its time alone."""
    from grader.isolation import sandbox, seats
    from grader.server.client import Person

    ok, why = sandbox.support()
    if not ok:
        return [_row("classroom server", "-", "-", None, why, None)]
    names = [f"benchseat{i}" for i in range(1, size.students + 1)]
    with _classroom(names) as url:
        people = [Person(url, n, f"pw-{n}") for n in names]
        first = people[0]
        cold = first.wait_for_server() + _lab_seconds(first)
        first.stop_server()
        while first.get(f"/user/{first.username}/api/status").status_code == 200:
            time.sleep(0.2)
        warm_started = time.perf_counter()
        first.wait_for_server()
        _lab_seconds(first)
        warm = time.perf_counter() - warm_started
        own = _own_start()
        for person in people[1:]:
            person.wait_for_server()
        memory = _rss_mb(seats.Seat(first.username).processes())
        charged = _cgroup_mb(seats.Seat(first.username))
        alone = _push_seconds(first, "alone")
        slowest = {}  # students at once: the slowest push among them
        for count in range(2, len(people) + 1):
            with ThreadPoolExecutor(max_workers=count) as pool:
                tags = [f"n{count}"] * count
                slowest[count] = max(pool.map(_push_seconds, people[:count], tags))
        fits = max([1, *(n for n, seconds in slowest.items() if seconds <= 2 * alone)])
    rows = [
        _row(
            "classroom: sign-in to a ready lab (own server, engine, registry, hub) vs a "
            "learner's own JupyterLab and Lab.start",
            f"{warm:.1f} s (first sign-in {cold:.1f} s)",
            f"{own:.1f} s",
            warm / own,
            "reported (no goal set)",
            None,
        ),
        _row(
            "classroom: memory per student (their seat's processes, RSS, after Lab.start; and "
            "what their seat's cgroup is charged, page cache included, as its limit counts)",
            f"{memory:.0f} MB (cgroup: {charged:.0f} MB)",
            "-",
            None,
            "reported",
            None,
        ),
    ]
    if len(people) > 1:
        most = len(people)
        rows.append(
            _row(
                f"classroom: {most} students doing the lifecycle at once, the slowest push vs a "
                f"push alone (the most at once whose slowest push stays under 2x: {fits})",
                f"{slowest[most]:.2f} s",
                f"{alone:.2f} s",
                slowest[most] / alone,
                "reported",
                None,
                slowest={str(n): round(seconds, 3) for n, seconds in slowest.items()},
            )
        )
    return rows


def arrival(size: Size) -> list[dict]:
    """A class signing in within seconds, its seats started ahead (``--warm N``): p50 and p95
    of the time from sign-in to a ready lab, vs a learner's own JupyterLab and ``Lab.start``."""
    from grader.infra import places
    from grader.isolation import sandbox
    from grader.server.client import Person

    ok, why = sandbox.support()
    if not ok:
        return [_row("classroom: a class arriving at once", "-", "-", None, why, None)]
    own = _own_start()
    rows = []
    for count in size.arrivals:
        names = [f"benchwarm{i}" for i in range(1, count + 1)]
        with _classroom(names, warm=count) as url:
            warmed = time.perf_counter()
            log = places.CLASSROOM.path() / "warm.log"
            wait_until(  # the pool starts each seat, lab and server, one after the other
                lambda names=names, log=log: _all_ready(names) or "could not" in log.read_text(),
                300 * count,
                interval=0.5,
            )
            if not _all_ready(names):
                raise RuntimeError(f"seats not started ahead: {log.read_text()[-2000:]}")
            warm_seconds = time.perf_counter() - warmed

            def sign_in(name: str, url: str = url) -> float:
                started = time.perf_counter()
                person = Person(url, name, f"pw-{name}")
                person.wait_for_server(timeout=900)
                _lab_seconds(person)
                return time.perf_counter() - started

            busy = _busy_seconds()
            with ThreadPoolExecutor(max_workers=count) as pool:
                times = sorted(pool.map(sign_in, names))
            busy = _busy_seconds() - busy
        worst = p95(times)
        rows.append(
            _row(
                f"classroom: {count} student(s) signing in at once, seats started ahead "
                f"({warm_seconds:.0f} s to start them; {busy / count:.2f} core-seconds of the "
                f"machine's CPU each): sign-in to a ready lab, p50 / p95, vs a learner's own "
                "JupyterLab and Lab.start",
                f"{median(times):.1f} / {worst:.1f} s",
                f"{own:.1f} s",
                worst / own,
                "p95 <= 2x",
                worst <= 2 * own,
            )
        )
    return rows


def _busy_seconds() -> float:
    """Core-seconds this machine's CPUs have been busy since it started (every process: the
    hub, the proxy, servers, kernels, engines), from ``/proc/stat``."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _all_ready(names: list[str]) -> bool:
    from grader.server.hubapi import HubAPI

    servers = HubAPI.of_classroom().servers()
    return all(servers.get(name) == "ready" for name in names)


@contextlib.contextmanager
def _classroom(names: list[str], warm: int | None = None):
    """A classroom for ``names`` (password ``pw-NAME``) in a state root of its own, started
    (``warm`` seats ahead); its URL. At the end it is stopped and its users and folders go."""
    from grader.infra import places
    from grader.server import control

    folder = scratch()
    roster = folder / "roster.csv"
    roster.write_text("".join(f"{n},pw-{n}\n" for n in names))
    saved = os.environ.get(places.STATE_ROOT_ENV)
    os.environ[places.STATE_ROOT_ENV] = str(folder / "state")
    try:
        yield control.start(roster, free_port(), log=lambda _: None, warm=warm)
    finally:
        control.stop(log=lambda _: None)
        if saved is None:
            os.environ.pop(places.STATE_ROOT_ENV, None)
        else:
            os.environ[places.STATE_ROOT_ENV] = saved
        for name in names:
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        remove(folder)


def _lab_seconds(person) -> float:
    return float(person.run(LAB_READY.replace("USER", repr(person.username))).split()[-1])


def _push_seconds(person, tag: str) -> float:
    code = LIFECYCLE.replace("USER", repr(person.username)).replace("TAG", repr(tag))
    return float(person.run(code).split()[-1])


FIGURES = {
    "push": push_with_login,
    "checks": check_latency,
    "start": lab_start,
    "grade-one": grade_one,
    "grade-class": grade_class,
    "version": second_version,
    "classroom": classroom,
    "arrival": arrival,
    "class-page": classpage.class_page,
}
