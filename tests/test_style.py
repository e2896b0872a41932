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
