"""A lab on Docker Hub itself (self-study with the learner's own account): ``Lab.use_hub``.

Docker Hub cannot be reached from these machines, so the lab is pointed at a classroom hub's
address instead: the same token flow and API paths, used the way Docker Hub is used, with the
learner's own access token as the only credential and no log read. The real docker CLI pushes
and pulls; the checks must judge from what the registry, the API and the engine's events say.
"""

from __future__ import annotations

import pytest

from grader import Lab
from grader.checks.evidence import Target, misnamings
from grader.errors import InvalidInput
from grader.hub.dockerhub import page_url, registry_url
from grader.infra.dockerconfig import DockerConfig
from grader.lab import learner_dir
from tests.conftest import docker, login, set_private

USER = "alice123"


@pytest.fixture
def classroom():
    """A classroom hub standing in for Docker Hub, with the learner's account on it."""
    with Lab.start(username=USER) as started:
        yield started


def generated(classroom, scope: str = "repo:write", label: str = "my laptop") -> str:
    """An access token the learner generates on the hub's settings page (here: its API)."""
    access = classroom.hub_api.sign_in(USER, classroom.password)
    return classroom.hub_api.create_access_token(access, label, scope)["token"]


def on_hub(classroom, token: str, persistent: bool = False) -> Lab:
    return Lab.use_hub(
        USER,
        token,
        hub_url=classroom.hub_url,
        registry=classroom.registry,
        persistent=persistent,
    )


@pytest.fixture
def lab(classroom):
    with on_hub(classroom, generated(classroom)) as started:
        yield started


def grader_token_requests(classroom) -> list:
    """Token requests made with the course's own grader account (which reads everything on a
    classroom hub and does not exist on Docker Hub)."""
    grader = classroom._registry.grader_account[0]
    return [r for r in classroom.token_requests() if r.account == grader]


pytestmark = pytest.mark.docker


def test_the_whole_lifecycle_on_the_hub_is_judged_with_the_learners_own_token(classroom, lab):
    before = len(grader_token_requests(classroom))
    assert not lab.classroom and lab.check("account").passed
    assert not lab.check("login").passed
    login(lab)
    assert lab.check("login").passed and lab.check("token").passed
    docker("tag", lab.source(), lab.image())
    assert lab.check("tag").passed
    docker("push", lab.image())
    assert lab.check("push").passed

    docker("pull", lab.image())  # the pushed copy is still here: nothing needed fetching
    kept = lab.check("pull")
    assert not kept.passed and "no removal of the image since" in kept.message
    docker("rmi", lab.image(), lab.source())
    docker("pull", lab.image())
    docker("tag", lab.image(), lab.source())
    pulled = lab.check("pull")
    assert pulled.passed and pulled.evidence["removed_before_pull"], pulled.message

    docker("run", "-d", "-p", "127.0.0.1::5000", lab.image())
    assert lab.check("run").passed

    public = lab.check("visibility")
    assert public.passed and "served" in public.message
    assert not lab.check("visibility", private=True).passed
    set_private(classroom, True)
    private = lab.check("visibility", private=True)
    assert private.passed and "refused" in private.message

    # Nothing above used the course's grader account: on Docker Hub there is none.
    assert len(grader_token_requests(classroom)) == before


def test_a_read_only_token_cannot_push_and_the_token_check_says_why(classroom):
    with on_hub(classroom, generated(classroom, "repo:read", "pull only")) as lab:
        assert lab.check("account").passed
        login(lab)
        docker("tag", lab.source(), lab.image())
        refused = docker("push", lab.image(), check=False)
        # dockerd shows the token service's words; containerd only its status
        assert refused.returncode != 0
        assert "insufficient scopes" in refused.stderr or "401 Unauthorized" in refused.stderr
        result = lab.check("token")
        assert not result.passed and "insufficient scopes" in result.message
        assert "Read & Write" in result.hint


def test_a_password_login_does_not_count(classroom, lab):
    login(lab, secret=classroom.password)
    for name in ("login", "token"):
        result = lab.check(name)
        assert not result.passed and "password" in result.message


def test_a_deleted_token_fails_the_account_check(classroom, lab):
    access = classroom.hub_api.sign_in(USER, classroom.password)
    for token in classroom.hub_api.access_tokens(access):
        if token["token_label"] == "my laptop":
            classroom.hub_api.delete_access_token(access, token["uuid"])
    result = lab.check("account")
    assert not result.passed and "does not accept the access token" in result.message
    assert f"Lab.use_hub({USER!r})" in result.hint


def test_a_wrong_token_or_a_password_is_refused_and_nothing_is_kept(classroom):
    folder = learner_dir(USER)
    for secret, says in (
        (classroom.password, "not a personal access token"),
        ("dckr_pat_" + "x" * 27, "does not accept this token"),
    ):
        with pytest.raises(InvalidInput, match=says):
            on_hub(classroom, secret, persistent=True)
        assert not folder.exists()


def test_a_persistent_lab_on_the_hub_is_found_again_and_keeps_its_token_only_in_its_docker_folder(
    classroom,
):
    token = generated(classroom)
    try:
        first = on_hub(classroom, token, persistent=True)
        login(first)
        first.stop()
        again = Lab.start(USER, persistent=True)
        assert not again.classroom and again.registry == classroom.registry
        assert again.token == token and again.check("login").passed
        holding = sorted(
            str(path.relative_to(learner_dir(USER)))
            for path in learner_dir(USER).rglob("*")
            if path.is_file() and token in path.read_text(errors="replace")
        )
        assert holding == ["docker/access-token"]  # config.json holds it base64-encoded
        again.stop()
    finally:
        Lab.reset(USER)
    assert not learner_dir(USER).exists()


def test_stopping_a_lab_on_the_hub_leaves_the_learners_own_docker_login_alone(classroom, tmp_path):
    own = DockerConfig.create(tmp_path / "own")
    docker(
        "--config",
        str(own.directory),
        "login",
        classroom.registry,
        "-u",
        USER,
        "--password-stdin",
        input=classroom.token,
    )
    before = own.path.read_bytes()
    lab = on_hub(classroom, generated(classroom))
    login(lab)
    folder = lab.config.directory
    lab.stop()
    assert own.path.read_bytes() == before and not folder.exists()


def test_a_docker_hub_target_accepts_the_short_name_and_names_the_usual_mistakes(lab):
    want = Target("docker.io", USER, "my-flask-app", "v1", lab.source())
    names = {
        f"{USER}/my-flask-app:v1": None,  # what the seed types: Docker Hub's short form
        "bob1234/my-flask-app:v1": "namespace",
        f"{USER}/my-flask-app:latest": "latest",
    }
    try:
        for name in names:
            docker("tag", lab.source(), name)
        found = {m.ref: m.problem for m in misnamings(lab, want)}
    finally:
        docker("rmi", *names, check=False)
    assert f"{USER}/my-flask-app:v1" not in found
    assert "namespace" in found["bob1234/my-flask-app:v1"]
    assert "'latest'" in found[f"{USER}/my-flask-app:latest"]


def test_docker_hubs_registry_and_credential_are_found_where_the_cli_keeps_them(student_home):
    assert registry_url("docker.io") == "https://registry-1.docker.io"
    assert registry_url("localhost:5000") == "http://127.0.0.1:5000"
    found = DockerConfig(student_home / ".docker").credential("docker.io", helpers=False)
    assert found.username == "student"  # stored under https://index.docker.io/v1/


def test_docker_hubs_pages_are_where_docker_hub_keeps_them():
    hub = "https://hub.docker.com"
    assert page_url(hub, "/r/alice123/my-flask-app/tags") == hub + "/r/alice123/my-flask-app/tags"
    tokens = page_url(hub, "/settings/personal-access-tokens")
    assert tokens == "https://app.docker.com/settings/personal-access-tokens"
    assert page_url("http://localhost:8080/", "/settings/x") == "http://localhost:8080/settings/x"


def test_on_docker_hub_the_hints_need_no_password_and_the_pull_limit_step_says_why_not(lab):
    """On Docker Hub the course has no password (the learner generates tokens and changes
    visibility on Docker Hub's pages): the answers say so; the classroom's answers sign in with
    the lab's password, which only a classroom lab has."""
    from grader.course.widgets import YourTurn

    assert lab.password == ""
    for name, page_step in (("login", "lab.save_token()"), ("private", "Make private"),
                            ("public", "Make public")):  # fmt: skip
        turn = YourTurn(lab, name)
        for _ in range(3):
            answer = turn.hint()
        assert page_step in answer and "lab.password" not in answer, answer
        assert "lab.password" not in turn._hints.value
    limited = YourTurn(lab, "pull-limit")
    assert limited.result is None
    assert "whose limits are real" in limited.children[0].value
