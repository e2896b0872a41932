"""An instructor's nbgrader settings, as the classroom writes them: the formgrader's Autograde is
refused where no sandbox can be made, in a seat made today and in one made before the refusal
existed (its file gets the line once), never in a file of the instructor's own."""

from __future__ import annotations

from traitlets.config.loader import PyFileConfigLoader

from grader.server.spawner import nbgrader_settings, refuse_unsandboxed


def loaded(path):
    return PyFileConfigLoader(path.name, str(path.parent)).load_config()


def test_a_new_instructors_settings_refuse_unsandboxed_grading(tmp_path):
    config = tmp_path / "nbgrader_config.py"
    config.write_text(nbgrader_settings("/srv/exchange", tmp_path / "course"))
    assert loaded(config).VerifiedExecute.refuse_unsandboxed is True
    assert not refuse_unsandboxed(config)  # already there
    student = tmp_path / "student.py"
    student.write_text(nbgrader_settings("/srv/exchange"))
    assert "refuse_unsandboxed" not in loaded(student).VerifiedExecute


def test_a_seat_from_before_the_refusal_gets_it_once(tmp_path):
    config = tmp_path / "nbgrader_config.py"
    old = nbgrader_settings("/srv/exchange", tmp_path / "course").replace(
        "c.VerifiedExecute.refuse_unsandboxed = True\n", ""
    )
    config.write_text(old)
    assert "refuse_unsandboxed" not in loaded(config).VerifiedExecute
    assert refuse_unsandboxed(config) and not refuse_unsandboxed(config)
    assert loaded(config).VerifiedExecute.refuse_unsandboxed is True
    assert config.read_text().startswith(old)
    assert loaded(config).Exchange.root == "/srv/exchange"


def test_an_instructors_own_file_or_a_link_is_left_alone(tmp_path):
    own = tmp_path / "nbgrader_config.py"
    own.write_text("c = get_config()\nc.Exchange.root = '/mine'\n")
    assert not refuse_unsandboxed(own)
    assert own.read_text() == "c = get_config()\nc.Exchange.root = '/mine'\n"
    target = tmp_path / "elsewhere.py"
    target.write_text(nbgrader_settings("/srv/exchange"))
    link = tmp_path / "link" / "nbgrader_config.py"
    link.parent.mkdir()
    link.symlink_to(target)
    before = target.read_text()
    assert not refuse_unsandboxed(link) and target.read_text() == before
