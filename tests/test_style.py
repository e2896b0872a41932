"""The code stays as ruff and ruff-format want it (the project's only style rules)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=REPO, capture_output=True, text=True
    )


def test_ruff_check_passes():
    done = ruff("check", ".")
    assert done.returncode == 0, done.stdout


def test_ruff_format_leaves_everything_as_it_is():
    done = ruff("format", "--check", ".")
    assert done.returncode == 0, done.stdout


def test_the_architecture_keeps_its_contracts():
    """import-linter's contracts ([tool.importlinter] in pyproject.toml): the layers, widgets only
    in the course, no test imported by the course, no import circle in any package."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_no_module_is_over_600_lines():
    """A module that outgrows a screenful of screens is split along its own sections."""
    long = {
        str(path.relative_to(REPO)): lines
        for path in (REPO / "grader").rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 600
    }
    assert long == {}


def test_the_hub_server_is_files_for_its_image_not_a_package_the_course_imports():
    """The hub's server runs in its own container: only its image build reads it (as files).
    ``grader/assets`` is no package, and no module of the course reaches it through sys.path."""
    assert not (REPO / "grader" / "assets" / "__init__.py").exists()
    for path in (REPO / "grader").rglob("*.py"):
        if "assets" in path.parts:
            continue
        text = path.read_text()
        assert "sys.path" not in text, path
