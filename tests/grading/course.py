"""Staging an nbgrader course in a temporary folder: the repository's sources and config, the
generated releases, and submissions made from them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LABS = ["lab1-publish", "lab2-retrieve", "lab3-versioning", "lab4-capstone"]


def nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    # nbgrader's gradebook runs `alembic` from PATH: this environment's, activated or not.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"],
        env={**os.environ, "PATH": path},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


def stage(root: Path) -> Path:
    """A course folder as an instructor has it: sources, config, generated releases."""
    shutil.copytree(REPO / "solutions", root / "solutions")
    shutil.copy(REPO / "nbgrader_config.py", root)
    for lab in LABS:
        nbgrader(root, "generate_assignment", lab, "--force")
    return root


def notebook(root: Path, lab: str, version: str = "release") -> dict:
    folder = "labs" if version == "release" else "solutions"
    return json.loads((root / folder / lab / f"{lab}.ipynb").read_text())


def fill(nb: dict, answers: dict[str, str]) -> dict:
    """The release with the named answer cells filled in, as a student would type them."""
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return nb


def submit(root: Path, student: str, lab: str, nb: dict) -> None:
    folder = root / "submitted" / student / lab
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{lab}.ipynb").write_text(json.dumps(nb, indent=1))
