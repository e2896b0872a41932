"""The command runner's plain function: only single docker commands, run without a shell, with
their output streamed line by line."""

from __future__ import annotations

import pytest

from grader.errors import InfrastructureError
from grader.infra import commands
from grader.infra.commands import CommandRefused

PROBE = "lessons-refused:probe"
"""A tag that a refused command would create if anything of it ran."""

REFUSED_CONSTRUCTS = {
    "semicolon": ("; docker images", "`;`"),
    "pipe": (" | grep flask", "`|`"),
    "and": (" && docker images", "`&&`"),
    "or": (" || docker images", "`||`"),
    "background": (" &", "`&`"),
    "command substitution": (" $(echo x)", "`$(…)`"),
    "command substitution in double quotes": (' "$(echo x)"', "`$(…)`"),
    "backticks": (" `echo x`", "backtick"),
    "output redirection": (" > out.txt", "`>`"),
    "appending redirection": (" >> out.txt", "`>`"),
    "stderr redirection": (" 2> err.txt", "`>`"),
    "stderr to stdout": (" 2>&1", "`>`"),
    "input redirection": (" < token.txt", "`<`"),
    "newline": ("\ndocker images", "more than one line"),
    "variable": (" $TAG", "`$TAG` is a shell variable"),
    "braced variable in double quotes": (' "${TAG}"', "`${TAG}` is a shell variable"),
    "subshell": (" (docker images)", "subshell"),
}

OTHER_PROGRAMS = {
    "ls": ("ls -l", "`ls` is not docker"),
    "a shell": ("/bin/sh -c 'docker images'", "`/bin/sh` is not docker"),
    "bash": ("bash -c 'docker images'", "`bash` is not docker"),
    "sudo docker": ("sudo docker images", "`sudo` is not needed"),
    "env docker": ("env docker images", "`env` would start another program"),
    "time docker": ("time docker images", "`time` would start another program"),
    "xargs docker": ("xargs docker rmi", "`xargs` would start another program"),
    "a path to docker": ("/usr/bin/docker images", "Write plain `docker`"),
    "a variable assignment": ("DOCKER_HOST=tcp://x:2375 docker images", "sets an environment"),
    "a notebook bang": ("!docker images", "without it"),
    "docker-compose": ("docker-compose up", "`docker-compose` is not docker"),
    "python": ("python3 -c 'print(1)'", "`python3` is not docker"),
    "curl": ("curl http://localhost:5000", "`curl` is not docker"),
}


@pytest.mark.parametrize("name", REFUSED_CONSTRUCTS)
def test_each_shell_construct_is_refused_with_the_reason(name):
    suffix, reason = REFUSED_CONSTRUCTS[name]
    with pytest.raises(CommandRefused) as refused:
        commands.parse(f"docker tag my-flask-app:v1 {PROBE}{suffix}")
    assert reason in refused.value.message
    assert "without a shell" in refused.value.message


@pytest.mark.parametrize("name", OTHER_PROGRAMS)
def test_every_other_program_is_refused_with_the_reason(name):
    line, reason = OTHER_PROGRAMS[name]
    with pytest.raises(CommandRefused) as refused:
        commands.parse(line)
    assert reason in refused.value.message


@pytest.mark.parametrize("line", ["", "   ", "docker tag 'unclosed"])
def test_an_empty_or_unreadable_line_is_refused(line):
    with pytest.raises(CommandRefused):
        commands.parse(line)


def test_an_argument_list_is_held_to_the_same_rules():
    with pytest.raises(CommandRefused, match="`sh` is not docker"):
        commands.run(["sh", "-c", "docker images"])
    with pytest.raises(CommandRefused, match="more than one line"):
        commands.run(["docker", "images", "a\nb"])


def test_quotes_make_one_argument_and_quoted_single_characters_are_plain_text():
    assert commands.parse("docker run --rm img echo 'a;b|c && d > e $HOME'") == [
        "docker", "run", "--rm", "img", "echo", "a;b|c && d > e $HOME",
    ]  # fmt: skip
    assert commands.parse('docker images --format "{{.Repository}}:{{.Tag}}"') == [
        "docker", "images", "--format", "{{.Repository}}:{{.Tag}}",
    ]  # fmt: skip


@pytest.mark.docker
@pytest.mark.parametrize("name", ["semicolon", "and", "background", "command substitution"])
def test_nothing_of_a_refused_command_runs(name, engine):
    suffix, _ = REFUSED_CONSTRUCTS[name]
    with pytest.raises(CommandRefused):
        commands.run(f"docker tag my-flask-app:v1 {PROBE}{suffix}")
    assert engine.image(PROBE) is None


@pytest.mark.docker
def test_output_and_errors_are_merged_and_the_exit_status_kept():
    lines = []
    result = commands.run("docker image inspect lessons-no-such-image:v0", lines.append)
    assert result.exit_status == 1 and not result.ok
    assert "No such image" in result.output
    assert lines == result.output.splitlines()
    assert result.argv == ("docker", "image", "inspect", "lessons-no-such-image:v0")
    assert result.seconds > 0


@pytest.mark.docker
def test_quoted_shell_characters_reach_the_program_as_text(engine):
    base = _base(engine)
    result = commands.run(f"docker run --rm {base} python3 -c \"print('a;b|c && d')\"")
    assert result.ok, result.output
    assert result.output.splitlines()[-1] == "a;b|c && d"


@pytest.mark.docker
@pytest.mark.slow
def test_each_line_arrives_while_the_command_runs_and_stop_interrupts_it(engine):
    base = _base(engine)
    script = "import time; print('first', flush=True); time.sleep(600)"
    stops, seen = [], []

    def on_line(line):
        seen.append(line)
        if line == "first":
            seen.append(stops[0]())  # True only if the command was still running

    name = "lessons-stop-probe"
    try:
        result = commands.run(
            ["docker", "run", "--rm", "--name", name, base, "python3", "-c", script],
            on_line,
            on_start=stops.append,
            timeout=300,
        )
    finally:
        engine.remove_container(name)
    assert seen[:2] == ["first", True]
    assert "KeyboardInterrupt" in result.output  # like Ctrl-C: docker passed it to the container
    assert result.exit_status != 0


@pytest.mark.docker
def test_standard_input_is_sent_and_secrets_are_redacted(engine):
    base = _base(engine)
    secret = "dckr_pat_notarealtoken0123456789abc"
    result = commands.run(
        f"docker run --rm -i {base} python3 -c \"import sys; print('got', sys.stdin.read())\"",
        stdin=secret,
        redact=[secret],
    )
    assert result.ok, result.output
    assert result.output.splitlines()[-1] == "got ****"
    assert secret not in result.output


def test_no_docker_cli_is_an_infrastructure_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(InfrastructureError, match="not installed"):
        commands.run("docker version")


def _base(engine) -> str:
    """The course's Python base image (present once `grader images` ran)."""
    from grader.infra import images

    return images.ensure(engine, log=lambda _: None).base
