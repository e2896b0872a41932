"""grader.server.backup without students' users: the roster, the certificate and the exchange
saved and put back, what is replaced kept aside, and a hostile backup refused or contained."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile

import pytest

from grader.errors import InvalidInput
from grader.infra import places
from grader.server import backup, control


@pytest.fixture
def class_state(tmp_path, monkeypatch):
    """A stopped classroom's state (roster, certificate, exchange) in a state root of its own."""
    monkeypatch.setenv("COURSE_STATE_ROOT", str(tmp_path / "state"))
    control.write_roster([{"username": "bkpalice", "password_hash": "x", "role": "student"}])
    tls = places.CLASSROOM.path() / "tls"
    tls.mkdir(mode=0o700)
    (tls / "classroom.crt").write_text("CERT")
    inbound = places.EXCHANGE.make() / "publishing-images" / "inbound"
    inbound.mkdir(parents=True)
    inbound.chmod(0o733)
    (inbound / "bkpalice+lab1+2026-12-06").mkdir()
    (inbound / "bkpalice+lab1+2026-12-06" / "lab1.ipynb").write_text("{}")
    return tmp_path


def test_a_backup_is_put_back_and_what_it_replaces_is_kept_aside(class_state):
    saved = backup.backup(class_state / "b1", log=print)
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["people"] == [{"username": "bkpalice", "role": "student"}]
    assert manifest["homes"] == []  # bkpalice has no user on this machine
    assert stat.S_IMODE(saved.stat().st_mode) == 0o700
    inbound = places.EXCHANGE.path() / "publishing-images" / "inbound"
    submitted = inbound / "bkpalice+lab1+2026-12-06" / "lab1.ipynb"
    submitted.unlink()  # lost after the backup
    control.write_roster([])
    (places.CLASSROOM.path() / "tls" / "classroom.crt").write_text("ANOTHER")
    said = []
    aside = backup.restore(saved, log=said.append)
    assert submitted.read_text() == "{}"
    assert stat.S_IMODE(inbound.stat().st_mode) == 0o733  # students can still hand in
    assert control.roster_records()[0]["username"] == "bkpalice"
    assert (places.CLASSROOM.path() / "tls" / "classroom.crt").read_text() == "CERT"
    assert (aside / "classroom" / "tls" / "classroom.crt").read_text() == "ANOTHER"
    assert json.loads((aside / "classroom" / "roster.json").read_text()) == []
    assert not (aside / "exchange" / "publishing-images" / "inbound" / "bkpalice+lab1+2026-12-06"
                / "lab1.ipynb").exists()  # fmt: skip
    assert "restored" in said[0] and str(aside) in said[0] and "skipped" not in said[0]


def test_a_backup_goes_only_into_a_new_or_empty_folder(class_state):
    used = class_state / "used"
    used.mkdir()
    (used / "mine.txt").write_text("keep me")
    with pytest.raises(InvalidInput, match="is not an empty folder; nothing was done"):
        backup.backup(used)
    assert os.listdir(used) == ["mine.txt"]


def test_a_folder_that_is_no_whole_backup_is_refused_before_anything_changes(class_state):
    before = (places.CLASSROOM.path() / "roster.json").read_bytes()
    with pytest.raises(InvalidInput, match="holds no classroom backup"):
        backup.restore(class_state)
    saved = backup.backup(class_state / "b2")
    (saved / "exchange.tar.gz").unlink()
    with pytest.raises(InvalidInput, match="lacks exchange.tar.gz; nothing was done"):
        backup.restore(saved)
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "format": 99}))
    with pytest.raises(InvalidInput, match="format 99"):
        backup.restore(saved)
    assert (places.CLASSROOM.path() / "roster.json").read_bytes() == before
    assert not list(places.state_root().glob("before-restore-*"))


def test_members_that_would_land_outside_their_folder_are_skipped(class_state):
    saved = backup.backup(class_state / "b3")
    outside = class_state / "outside.txt"
    with tarfile.open(saved / "exchange.tar.gz", "w:gz") as tar:
        for name, kind in (("exchange", tarfile.DIRTYPE), ("exchange/../../outside.txt", None),
                           ("exchange/link", tarfile.SYMTYPE), ("exchange/ok.txt", None)):  # fmt: skip
            info = tarfile.TarInfo(name)
            data = b"planted"
            if kind == tarfile.DIRTYPE:
                info.type, info.mode = kind, 0o755
                tar.addfile(info)
            elif kind == tarfile.SYMTYPE:
                info.type, info.linkname = kind, "/etc/shadow"
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    said = []
    backup.restore(saved, log=said.append)
    assert not outside.exists()
    assert not (places.EXCHANGE.path() / "link").is_symlink()
    assert (places.EXCHANGE.path() / "ok.txt").read_text() == "planted"
    assert "2 member(s) that pointed outside their folder were skipped" in said[0]
