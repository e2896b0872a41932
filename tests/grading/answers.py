"""What students hand in, as the answer cells they type, and what a fair grader gives each:
``{student: (lab, answers, score, failed checks)}``.

- ``CRAFTED``: honest submissions, complete or with the usual mistakes;
- ``TAMPERED``: a kernel patched to look like every check passed;
- ``ATTACKS``: what a malicious submission tries against the grading host, the gradebook, the
  grader, its neighbours and the evidence. Every attempt prints ``BREACH <what>`` when it
  succeeds, so a test can say which one got through. The grading course's folder is handed in
  as ``{root}`` (a student can guess a path).
"""

from __future__ import annotations

USER = 'USERNAME = "john123"'
LOGIN = "!docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}"
TARGET = "{lab.registry}/{lab.username}/my-flask-app:v1"
PUBLISH = f"{LOGIN}\n!docker tag {{lab.source()}} {TARGET}\n!docker push {TARGET}"
VERIFY = (
    'tags = lab.hub_api.tags(lab.username, "my-flask-app", lab.hub_access())\n'
    'DIGEST, SIZE = next((t["digest"], t["full_size"]) for t in tags if t["name"] == "v1")'
)
PULL = f"!docker rmi {TARGET} {{lab.source()}}\n!docker pull {TARGET}"
RUN = f"!docker run -d -p 5000 {TARGET}"

# What students really type, and what each submission must score: lab -> (answers, score,
# failed checks).
CRAFTED = {
    # The seed's commands, typed as they are there: the image is my-flask-app:v1.
    "seed": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "!docker tag my-flask-app:v1 {lab.registry}/john123/my-flask-app:v1",
            "answer-push": "!docker push {lab.registry}/john123/my-flask-app:v1",
        },
        4,
        [],
    ),
    # The seed's commands, typed literally: Docker Hub's names and an interactive login. Nothing
    # reaches the classroom registry; the feedback says what differs and what to type.
    "seedliteral": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": "!docker login -u john123",
            "answer-tag": "!docker tag my-flask-app:v1 john123/my-flask-app:v1",
            "answer-push": "!docker push john123/my-flask-app:v1",
        },
        0,
        ["login", "tag", "push"],
    ),
    "nousername": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "!docker tag {lab.source()} {lab.registry}/my-flask-app:v1",
            "answer-push": "!docker push {lab.registry}/my-flask-app:v1",
        },
        1,
        ["tag", "push"],
    ),
    "latestonly": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "!docker tag {lab.source()} {lab.registry}/{lab.username}/my-flask-app:latest",
            "answer-push": "!docker push {lab.registry}/{lab.username}/my-flask-app:latest",
        },
        1,
        ["tag", "push"],
    ),
    "wrongcred": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": "!echo my-hub-password | docker login {lab.registry} -u {lab.username} --password-stdin",
            "answer-tag": f"!docker tag {{lab.source()}} {TARGET}",
            "answer-push": f"!docker push {TARGET}",
        },
        1,
        ["login", "push"],
    ),
    "otherimage": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": f"!docker tag {{lab.images.registry}} {TARGET}",
            "answer-push": f"!docker push {TARGET}",
        },
        1,
        ["tag", "push"],
    ),
    "dockerhub": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "!docker tag {lab.source()} {lab.username}/my-flask-app:v1",
            "answer-push": "!docker push {lab.username}/my-flask-app:v1",
        },
        1,
        ["tag", "push"],
    ),
    "neverpulled": (
        "lab2-retrieve",
        {
            "username": USER,
            "answer-publish": PUBLISH,
            "answer-verify": VERIFY,
            "answer-run": RUN,
        },
        4,
        ["pull"],
    ),
    "neverran": (
        "lab2-retrieve",
        {
            "username": USER,
            "answer-publish": PUBLISH,
            "answer-verify": VERIFY,
            "answer-pull": PULL,
        },
        4,
        ["run"],
    ),
}

# Tampering: no real push, but everything a check in the kernel could be fooled by.
PATCHES = """
import types, requests, docker, grader, grader.checks.push, grader.checks.login, grader.checks.tag
from grader.result import CheckResult, passed
fake = lambda self, name, **k: CheckResult(name, name, True, 2, 2, "ok")
grader.Lab.check = fake
lab.check = types.MethodType(fake, lab)
for module in (grader.checks.push, grader.checks.login, grader.checks.tag):
    module.check = lambda lab, **k: passed("ok")
requests.get = requests.head = lambda *a, **k: types.SimpleNamespace(status_code=200, ok=True, json=lambda: {}, headers={})
docker.from_env = lambda *a, **k: None
passed_login = passed_tag = passed_push = True
DIGEST, SIZE = "sha256:" + "0" * 64, 1
"""
TAMPERED = {
    "patched": (
        "lab1-publish",
        {"username": USER, "answer-login": PATCHES},
        0,
        ["login", "tag", "push"],
    ),
}


GRADEBOOK = """
import sqlite3
for path in ["{root}/gradebook.db", "../../../gradebook.db"]:
    try:
        db = sqlite3.connect(path)
        db.execute("UPDATE grade SET manual_score = 100")
        db.commit()
        print("BREACH gradebook", path)
    except Exception as error:
        print("refused", path, error)
"""

GRADER_CODE = """
import pathlib, grader
package = pathlib.Path(grader.__file__).parent
for path in [package / "checks" / "zz_planted.py", package / "checks" / "push.py"]:
    try:
        with open(path, "a"):
            pass
        print("BREACH grader code", path)
    except OSError as error:
        print("refused", path, error)
"""


def snooper(paths: list[str]) -> str:
    """A submission's code that lists or reads each of ``paths``: ``BREACH …`` for what it
    got, ``empty`` for an empty folder, ``refused …`` for what it could not."""
    return (
        f"\nimport os\nfor path in {paths!r}:\n"
        "    try:\n"
        "        if os.path.isdir(path):\n"
        "            found = os.listdir(path)\n"
        '            print(("BREACH listed" if found else "empty"), path, found)\n'
        "        else:\n"
        '            print("BREACH read", path, open(path, "rb").read(300))\n'
        "    except OSError as error:\n"
        '        print("refused", path, error)\n'
    )


SNOOP = snooper(
    ["/etc/shadow", "/root/.cache", "/root/.docker", "{root}", "{root}/gradebook.db",
     "{root}/solutions/lab1-publish/lab1-publish.ipynb", "{root}/submitted",
     "/var/lib/publishing-course/sandboxes", "/var/lib/docker"]
)  # fmt: skip

HOST_MOUNT = """
!docker run --rm -v /:/host {lab.images.base} sh -c 'cat /host/etc/shadow && echo BREACH shadow; ls /host/root && echo BREACH root'
!docker -H unix:///var/run/docker.sock ps && echo BREACH host engine
"""

LEFTOVERS = """
import subprocess
!docker run -d --restart always {lab.images.base} sleep 86400
subprocess.Popen(["sleep", "86399"], start_new_session=True)
open("/tmp/planted-by-a-submission", "w").write("x")
"""

SABOTAGE = """
import glob, os, signal, socket, time
end = time.time() + 20
while time.time() < end:
    for pid in range(2, 4096):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for path in glob.glob("/var/lib/publishing-course/sandboxes/*/sock/*.sock") + ["/var/run/docker.sock"]:
        try:
            socket.socket(socket.AF_UNIX).connect(path)
            print("BREACH neighbour socket", path)
        except OSError:
            pass
    time.sleep(1)
"""

# A pull that never happened, written into the registry's log with the docker client's agent.
FORGED_PULL = """
import requests
agent = {"User-Agent": "docker/20.10.24 go/go1.19.8 git-commit/5d6db84 kernel/6.1.0 os/linux arch/amd64 UpstreamClient(Docker-Client/20.10.24 \\\\(linux\\\\))",
         "Accept": "application/vnd.docker.distribution.manifest.v2+json"}
base = f"http://{lab.registry}/v2/{lab.username}/my-flask-app"
manifest = requests.get(f"{base}/manifests/v1", auth=(lab.username, lab.token), headers=agent).json()
for layer in [manifest["config"], *manifest["layers"]]:
    requests.get(f"{base}/blobs/{layer['digest']}", auth=(lab.username, lab.token), headers=agent)
"""

# A login never made: a credential helper of the student's own, named in config.json.
FAKE_LOGIN = """
import json, os, pathlib
helper = pathlib.Path.home() / "bin" / "docker-credential-planted"
helper.parent.mkdir(exist_ok=True)
credential = json.dumps({"Username": lab.username, "Secret": lab.token})
helper.write_text("#!/bin/sh\\ntouch /tmp/planted-helper-ran\\necho '" + credential + "'\\n")
helper.chmod(0o755)
os.environ["PATH"] = f"{helper.parent}:{os.environ['PATH']}"
pathlib.Path(os.environ["DOCKER_CONFIG"], "config.json").write_text(json.dumps({"credsStore": "planted"}))
"""

KILL_REGISTRY = f"!docker push {TARGET}\n!docker rm -f $(docker ps -aq)"

SLEEP = "import time\ntime.sleep(10**6)"


ATTACKS = {
    "gradebook": (
        "lab1-publish",
        {"username": USER, "answer-login": GRADEBOOK},
        0,
        ["login", "tag", "push"],
    ),
    "gradercode": (
        "lab1-publish",
        {"username": USER, "answer-login": GRADER_CODE},
        0,
        ["login", "tag", "push"],
    ),
    "snoop": (
        "lab1-publish",
        {"username": USER, "answer-login": SNOOP},
        0,
        ["login", "tag", "push"],
    ),
    "hostmount": (
        "lab1-publish",
        {"username": USER, "answer-login": HOST_MOUNT},
        0,
        ["login", "tag", "push"],
    ),
    "leftovers": (
        "lab1-publish",
        {"username": USER, "answer-login": LEFTOVERS},
        0,
        ["login", "tag", "push"],
    ),
    "saboteur": (
        "lab1-publish",
        {"username": USER, "answer-login": SABOTAGE},
        0,
        ["login", "tag", "push"],
    ),
    "fakelogin": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": FAKE_LOGIN,
            "answer-tag": f"!docker tag {{lab.source()}} {TARGET}",
            "answer-push": f"!docker push {TARGET}",
        },
        3,
        ["login"],
    ),
    "killedregistry": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": f"!docker tag {{lab.source()}} {TARGET}",
            "answer-push": KILL_REGISTRY,
        },
        2,
        ["push"],
    ),
    "killedkernel": (
        "lab1-publish",
        {
            "username": USER,
            "answer-login": LOGIN,
            "answer-tag": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        },
        1,
        ["tag", "push"],
    ),
    "sleeper": (
        "lab1-publish",
        {"username": USER, "answer-login": LOGIN, "answer-tag": SLEEP},
        1,
        ["tag", "push"],
    ),
    "forgedpull": (
        "lab2-retrieve",
        {
            "username": USER,
            "answer-publish": PUBLISH,
            "answer-verify": VERIFY,
            "answer-pull": FORGED_PULL,
            "answer-run": RUN,
        },
        4,
        ["pull"],
    ),
}
"""Each scores what a fair grader gives: the points of the work really done, never more."""


def flipped_metadata(nb: dict) -> dict:
    """A blank release whose nbgrader metadata the student edited: test cells ungraded or worth
    100, an answer cell made a graded cell, a cell of their own marked as graded."""
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade_id") == "check-push":
            meta["grade"] = False
        if meta.get("grade_id") == "check-login":
            meta["points"] = 100
        if meta.get("grade_id") == "answer-login":
            meta.update(grade=True, points=50)
        if meta.get("grade_id") == "username":
            cell["source"] = USER
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "bonus",
            "metadata": {
                "nbgrader": {
                    "grade": True, "grade_id": "bonus", "locked": True, "points": 10,
                    "schema_version": 3, "solution": False, "task": False,
                }
            },
            "outputs": [],
            "source": 'print("bonus")',
        }
    )  # fmt: skip
    return nb
