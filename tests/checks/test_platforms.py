"""platforms: the registry's tag is an index of a linux/amd64 and a linux/arm64 image, built here
from the course's two-platform folder (no emulator needed) with the real buildx."""

from __future__ import annotations

import subprocess

import pytest

from grader import platformapp
from grader.course import lessons
from tests.conftest import docker, login

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def build(lab, platform: str, tag: str) -> None:
    folder = lessons.platform_folder(lab)
    docker("buildx", "build", "--platform", platform, "-t", lab.image(tag, "hello"), "--push",
           str(folder), timeout=300)  # fmt: skip


def test_the_programs_are_static_executables_for_their_platforms(tmp_path):
    folder = platformapp.write_folder(tmp_path / "hello")
    assert (folder / "hello-amd64").read_bytes()[18] == 62  # ELF e_machine: x86-64
    assert (folder / "hello-arm64").read_bytes()[18] == 183  # AArch64
    here = subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip()
    if here == "x86_64":
        ran = subprocess.run([folder / "hello-amd64"], capture_output=True, text=True)
        assert ran.returncode == 0 and ran.stdout == "Hello from linux/amd64\n"


def test_one_platform_then_both_under_one_name(lab):
    login(lab)
    assert "no " in lab.check("platforms").message  # nothing pushed yet
    build(lab, "linux/amd64", "amd64")
    docker("tag", lab.image("amd64", "hello"), lab.image("v1", "hello"))
    docker("push", lab.image("v1", "hello"))
    single = lab.check("platforms")  # one image; an index of one on the containerd store
    assert not single.passed and (
        "single image" in single.message or "linux/arm64" in single.message
    )
    docker("buildx", "imagetools", "create", "-t", lab.image("v1", "hello"),
           lab.image("amd64", "hello"))  # fmt: skip
    one = lab.check("platforms")
    assert not one.passed and "linux/arm64" in one.message, one
    build(lab, "linux/arm64", "arm64")
    docker("buildx", "imagetools", "create", "-t", lab.image("v1", "hello"),
           lab.image("amd64", "hello"), lab.image("arm64", "hello"))  # fmt: skip
    both = lab.check("platforms")
    assert both.passed and "linux/amd64, linux/arm64" in both.message, both
    ran = docker("run", "--rm", lab.image("v1", "hello"))  # this machine's own, picked by the pull
    assert f"Hello from {lab.engine.platform}" in ran.stdout
