"""grader.diagnose: every failure the machine can produce is produced for real (the real docker
CLI, 28 and Debian's 20.10 where both are installed, against the real engine and, where a
registry is involved, a real lab with its classroom registry and hub); its real output and exit
status go to ``diagnose``, and the test checks the key, that the cause names the part of the
command at fault, and that the fix is the right command, most often by running it and seeing it
succeed. Failures only Docker Hub or another machine produces are checked against their
documented wording (the source is noted beside each). Bad input never raises."""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.request import urlopen

import pytest

from grader import diagnose as diagnosis_module
from grader.diagnose import RECOGNISERS, Context, Diagnosis, diagnose, parse_command
from grader.infra import net
from grader.infra.wait import answering, wait_until
from grader.result import runnable

# --- running a notebook line for real --------------------------------------------------------------


def _clis() -> dict[str, str]:
    """``{major version: path}`` of the docker CLIs on this machine (the one on PATH first)."""
    found: dict[str, str] = {}
    for path in (shutil.which("docker"), "/usr/bin/docker", "/usr/local/bin/docker"):
        if path and os.access(path, os.X_OK):
            shown = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
            version = re.search(r"version (\d+)\.", shown)
            if version:
                found.setdefault(version.group(1), path)
    return found


CLIS = _clis()
VERSIONS = sorted(CLIS, key=int) or ["none"]
every_cli = pytest.mark.parametrize("version", VERSIONS)
"""Run the test with each docker CLI the machine has (28 and 20 here and in CI)."""


@dataclass
class Ran:
    command: str
    """As the learner typed it: ``!docker …``."""
    output: str
    status: int

    def diagnosis(self, context: Context | None = None) -> Diagnosis | None:
        return diagnose(self.command, self.output, self.status, context)


def cell(
    line: str,
    version: str | None = None,
    env: dict | None = None,
    timeout: int = 300,
    cwd: Path | None = None,
) -> Ran:
    """Run ``line`` as a notebook's ``!`` line runs (grader.infra.cellshell): through the system
    shell, standard input empty, standard error into standard output; ``docker`` is the CLI of
    ``version`` (the one on PATH when None)."""
    executed = line
    if version is not None:
        if version not in CLIS:
            pytest.skip(f"no docker CLI {version} here")
        executed = re.sub(
            r"(^|[|;&]\s*)docker ", lambda m: f"{m.group(1)}{CLIS[version]} ", line, count=1
        )
    done = subprocess.run(
        executed, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, timeout=timeout, cwd=cwd,
    )  # fmt: skip
    return Ran("!" + line, done.stdout.decode(errors="replace"), done.returncode)


def recognised(ran: Ran, error: str, context: Context | None = None) -> Diagnosis:
    assert ran.status != 0, ran
    found = ran.diagnosis(context)
    assert found is not None and found.error == error, (ran, found)
    assert found.line and found.line in ran.output
    return found


def run_fix(
    found: Diagnosis, version: str | None = None, cwd: Path | None = None, **replace: str
) -> list[Ran]:
    """Run every command the fix gives, in order (``replace`` fills its placeholders), and
    require each to succeed."""
    commands = runnable(found.fix)
    assert commands, found.fix
    done = []
    for command in commands:
        for placeholder, value in replace.items():
            command = command.replace(placeholder, value)
        ran = cell(command, version, cwd=cwd)
        assert ran.status == 0, (command, ran.output)
        done.append(ran)
    return done


UNIQUE = secrets.token_hex(4)


def unique_image(folder: Path, name: str) -> str:
    """A one-layer image of its own (content no other image has, so removing it by ID touches
    nobody else's), built here; returns ``name``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hello.txt").write_text(f"diagnose test {secrets.token_hex(16)}\n")
    (folder / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    built = cell(f"docker build -q -t {name} {folder}")
    assert built.status == 0, built.output
    return name


def image_id(name: str) -> str:
    return cell(f"docker image inspect --format {{{{.Id}}}} {name}").output.strip()


def remove_image(name: str) -> None:
    found = image_id(name)
    if found.startswith("sha256:"):
        cell(f"docker rmi -f {found}")


@pytest.fixture
def tiny(tmp_path):
    """``diagXXXX:v1``, an image of the test's own."""
    name = unique_image(tmp_path / "tiny", f"diag{secrets.token_hex(4)}:v1")
    yield name
    remove_image(name)


def login(lab) -> None:
    ran = cell(f"docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}")
    assert ran.status == 0, ran.output


def published(lab, tiny: str, tag: str = "v1") -> str:
    """``tiny`` logged in, tagged and pushed to the lab's registry under the learner's name."""
    login(lab)
    name = f"{lab.registry}/{lab.username}/{tiny.split(':')[0]}:{tag}"
    assert cell(f"docker tag {tiny} {name}").status == 0
    pushed = cell(f"docker push {name}")
    assert pushed.status == 0, pushed.output
    return name


def login_fix(lab) -> str:
    return f"`!docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}`"


def containerd_store() -> bool:
    shown = cell("docker info --format '{{json .DriverStatus}}'").output
    return "io.containerd.snapshotter" in shown


# --- logging in -------------------------------------------------------------------------------------


@pytest.mark.docker
@every_cli
def test_a_login_that_would_prompt_gets_the_token_file_form(lab, version, tmp_path):
    context = Context.of(lab)
    with_user = recognised(
        cell(f"docker login {lab.registry} -u {lab.username}", version), "login-no-tty", context
    )
    assert (
        "without `--password-stdin`" in with_user.cause and f"`{lab.username}`" in with_user.cause
    )
    assert with_user.fix.endswith(login_fix(lab))
    bare = recognised(cell(f"docker login {lab.registry}", version), "login-no-tty", context)
    assert "a username and a password" in bare.cause and bare.fix.endswith(login_fix(lab))
    empty = tmp_path / "token"
    empty.write_text("")  # a token file left empty: both CLIs then want to prompt
    line = f"docker login {lab.registry} -u {lab.username} --password-stdin < {empty}"
    emptied = recognised(cell(line, version), "login-no-tty", context)
    assert f"`{empty}`, the file after `<`, is empty" in emptied.cause
    run_fix(emptied, version)
    assert lab.check("login").passed


@pytest.mark.docker
def test_without_a_lab_the_login_fix_has_placeholders():
    found = recognised(cell("docker login localhost:5999 -u john123"), "login-no-tty")
    assert found.fix.endswith(
        "`!docker login localhost:5999 -u john123 --password-stdin < TOKEN_FILE`"
    )


@pytest.mark.docker
@every_cli
def test_a_refused_login_names_what_was_wrong_in_it(lab, version, tmp_path):
    context = Context.of(lab)
    wrong = tmp_path / "wrong-token"
    wrong.write_text("dckr_pat_not-a-real-one")
    attempts = {
        f"-u {lab.username} --password-stdin < {wrong}": "not one of your active access tokens",
        f"-u john@example.com --password-stdin < {lab.token_file}": "`-u john@example.com` is an email address",
        f"-u john124 --password-stdin < {lab.token_file}": "`-u john124` is not your username: yours is `john123`.",
        f"-u John123 --password-stdin < {lab.token_file}": "usernames are all lowercase",
    }  # fmt: skip
    for options, said in attempts.items():
        found = recognised(
            cell(f"docker login {lab.registry} {options}", version), "login-refused", context
        )
        assert said in found.cause, found
        assert found.fix.endswith(login_fix(lab))
    run_fix(found, version)


@pytest.mark.docker
@every_cli
def test_logins_typed_wrong_are_explained(lab, version):
    context = Context.of(lab)
    base = f"docker login {lab.registry} -u {lab.username}"
    both = recognised(
        cell(f"{base} -p secret --password-stdin < {lab.token_file}", version),
        "login-password-conflict",
        context,
    )
    assert "`--password-stdin`" in both.cause and both.fix.endswith(login_fix(lab))
    missing = f"/nonexistent-{UNIQUE}/access-token"
    gone = recognised(
        cell(f"{base} --password-stdin < {missing}", version), "token-file-missing", context
    )
    assert f"`{missing}`" in gone.cause and str(lab.token_file) in gone.cause
    assert gone.fix.endswith(login_fix(lab))
    typo = recognised(
        cell(f"{base} --pasword-stdin < {lab.token_file}", version), "unknown-flag", context
    )
    assert "`--pasword-stdin`" in typo.cause and "`--password-stdin`" in typo.cause
    assert typo.fix == login_fix(lab)
    bare = recognised(
        cell(f"docker login {lab.registry} -u", version), "flag-needs-argument", context
    )
    assert "`-u`" in bare.cause and bare.fix == login_fix(lab)
    run_fix(typo, version)


@pytest.mark.docker
def test_a_deactivated_or_expired_token_is_named(lab, tmp_path):
    hub, context = lab.hub_api, Context.of(lab)
    access = hub.sign_in(lab.username, lab.password)
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
    tokens = {
        "token-expired": hub.create_access_token(access, "expires", "repo:write", expires_at=soon),
        "token-inactive": hub.create_access_token(access, "switched off", "repo:write"),
    }
    hub.set_access_token_active(access, tokens["token-inactive"]["uuid"], False)
    time.sleep(3)
    for error, token in tokens.items():
        secret = tmp_path / error
        secret.write_text(token["token"])
        line = f"docker login {lab.registry} -u {lab.username} --password-stdin < {secret}"
        found = recognised(cell(line), error, context)
        assert lab.hub_page("/settings/personal-access-tokens") in found.fix
        assert "lab.save_token()" in found.fix and found.fix.endswith(login_fix(lab))


@pytest.mark.docker
@every_cli
def test_a_credential_helper_that_cannot_run_is_named_with_its_config_entry(lab, version, tmp_path):
    config = tmp_path / "docker-config"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"credsStore": "desktop"}))
    env = {"DOCKER_CONFIG": str(config)}
    line = f"docker login {lab.registry} -u {lab.username} --password-stdin < {lab.token_file}"
    ran = cell(line, version, env=env)
    assert "error storing credentials" in ran.output
    found = recognised(ran, "credential-helper", Context.of(lab))
    assert "`docker-credential-desktop`" in found.cause and "not on the PATH" in found.cause
    assert '`"credsStore": "desktop"`' in found.fix and found.fix.endswith(login_fix(lab))
    (config / "config.json").write_text("{}")  # the fix: no credsStore entry
    again = cell(runnable(found.fix)[0], version, env=env)
    assert again.status == 0 and lab.registry in (config / "config.json").read_text()


# --- names ------------------------------------------------------------------------------------------


@pytest.mark.docker
@every_cli
def test_capitals_in_a_name_are_shown_and_lowercased(lab, version, tmp_path):
    context, source = Context.of(lab), lab.source()
    wrong = f"{lab.registry}/John123/my-flask-app:v1"
    right = f"{lab.registry}/john123/my-flask-app:v1"
    tagged = recognised(cell(f"docker tag {source} {wrong}", version), "name-uppercase", context)
    assert f"`John123/my-flask-app` in `{wrong}`" in tagged.cause
    assert "your username is `john123`" in tagged.cause
    assert tagged.fix == f"`!docker tag {source} {right}`"
    for action in ("push", "pull", "run --rm"):
        found = recognised(cell(f"docker {action} {wrong}", version), "name-uppercase", context)
        assert found.fix == f"`!docker {action} {right}`", found
    folder = tmp_path / "app"
    unique_image(
        folder, f"diagunused{UNIQUE}:1"
    )  # a Dockerfile to build; the build itself never starts
    for env in ({}, {"DOCKER_BUILDKIT": "0"}):
        found = recognised(
            cell(f"docker build -t {wrong} {folder}", version, env=env), "name-uppercase", context
        )
        assert found.fix == f"`!docker build -t {right} {folder}`"
    remove_image(f"diagunused{UNIQUE}:1")
    run_fix(tagged, version)
    assert cell(f"docker image inspect {right}").status == 0


@pytest.mark.docker
@every_cli
def test_other_invalid_names_say_what_is_wrong(lab, version):
    context, source, base = Context.of(lab), lab.source(), f"{lab.registry}/john123/my-flask-app"
    cases = {
        f"docker tag {source} {base}:": ("the tag after `:` is empty", f"`!docker tag {source} {base}`"),
        f"docker tag {source} {base}:v1!": ("`!`", f"`!docker tag {source} {base}:v1`"),
        f'docker tag {source} "{lab.registry}/john123/my flask-app:v1"': ("a space", f'`!docker tag {source} "{base}:v1"`'),
        f"docker pull https://{base}:v1": ("`https://`", f"`!docker pull {base}:v1`"),
    }  # fmt: skip
    for line, (said, fix) in cases.items():
        found = recognised(cell(line, version), "name-invalid", context)
        assert said in found.cause and found.fix == fix, found
    found = recognised(cell(next(iter(cases)), version), "name-invalid", context)
    run_fix(found, version)


@pytest.mark.docker
@every_cli
def test_a_command_given_the_wrong_words_gets_its_form(lab, version, tmp_path):
    context, source = Context.of(lab), lab.source()
    split = recognised(
        cell(f"docker tag {source} {lab.registry}/john123/my flask-app:v1", version),
        "wrong-arguments",
        context,
    )
    assert "exactly two names" in split.cause and "a space inside a name" in split.cause
    assert split.fix == f"`!docker tag {source} {lab.registry}/john123/my-flask-app:v1`"
    folder = tmp_path / "app"
    unique_image(folder, f"diag{UNIQUE}:build")
    no_folder = recognised(
        cell(f"docker build -t diag{UNIQUE}:build", version, cwd=folder), "wrong-arguments", context
    )
    assert "the folder to build" in no_folder.cause
    assert no_folder.fix == f"`!docker build -t diag{UNIQUE}:build .`"
    typo = recognised(
        cell(f"docker psh {lab.registry}/john123/my-flask-app:v1", version),
        "unknown-command",
        context,
    )
    assert (
        "`psh`" in typo.cause
        and typo.fix == f"`!docker push {lab.registry}/john123/my-flask-app:v1`"
    )
    run_fix(no_folder, version, cwd=folder)
    remove_image(f"diag{UNIQUE}:build")


@pytest.mark.docker
@every_cli
def test_a_build_without_a_dockerfile_names_the_folder(version, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for env in ({}, {"DOCKER_BUILDKIT": "0"}):
        found = recognised(
            cell(f"docker build -t diag{UNIQUE}:x {empty}", version, env=env), "dockerfile-missing"
        )
        assert f"`{empty}`" in found.cause and "no file called `Dockerfile`" in found.cause
        assert f"`!docker build -t diag{UNIQUE}:x my-flask-app`" in found.fix
    found = recognised(
        cell(f"docker build -t diag{UNIQUE}:x {tmp_path}/nothere", version), "dockerfile-missing"
    )
    assert "does not exist here" in found.cause


# --- pushing and pulling ------------------------------------------------------------------------------


@pytest.mark.docker
@every_cli
def test_a_push_before_the_tag_gets_the_tag_command(lab, version, tiny):
    login(lab)
    repository, tag = tiny.split(":")
    target = f"{lab.registry}/{lab.username}/{repository}:{tag}"
    found = recognised(cell(f"docker push {target}", version), "push-not-tagged", Context.of(lab))
    assert f"`{target}`" in found.cause
    assert found.fix == f"`!docker tag {tiny} {target}`, then `!docker push {target}`"
    run_fix(found, version)


@pytest.mark.docker
@every_cli
def test_a_push_not_logged_in_says_to_log_in(lab, version, tiny):
    target = f"{lab.registry}/{lab.username}/{tiny}"
    cell(f"docker tag {tiny} {target}")
    found = recognised(cell(f"docker push {target}", version), "push-denied", Context.of(lab))
    assert "not logged in to" in found.cause and lab.registry in found.cause
    assert found.fix == f"{login_fix(lab)}, then `!docker push {target}`"
    run_fix(found, version)


@pytest.mark.docker
@every_cli
def test_a_push_outside_ones_own_namespace_is_moved_into_it(lab, version, tiny):
    login(lab)
    context, own = Context.of(lab), f"{lab.registry}/{lab.username}/{tiny}"
    others = f"{lab.registry}/someone{UNIQUE}/{tiny}"
    cell(f"docker tag {tiny} {others}")
    found = recognised(cell(f"docker push {others}", version), "push-denied", context)
    assert f"`someone{UNIQUE}`" in found.cause and "`john123`" in found.cause
    assert found.fix == f"`!docker tag {others} {own}`, then `!docker push {own}`"
    nobodys = f"{lab.registry}/{tiny}"
    cell(f"docker tag {tiny} {nobodys}")
    found = recognised(cell(f"docker push {nobodys}", version), "push-denied", context)
    assert "no username before the repository name" in found.cause
    assert found.fix == f"`!docker tag {nobodys} {own}`, then `!docker push {own}`"
    run_fix(found, version)


@pytest.mark.docker
def test_a_read_only_token_pushing_gets_a_read_and_write_one(lab, tiny, tmp_path):
    access = lab.hub_api.sign_in(lab.username, lab.password)
    token = lab.hub_api.create_access_token(access, "pull only", "repo:read")
    secret = tmp_path / "read-only"
    secret.write_text(token["token"])
    logged = cell(f"docker login {lab.registry} -u {lab.username} --password-stdin < {secret}")
    assert logged.status == 0
    target = f"{lab.registry}/{lab.username}/{tiny}"
    cell(f"docker tag {tiny} {target}")
    ran = cell(f"docker push {target}")
    # dockerd shows the hub's words; containerd only "failed to fetch oauth token ... 401"
    error = "token-read-only" if "insufficient scopes" in ran.output else "push-denied"
    found = recognised(ran, error, Context.of(lab))
    assert "read-only" in found.cause
    assert lab.hub_page("/settings/personal-access-tokens") in found.fix
    assert login_fix(lab) in found.fix
    run_fix(found)  # the login with the course's Read & Write token, then the push


@pytest.mark.docker
@every_cli
def test_a_missing_tag_names_the_tag_and_the_tags_page(lab, version, tiny):
    name = published(lab, tiny)
    context, repository = Context.of(lab), name.rsplit(":", 1)[0]
    page = lab.hub_page(f"/r/{repository.split('/', 1)[1]}/tags")
    no_tag = recognised(cell(f"docker pull {repository}", version), "pull-no-latest", context)
    assert (
        f"`{repository}` names no tag" in no_tag.cause and f"`{repository}:latest`" in no_tag.cause
    )
    assert page in no_tag.fix and f"`!docker pull {repository}:TAG`" in no_tag.fix
    run_fix(no_tag, version, TAG="v1")
    ran = recognised(cell(f"docker run --rm {repository}", version), "pull-no-latest", context)
    assert f"`!docker run {repository}:TAG`" in ran.fix
    other = recognised(cell(f"docker pull {repository}:v9", version), "tag-not-found", context)
    assert "no tag `v9`" in other.cause and page in other.fix
    misspelt = f"{lab.registry}/{lab.username}/nothere{UNIQUE}:v1"
    gone = recognised(cell(f"docker pull {misspelt}", version), "tag-not-found", context)
    assert f"`{lab.username}/nothere{UNIQUE}`" in gone.cause and "misspelled" in gone.cause
    digest = f"{repository}@sha256:{'0' * 64}"
    wrong = recognised(cell(f"docker pull {digest}", version), "digest-not-found", context)
    assert f"`sha256:{'0' * 64}`" in wrong.cause


@pytest.mark.docker
@every_cli
def test_a_logged_out_pull_of_a_private_repository_says_to_log_in_as_its_owner(lab, version, tiny):
    name = published(lab, tiny)
    access = lab.hub_api.sign_in(lab.username, lab.password)
    lab.hub_api.set_private(lab.username, tiny.split(":")[0], True, access)
    assert cell(f"docker logout {lab.registry}").status == 0
    cell(f"docker rmi {name}")
    found = recognised(cell(f"docker pull {name}", version), "pull-denied", Context.of(lab))
    assert f"`{name.split('/', 1)[1].split(':')[0]}` is your private repository" in found.cause
    assert found.fix == f"{login_fix(lab)}, then `!docker pull {name}`"
    run_fix(found, version)


@pytest.mark.docker
@every_cli
def test_a_name_without_the_registry_goes_to_docker_hub_and_the_fix_adds_it(lab, version, tiny):
    login(lab)
    own = f"{lab.registry}/{lab.username}/{tiny}"
    found = recognised(
        cell(f"docker push {tiny}", version), "registry-unreachable", Context.of(lab)
    )
    assert f"`{tiny}` has no registry host in front" in found.cause and "`docker.io`" in found.cause
    assert found.fix == f"`!docker tag {tiny} {own}`, then `!docker push {own}`"
    run_fix(found, version)
    elsewhere = f"localhost:1/{lab.username}/{tiny}"
    found = recognised(
        cell(f"docker pull {elsewhere}", version), "registry-unreachable", Context.of(lab)
    )
    assert "Nothing answers at `localhost:1`" in found.cause and lab.registry in found.cause
    assert found.fix == f"`!docker pull {own}`"
    run_fix(found, version)


@pytest.mark.docker
@pytest.mark.slow
def test_a_registry_that_never_answers_is_explained(lab):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        name = f"localhost:{silent.getsockname()[1]}/{lab.username}/app:v1"
        ran = cell(f"docker pull {name}", timeout=120)
    # dockerd: "context deadline exceeded"; containerd: "TLS handshake timeout"
    found = recognised(ran, "registry-unreachable", Context.of(lab))
    assert "no answer in time" in found.cause and "`localhost:" in found.cause


def _outward_address() -> str | None:
    """This machine's address on its network (not loopback), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.mark.docker
@every_cli
def test_a_plain_http_registry_by_its_network_address_is_named_by_localhost(lab, version, tiny):
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")
    name = f"diag-open-{version}-{UNIQUE}"
    started = cell(f"docker run -d --name {name} -p 5000 {lab.images.registry}")  # all addresses
    assert started.status == 0, started.output
    try:
        port = cell(f"docker port {name} 5000").output.split()[0].rsplit(":", 1)[-1]
        # `docker run -d` returns before the registry listens: pushed sooner, the engine meets a
        # refused connection (another error, rightly diagnosed as "unreachable")
        assert wait_until(
            answering(lambda: urlopen(f"http://{address}:{port}/v2/", timeout=5), (OSError,)), 60
        ), f"the registry at {address}:{port}"
        target = f"{address}:{port}/john123/{tiny}"
        cell(f"docker tag {tiny} {target}")
        found = recognised(cell(f"docker push {target}", version), "registry-http")
        assert f"`{address}:{port}` speaks plain HTTP" in found.cause
        local = f"localhost:{port}/john123/{tiny}"
        assert found.fix.endswith(f"`!docker tag {target} {local}`, then `!docker push {local}`")
        run_fix(found, version)
        cell(f"docker rmi {target} {local}")
    finally:
        cell(f"docker rm -f {name}")


# --- other processors -----------------------------------------------------------------------------


def aarch64_program(path: Path) -> None:
    """A minimal static Linux program for 64-bit ARM (it calls exit(0)), written byte by byte:
    this machine cannot run it, and needs no emulation to put it in an image."""
    code = struct.pack("<3I", 0xD2800000, 0xD2800BA8, 0xD4000001)  # mov x0,0; mov x8,93; svc 0
    base, size = 0x400000, 64 + 56 + len(code)
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 183, 1, base + 120, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    segment = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    path.write_bytes(header + segment + code)
    path.chmod(0o755)


@pytest.fixture
def arm_folder(tmp_path) -> Path:
    if cell("docker buildx version").status != 0:
        pytest.skip("the docker CLI has no buildx plugin")
    folder = tmp_path / "arm"
    folder.mkdir()
    aarch64_program(folder / "hello")
    (folder / "id.txt").write_text(secrets.token_hex(16))
    (folder / "Dockerfile").write_text('FROM scratch\nCOPY hello id.txt /\nENTRYPOINT ["/hello"]\n')
    return folder


@pytest.mark.docker
def test_an_image_for_another_processor_is_rebuilt_for_this_one(arm_folder):
    name = f"diagarm{UNIQUE}:v1"
    built = cell(f"docker buildx build --platform linux/arm64 --load -t {name} {arm_folder}")
    assert built.status == 0, built.output
    try:
        for version in VERSIONS:
            found = recognised(cell(f"docker run --rm {name}", version), "exec-format")
            assert f"`{name}`" in found.cause and "(linux/arm64)" in found.cause
            assert f"`!docker build --platform linux/amd64 -t {name} .`" in found.fix
            assert "--platform linux/amd64,linux/arm64" in found.fix and "--push" in found.fix
    finally:
        remove_image(name)


@pytest.mark.docker
@every_cli
def test_a_multi_platform_image_without_this_platform_is_named(lab, version, arm_folder):
    login(lab)
    repository = f"{lab.registry}/{lab.username}/diagarm{UNIQUE}"
    pushed = cell(
        f"docker buildx build --platform linux/arm64 -t {repository}:v1 --push {arm_folder}"
    )
    assert pushed.status == 0, pushed.output
    listed = cell(f"docker buildx imagetools create -t {repository}:list {repository}:v1")
    assert listed.status == 0, listed.output
    cell(f"docker rmi {repository}:v1 {repository}:list")
    for action in ("pull", "run --rm"):
        found = recognised(
            cell(f"docker {action} {repository}:list", version),
            "no-matching-manifest",
            Context.of(lab),
        )
        assert f"`{repository}:list`" in found.cause
        assert (
            f"-t {repository}:list --push ." in found.fix and "linux/amd64,linux/arm64" in found.fix
        )


# --- running and removing ----------------------------------------------------------------------------


def _two_free_ports() -> int:
    """A port P with P and P + 1 free."""
    for _ in range(50):
        port = net.free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("0.0.0.0", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two free ports in a row")


@pytest.mark.docker
@every_cli
def test_a_taken_host_port_gets_the_next_one(lab, version):
    image, context = lab.images.registry, Context.of(lab)
    names = [f"diag-web-{version}-{UNIQUE}-{n}" for n in range(3)]
    try:
        port = _two_free_ports()
        with socket.socket() as taken:  # a program on this machine holds it
            taken.bind(("0.0.0.0", port))
            taken.listen()
            ran = cell(f"docker run -d --name {names[0]} -p {port}:5000 {image}", version)
            found = recognised(ran, "port-allocated", context)
            assert (
                f"Port {port} on this machine is taken (the left side of `-p {port}:5000`)"
                in found.cause
            )
            assert f"`!docker rm {names[0]}`" in found.fix
            assert f"`!docker run -d --name {names[0]} -p {port + 1}:5000 {image}`" in found.fix
            run_fix(found, version)
        port = _two_free_ports()
        held = cell(
            f"docker run -d --name {names[1]} -p {port}:5000 {image}"
        )  # a container holds it
        assert held.status == 0, held.output
        ran = cell(f"docker run -d --name {names[2]} -p {port}:5000 {image}", version)
        found = recognised(ran, "port-allocated", context)
        assert f"Port {port} on this machine is taken" in found.cause
        run_fix(found, version)
    finally:
        cell("docker rm -f " + " ".join(names))


@pytest.mark.docker
@every_cli
def test_containers_that_clash_or_are_missing_are_explained(version, tiny):
    name = f"diag-name-{version}-{UNIQUE}"
    line = f"docker create --name {name} {tiny} /hello"
    try:
        assert cell(line).status == 0
        found = recognised(cell(line, version), "container-name-in-use")
        assert f"`{name}`" in found.cause
        assert found.fix.startswith(
            f"Remove the old one, then run again: `!docker rm -f {name}`, then `!{line}`"
        )
        run_fix(found, version)
    finally:
        cell(f"docker rm -f {name}")
    for action in ("rm", "logs", "stop"):
        found = recognised(cell(f"docker {action} {name}-gone", version), "no-such-container")
        assert f"`{name}-gone`" in found.cause and found.fix.endswith("`!docker ps -a`")
    for line in (f"docker tag {name}-gone:v1 x{UNIQUE}:v1", f"docker rmi {name}-gone:v1"):
        found = recognised(cell(line, version), "no-such-image")
        assert f"`{name}-gone:v1`" in found.cause and found.fix.endswith("`!docker images`")


@pytest.mark.docker
@every_cli
def test_an_image_a_container_uses_is_freed_first(lab, version, tmp_path):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "Dockerfile").write_text(
        f"FROM {lab.images.registry}\nLABEL diagnose={secrets.token_hex(8)}\n"
    )
    running = f"diagbusy{UNIQUE}{version}:v1"
    assert cell(f"docker build -q -t {running} {folder}").status == 0
    stopped = unique_image(tmp_path / "stopped", f"diagidle{UNIQUE}{version}:v1")
    try:
        assert cell(f"docker run -d {running}").status == 0
        assert cell(f"docker create {stopped} /hello").status == 0
        for name, state in ((running, "running"), (stopped, "stopped")):
            for target in (name, image_id(name).removeprefix("sha256:")[:12]):
                ran = cell(f"docker rmi {target}", version)
                found = recognised(ran, "image-in-use")
                assert f"was made from `{target}`" in found.cause
                if f"{state} container" in ran.output:  # some texts say which, some do not
                    assert f"A {state} container" in found.cause
            run_fix(found, version)
            assert cell(f"docker image inspect {name}").status != 0
    finally:
        for name in (running, stopped):
            for container in cell(f"docker ps -aq --filter ancestor={name}").output.split():
                cell(f"docker rm -f {container}")
            remove_image(name)


@pytest.mark.docker
@every_cli
def test_removing_an_image_by_id_with_several_names_says_so(version, tiny):
    cell(f"docker tag {tiny} {tiny.split(':')[0]}:second")
    short = image_id(tiny).removeprefix("sha256:")[:12]
    found = recognised(cell(f"docker rmi {short}", version), "image-many-names")
    assert f"`{short}` is an image ID" in found.cause
    assert found.fix.endswith(f"`!docker rmi -f {short}`")
    run_fix(found, version)


@pytest.mark.docker
@every_cli
def test_an_engine_that_cannot_be_reached_is_explained(version):
    missing = f"unix:///tmp/no-engine-{UNIQUE}.sock"
    found = recognised(
        cell("docker ps", version, env={"DOCKER_HOST": missing}), "daemon-unreachable"
    )
    assert f"`{missing}`" in found.cause and found.fix.endswith("`!docker info`")
    if os.geteuid() != 0 or not shutil.which("runuser") or version not in CLIS:
        pytest.skip("the socket's refusal needs root to run the CLI as another user")
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    ran = cell(f"runuser -u nobody -- env HOME=/tmp DOCKER_HOST={host} {CLIS[version]} ps")
    ran = Ran("!docker ps", ran.output, ran.status)
    found = recognised(ran, "daemon-permission")
    assert f"`{host}`" in found.cause and "`docker` group" in found.cause


@pytest.mark.docker
def test_a_pulled_index_pushed_under_a_new_tag_gets_imagetools(lab, tmp_path):
    """The containerd image store refuses it (docker/cli#4959); the classic one pushes it."""
    login(lab)
    folder = tmp_path / "indexed"
    unique_image(folder, f"diagunused{UNIQUE}:2")
    remove_image(f"diagunused{UNIQUE}:2")
    name = f"{lab.registry}/{lab.username}/diagindex{UNIQUE}"
    assert cell(f"docker buildx build -t {name}:v1 {folder}").status == 0
    assert cell(f"docker push {name}:v1").status == 0
    cell(f"docker rmi {name}:v1")
    assert cell(f"docker pull {name}:v1").status == 0
    cell(f"docker tag {name}:v1 {name}:v2")
    ran = cell(f"docker push {name}:v2")
    if not containerd_store():
        assert ran.status == 0 and ran.diagnosis(Context.of(lab)) is None, ran.output
        return
    found = recognised(ran, "push-missing-content", Context.of(lab))
    assert f"`{name}:v2`" in found.cause and "docker/cli#4959" in found.cause
    assert f"`!docker buildx imagetools create -t {name}:v2 {name}:TAG`" in found.fix
    run_fix(found, TAG="v1")


@pytest.mark.docker
def test_the_context_of_a_lab_holds_its_values(lab):
    context = Context.of(lab)
    assert context == Context(lab.registry, lab.username, str(lab.token_file), lab.hub_url)
    lab.stop()
    assert Context.of(lab).registry == lab.registry  # a stopped lab still says what it knew


# --- documented texts: Docker Hub and other machines ------------------------------------------------

HUB = Context("docker.io", "john123", "/home/john/.docker/access-token", "https://hub.docker.com")
CLASSROOM = Context(
    "localhost:24196", "john123", "/labs/john123/docker/access-token", "http://localhost:24197"
)

DOCUMENTED = [
    # https://docs.docker.com/docker-hub/usage/pulls/ ("View pull rate and limit": the body of
    # the 429 Docker Hub answers), as the engine prints it (users' reports, e.g.
    # https://github.com/aws-samples/sagemaker-studio-image-build-cli/issues/26)
    ("rate-limit", "!docker pull python:3.12-slim", "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limits", HUB),
    ("rate-limit", "!docker build -t app .", "ERROR: failed to solve: python:3.11-slim: failed to resolve source metadata for docker.io/library/python:3.11-slim: failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/python/manifests/sha256:5501a4fe605abe24de87c2f3d6cf9fd760354416a0cad0296cf284fddcdca9e2: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit", None),  # https://github.com/dandi/dandi-archive/pull/3
    # https://github.com/moby/moby/issues/37532
    ("registry-unreachable", "!docker pull hello-world", 'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)', HUB),
    # https://github.com/google/battery-historian/issues/156
    ("registry-unreachable", "!docker run gcr.io/android-battery-historian/stable:3.0", "docker: Error response from daemon: Get https://gcr.io/v1/_ping: dial tcp 74.125.204.82:443: i/o timeout.", None),
    # https://github.com/docker/for-mac/issues/7445
    ("credential-helper", "!docker compose up", 'error getting credentials - err: exec: "docker-credential-desktop": executable file not found in $PATH, out: ``', None),
    # https://github.com/getsentry/self-hosted/issues/436
    ("credential-helper", "!docker pull x", "Credentials store error: StoreError('Credentials store docker-credential-desktop exited with \"error getting credentials - err: exec: \"docker-credential-wincred.exe\": executable file not found in %PATH%, out: ``\".')", None),
    # https://github.com/docker/docker-credential-helpers/issues/296
    ("credential-helper", "!docker login -u john123 --password-stdin < token", "Error saving credentials: error storing credentials - err: exit status 1, out: `pass not initialized: exec: \"pass\": executable file not found in $PATH:`", HUB),
    # https://github.com/docker/for-mac/issues/5475 (built on an M1 Mac, run on a Linux server)
    ("exec-format", "!docker run my-app:v1", 'standard_init_linux.go:190: exec user process caused "exec format error"', None),
    # https://github.com/monitoror/monitoror/issues/403
    ("exec-format", "!docker run monitoror/monitoror", "standard_init_linux.go:228: exec user process caused: exec format error", None),
    # https://github.com/sentient-agi/ROMA/issues/34 (Docker Desktop, AirPlay Receiver on 5000)
    ("port-allocated", "!docker run -p 5000:5000 my-flask-app:v1", "docker: Error response from daemon: Ports are not available: exposing port TCP 0.0.0.0:5000 -> 0.0.0.0:0: listen tcp 0.0.0.0:5000: bind: address already in use", CLASSROOM),
    # https://github.com/openedx/edx-notes-api/issues/405 (BuildKit pushing to Docker Hub)
    ("push-denied", "!docker buildx build -t openedx/edx-notes-api:latest --push .", "ERROR: failed to solve: failed to push latest: push access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed", HUB),
    # https://github.com/docker/build-push-action/issues/88 (Docker Hub, the classic image store)
    ("push-denied", "!docker push voxpupuli/vox-pupuli-tasks:latest", "denied: requested access to the resource is denied", HUB),
    # seen on this project's machines: a network's TLS-intercepting proxy answering for an address
    ("registry-tls", "!docker pull 10.255.255.1:5000/a/b:v1", 'Error response from daemon: Get "https://10.255.255.1:5000/v2/": x509: cannot validate certificate for 10.255.255.1 because it doesn\'t contain any IP SANs', None),
    # https://github.com/moby/moby/issues/32811 (a pull onto a full disk)
    ("disk-full", "!docker pull nvcr.io/nvidia/nemo:v0.11", "failed to register layer: Error processing tar file(exit status 1): write /opt/conda/lib/python3.6/site-packages/torch/lib/libtorch.so: no space left on device", None),
    # https://github.com/docker/for-win/issues/13751 (Docker Desktop 4.24.2)
    ("disk-full", "!docker pull my-remote/common-components/x86-64-linux-cpp-cmake-docker:latest", "failed to register layer: no space left on device", None),
    # seen on this project's machines (2026-12-06): a push to a registry whose disk is full (its
    # log: "no space left on device"); docker retried each layer for 50 s, then said this
    ("registry-failed", "!docker push localhost:5999/big:v1", "c087069e1987: Retrying in 1 second\nreceived unexpected HTTP status: 500 Internal Server Error", None),
]  # fmt: skip


@pytest.mark.parametrize("error, command, output, context", DOCUMENTED)
def test_documented_texts_are_recognised(error, command, output, context):
    found = diagnose(command, output, 1, context)
    assert found is not None and found.error == error, found
    assert found.line in output and found.cause and found.fix


def test_the_rate_limit_fix_logs_in_to_docker_hub_with_the_learners_values():
    found = diagnose(*DOCUMENTED[0][1:3], 1, HUB)
    assert found.fix.startswith(
        "Log in to Docker Hub, which counts your pulls apart from the address's: "
        "`!docker login -u john123 --password-stdin < /home/john/.docker/access-token`"
    )
    assert "USERNAME" in diagnose(*DOCUMENTED[0][1:3], 1, CLASSROOM).fix  # not the classroom's


def test_docker_hub_namespaces_and_the_port_on_a_mac_are_named():
    other = diagnose(*DOCUMENTED[11][1:3], 1, HUB)
    assert "`voxpupuli`" in other.cause
    assert (
        other.fix
        == "`!docker tag voxpupuli/vox-pupuli-tasks:latest john123/vox-pupuli-tasks:latest`, then `!docker push john123/vox-pupuli-tasks:latest`"
    )
    port = diagnose(*DOCUMENTED[9][1:3], 1, CLASSROOM)
    assert (
        "AirPlay Receiver" in port.cause
        and "`!docker run -p 5001:5000 my-flask-app:v1`" in port.fix
    )


def test_a_platform_warning_on_a_command_that_succeeded_is_still_worth_saying():
    warning = "WARNING: The requested image's platform (linux/arm64) does not match the detected host platform (linux/amd64/v3) and no specific platform was requested\n"
    found = diagnose("!docker run my-app:v1", warning + "hello\n", 0, None)
    assert found.error == "platform-mismatch" and "linux/arm64" in found.cause
    assert "`!docker build --platform linux/amd64 -t my-app:v1 .`" in found.fix


# --- what is never a diagnosis, and never an exception ------------------------------------------------

PUSHED = "The push refers to repository [localhost:5000/john123/app]\n5f70bf18a086: Pushed\nv1: digest: sha256:abc size: 528\n"


@pytest.mark.parametrize(
    "command, output, status",
    [
        ("!docker push x", "", 1),
        ("!docker push x", None, 1),
        ("!docker push x", "   \n\n", 1),
        ("!docker push localhost:5000/john123/app:v1", PUSHED, 0),
        ("!docker push localhost:5000/john123/app:v1", "Error: something no one has seen\n", 1),
        ("!ls /nope", "ls: cannot access '/nope': No such file or directory", 2),
        ("!python script.py", "Error response from daemon: No such image: x:v1", 1),
        ("!pip install docker", "ERROR: No matching distribution found for dockr", 1),
        ("!docker ps", "CONTAINER ID   IMAGE   STATUS\n", 0),
        ("!docker logs web", "connection refused by the app's own database\n", 0),
    ],
)
def test_what_is_not_a_docker_failure_gives_none(command, output, status):
    assert diagnose(command, output, status, CLASSROOM) is None


@pytest.mark.parametrize(
    "command, output, status, context",
    [
        (None, None, None, None),
        (123, 456, "1", "not a context"),
        ("", b"", 1, None),
        ('!docker tag "unclosed', "invalid reference format", 1, None),
        ("!docker", "invalid reference format", 1, None),
        ("!docker push", b"\xff\xfe\x00tag does not exist: \xc3(", 1, None),
        ("x = !docker push ~'\\", "no such image", True, CLASSROOM),
        ("%sx docker rmi", "image is being used by running container", -9, Context()),
        ("!docker run -p", "Bind for 0.0.0.0:x failed: port is already allocated", 125, None),
        ("!docker run -p :::", "listen tcp :::5000: bind: address already in use", 125, None),
        ("!docker login -u", "Cannot perform an interactive login from a non TTY device", 1, None),
    ],
)
def test_odd_input_never_raises(command, output, status, context):
    found = diagnose(command, output, status, context)
    assert found is None or isinstance(found, Diagnosis)


def test_invalid_utf8_around_an_error_is_read():
    output = b"\xff\xfe garbage \x80\n" + b"tag does not exist: localhost:5000/john123/app:v1\n"
    found = diagnose("!docker push localhost:5000/john123/app:v1", output, 1, None)
    assert found.error == "push-not-tagged"


def test_megabytes_of_output_are_read_quickly_and_only_at_their_ends():
    noise = ("5f70bf18a086: Pushing [=====>     ]  12.3MB/45.6MB\r" * 110_000).encode()
    assert len(noise) > 5_000_000
    error = b"\ntag does not exist: localhost:5000/john123/app:v1\n"
    started = time.perf_counter()
    found = diagnose("!docker push localhost:5000/john123/app:v1", noise + error, 1, None)
    assert time.perf_counter() - started < 1.0
    assert found is not None and found.error == "push-not-tagged"
    buried = diagnose("!docker push localhost:5000/john123/app:v1", noise + error + noise, 1, None)
    assert buried is None  # in the middle of megabytes: not read


def test_random_mutations_of_known_texts_never_raise():
    texts = [output for _, _, output, _ in DOCUMENTED] + [PUSHED]
    commands = ["!docker push a:b", "!docker run -p 5000:5000 x", "!docker login r -u u", "!docker"]
    rng = random.Random(20261203)
    alphabet = "\"'`:/@!<>|&;\\ \n\x00\xff{}[]()-_=.aZ9"
    for _ in range(3000):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(text) + 1)
            text = (
                text[:at]
                + "".join(rng.choices(alphabet, k=rng.randint(0, 5)))
                + text[at + rng.randint(0, 5) :]
            )
        command = rng.choice(commands)
        command = command[: rng.randrange(len(command) + 1)] + rng.choice(alphabet) * rng.randint(
            0, 3
        )
        found = diagnose(
            command,
            rng.choice([text, text.encode(errors="replace")]),
            rng.choice([None, 0, 1, 125]),
            rng.choice([None, CLASSROOM]),
        )
        assert found is None or isinstance(found, Diagnosis)


def test_hypothesis_fuzzing_never_raises():
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")

    @hypothesis.given(
        strategies.text(),
        strategies.binary(),
        strategies.one_of(strategies.none(), strategies.integers()),
    )
    def never_raises(command, output, status):
        found = diagnose(command, output, status, CLASSROOM)
        assert found is None or isinstance(found, Diagnosis)

    never_raises()


# --- the parts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, action, images",
    [
        ("!docker push localhost:5000/a/b:v1", "push", ("localhost:5000/a/b:v1",)),
        ("deployed = !docker image push x:v1", "push", ("x:v1",)),
        ("%sx docker pull x", "pull", ("x",)),
        ("!sudo DOCKER_BUILDKIT=0 docker build -t a:1 -t b:2 .", "build", ("a:1", "b:2")),
        ("!docker buildx build --platform linux/arm64 -t a:1 --push .", "build", ("a:1",)),
        (
            "!docker -H unix:///x.sock --context c run -dp 5001:5000 --name web app:v1 python x.py",
            "run",
            ("app:v1",),
        ),
        ("!cat token | docker login r -u u --password-stdin", "login", ()),
        ("!docker container run --rm=true -e A=1 app:v2", "run", ("app:v2",)),
        ("!/usr/bin/docker rmi a b 2>&1", "rmi", ("a", "b")),
    ],
)
def test_notebook_lines_are_split_as_the_shell_and_the_cli_split_them(line, action, images):
    command = parse_command(line)
    assert command.action == action and command.images == images


def test_options_and_standard_input_are_read():
    login = parse_command("!docker login r -u john123 --password-stdin < /path/token").find("login")
    assert login.value("-u") == "john123" and login.has("--password-stdin")
    assert login.stdin == "/path/token" and login.positionals == ("r",)
    run = parse_command("!docker run -dp 5001:5000 app:v1").find("run")
    assert run.values("-p") == ["5001:5000"] and run.has("-d")


def test_a_diagnosis_renders_as_text_and_as_escaped_html():
    found = Diagnosis("name-uppercase", "`<John>` has capitals.", "`!docker tag a b`", "line")
    assert str(found) == "`<John>` has capitals.\n  fix: `!docker tag a b`"
    shown = found._repr_html_()
    assert 'data-error="name-uppercase"' in shown and "<code>&lt;John&gt;</code>" in shown
    assert "<code>!docker tag a b</code>" in shown
    from IPython.lib.pretty import pretty

    assert pretty(found) == str(found)


def test_a_context_is_never_an_error():
    class Broken:
        @property
        def registry(self):
            raise RuntimeError("stopped")

        username = ""
        token_file = property(lambda self: 1 / 0)

        def hub_page(self, path):
            raise OSError

    assert Context.of(None) == Context()
    assert Context.of(Broken()) == Context()
    assert Context.of(object()) == Context()


def test_every_recogniser_has_a_key_and_compiled_patterns():
    keys = [r.error for r in RECOGNISERS]
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", key) for key in keys)
    assert all(isinstance(p, re.Pattern) for r in RECOGNISERS for p in r.patterns)
    assert {"login-no-tty", "name-uppercase", "rate-limit", "push-denied"} <= set(keys)


def test_the_module_imports_nothing_heavy():
    modules = sorted(Path(diagnosis_module.__file__).parent.glob("*.py"))
    own = {f".{module.stem}" for module in modules if module.stem != "__init__"}
    assert own, "the package's modules are found"
    for module in modules:
        source = module.read_text()
        imported = set(re.findall(r"^(?:from|import) ([\w.]+)", source, re.MULTILINE))
        assert imported <= {
            "__future__",
            "difflib",
            "html",
            "re",
            "shlex",
            "collections.abc",
            "dataclasses",
            "..names",
            "..result",
            *own,
        }, module.name


def test_a_registry_failure_is_read_as_a_full_disk_only_for_a_push():
    said = "received unexpected HTTP status: 500 Internal Server Error"
    found = diagnose("!docker push localhost:5000/ann/app:v1", said, 1, None)
    assert found.error == "registry-failed" and "full disk" in found.cause
    assert "docker system df" in found.fix and "docker logs" in found.fix
    pulled = diagnose("!docker pull localhost:5000/ann/app:v1", said, 1, None)
    assert pulled is None or pulled.error != "registry-failed"
