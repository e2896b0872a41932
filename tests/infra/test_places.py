"""The course's folders outside the checkout: made with their modes by whoever writes first,
on a machine that has none of them, and named in one module only."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from grader.errors import InvalidInput, SandboxUnavailable
from grader.infra import places
from grader.isolation import sandbox
from tests.conftest import fresh_machine_state

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_roots() -> Path:
    with fresh_machine_state() as folder:
        yield folder


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_place_is_made_with_its_mode_on_a_fresh_machine_whatever_the_umask(fresh_roots):
    previous = os.umask(0o077)  # a hardened server's umask: others could not pass through
    try:
        made = {place: place.make() for place in places.EVERY}
    finally:
        os.umask(previous)
    for place, path in made.items():
        assert path == place.path() and path.is_dir(), place
        assert mode(path) == place.mode, (place, oct(mode(path)))
    # Students reach the exchange through the state root.
    assert mode(places.state_root()) == 0o755
    assert mode(places.cache_root()) == 0o700


def test_a_place_an_earlier_run_left_with_another_mode_gets_its_own_back(fresh_roots):
    path = places.SANDBOXES.make()
    path.chmod(0o777)
    (path / "gsbx-leftover.json").write_text("{}")
    assert places.SANDBOXES.make() == path
    assert mode(path) == 0o711
    assert (path / "gsbx-leftover.json").exists()  # what is in it stays


def test_sandboxes_below_a_folder_nobody_else_may_enter_are_refused_with_the_fix(fresh_roots):
    closed = fresh_roots / "shut"
    closed.mkdir(mode=0o700)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(places.STATE_ROOT_ENV, str(closed / "state"))
        with pytest.raises(InvalidInput, match=f"{closed} lets no other user in") as error:
            places.SANDBOXES.make()
        assert f"chmod o+x {closed}" in error.value.fix
        assert places.CLASSROOM.make().is_dir()  # root's alone: nobody else needs a way in


def test_a_state_root_too_long_for_a_sandboxs_sockets_is_refused_before_anything_is_made(
    tmp_path, monkeypatch
):
    """A sandbox's engine listens on sockets below its folder, and a Unix socket's path has at
    most 107 characters: its containerd would fail to start with `connect: invalid argument`."""
    long_root = tmp_path / ("x" * 60) / "state"
    monkeypatch.setenv(places.STATE_ROOT_ENV, str(long_root))
    with pytest.raises(InvalidInput, match="107 characters") as error:
        places.SANDBOXES.make()
    assert places.STATE_ROOT_ENV in error.value.fix
    assert not long_root.exists()
    monkeypatch.setenv(places.STATE_ROOT_ENV, places.DEFAULT_STATE_ROOT)
    room = len(str(places.SANDBOXES.path() / places.SANDBOXES.longest_below))
    assert room <= places.SOCKET_PATH_MAX  # the default leaves room


def test_asking_where_a_place_is_makes_nothing(fresh_roots):
    for place in places.EVERY:
        assert not place.path().exists()
    assert sandbox.leftovers() == []  # grader doctor's look, on a machine with no state
    assert not places.state_root().exists()


def test_the_roots_are_read_when_asked_not_at_import(tmp_path, monkeypatch):
    monkeypatch.setenv(places.STATE_ROOT_ENV, str(tmp_path / "a"))
    assert places.SEATS.path() == tmp_path / "a" / "seats"
    monkeypatch.setenv(places.STATE_ROOT_ENV, str(tmp_path / "b"))
    assert places.SEATS.path() == tmp_path / "b" / "seats"
    monkeypatch.delenv(places.STATE_ROOT_ENV)
    assert places.state_root() == Path("/var/lib/publishing-course")


def test_no_other_module_names_a_state_folder_or_reads_where_one_is():
    """A writer that finds its folder on its own is how a fresh machine's first grading crashed
    (a sandbox's record written into a folder only `Sandbox.create` made)."""
    own = (REPO / "grader" / "infra" / "places.py", REPO / "grader" / "settings.py")
    pattern = re.compile(
        r"/var/lib/publishing-course|XDG_CACHE_HOME|COURSE_(SANDBOXES|SEATS|EXCHANGE|"
        r"CLASSROOM_STATE|STATE_ROOT)|\.cache\b|cache_dir\("
    )
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in (REPO / "grader").rglob("*.py")
        if path not in own
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.skipif(not sandbox.support()[0], reason=f"no sandboxes here: {sandbox.support()[1]}")
def test_a_sandbox_pool_on_a_machine_with_no_state_fails_with_a_reason_not_a_traceback(
    fresh_roots,
):
    """The crash of a fresh machine's first `grader grade --jobs 2`: the pool's first record."""
    pool = sandbox.Pool(fresh_roots / "no-such-images.tar", ahead=1, total=1)
    try:
        name = pool.take()
        with pytest.raises(SandboxUnavailable, match="could not be made"):
            sandbox.Sandbox.adopt(name, timeout=120)
    finally:
        pool.close()
        sandbox.remove(name)
    assert mode(places.SANDBOXES.path()) == 0o711
    assert sandbox.leftovers() == []


def test_a_seats_learner_labs_are_where_its_default_cache_puts_them(monkeypatch, tmp_path):
    """The class page reads a student's journals below their home where their lessons' labs
    keep them (their cache is the default one): the two must name the same folder."""
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert places.learners_below(tmp_path) == places.LEARNERS.path()
