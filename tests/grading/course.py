"""Staging an nbgrader course in a temporary folder: the repository's sources and config, the
generated releases, and submissions made from them."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


_STAGED: list[Path] = []
"""The course staged once in this test process (nbgrader's generate_assignment takes about 10 s
a lab); each caller gets its own copy."""


def stage(root: Path) -> Path:
    """A course folder as an instructor has it: sources, config, generated releases (and its
    gradebook), made from the repository's current sources once a test session, copied here."""
    if not _STAGED:
        staged = Path(tempfile.mkdtemp(prefix="staged-course-")) / "course"
        staged.mkdir()
        atexit.register(shutil.rmtree, staged.parent, True)
        shutil.copytree(REPO / "solutions", staged / "solutions")
        shutil.copy(REPO / "nbgrader_config.py", staged)
        for lab in LABS:
            nbgrader(staged, "generate_assignment", lab, "--force")
        _STAGED.append(staged)
    shutil.copytree(_STAGED[0], root, dirs_exist_ok=True)
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
