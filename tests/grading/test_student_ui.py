"""Students see nbgrader's assignment list and Validate, not the instructor's tools: `make setup`
disables and locks those plugins in the course's environment (the one running these tests)."""

import json
import subprocess
import sys
from pathlib import Path

INSTRUCTOR_PLUGINS = [
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
]
STUDENT_PLUGINS = (
    "@jupyter/nbgrader:assignment-list",
    "@jupyter/nbgrader:validate-assignment",
    "@jupyter/nbgrader:menu",  # the only way to the Assignment List: it shows just that entry
)


def test_instructor_plugins_are_disabled_and_locked_for_students():
    page_config = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json"
    config = json.loads(page_config.read_text())
    for plugin in INSTRUCTOR_PLUGINS:
        assert config["disabledExtensions"].get(plugin) is True, plugin
        assert config["lockedExtensions"].get(plugin) is True, plugin
    for plugin in STUDENT_PLUGINS:
        assert not config["disabledExtensions"].get(plugin), plugin
        assert not config.get("lockedExtensions", {}).get(plugin), plugin


def test_jupyterlab_reports_the_plugins_disabled():
    listing = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True
    )
    disabled = (listing.stdout + listing.stderr).split("Disabled extensions:")[1]
    for plugin in INSTRUCTOR_PLUGINS:
        assert plugin in disabled
    for plugin in STUDENT_PLUGINS:
        assert plugin not in disabled
