"""Executing a lesson notebook headless (nbclient, a real kernel) and reading what it showed: cell
outputs and the state of its widgets, as a saved notebook keeps them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from grader.course import lessons

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSONS = tuple(name for name, _ in lessons.LESSONS)
TYPED = json.loads((Path(__file__).parent / "typed.json").read_text())
"""What a learner types into each lesson (see the file's own note)."""


@dataclass
class Executed:
    name: str
    notebook: nbformat.NotebookNode

    @property
    def outputs(self) -> list[dict]:
        return [o for cell in self.notebook.cells for o in cell.get("outputs", [])]

    @property
    def errors(self) -> list[str]:
        return [f"{o['ename']}: {o['evalue']}" for o in self.outputs if o["output_type"] == "error"]

    @property
    def widget_states(self) -> list[dict]:
        saved = self.notebook.metadata.get("widgets", {})
        states = saved.get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        return [model["state"] for model in states.values()]

    def texts(self) -> list[str]:
        """Every text the notebook shows: streams, rich outputs, widget values and the text in
        its Output widgets."""
        found = []
        for output in self.outputs:
            if "text" in output:
                found.append(_join(output["text"]))
            for value in output.get("data", {}).values():
                found.append(value if isinstance(value, str) else json.dumps(value))
        for state in self.widget_states:
            if isinstance(state.get("value"), str):
                found.append(state["value"])
            for output in state.get("outputs", []):
                found.append(_join(output.get("text", "")))
        return found

    def shows(self, text: str) -> bool:
        return any(text in t for t in self.texts())

    def verdicts(self) -> dict[str, list[bool]]:
        """``{check: [passed, …]}`` for every check result the notebook shows."""
        found: dict[str, list[bool]] = {}
        for text in self.texts():
            for name, passed in re.findall(r'data-check="([\w-]+)" data-passed="(\w+)"', text):
                found.setdefault(name, []).append(passed == "true")
        return found

    def exit_statuses(self) -> list[int]:
        return [int(s) for t in self.texts() for s in re.findall(r'data-exit="(-?\d+)"', t)]

    def saved_text(self) -> str:
        """The notebook file as it would be saved."""
        return nbformat.writes(self.notebook)


def _join(text) -> str:
    return "".join(text) if isinstance(text, list) else text


def typed_into(notebook: nbformat.NotebookNode, typed: dict[str, str]) -> nbformat.NotebookNode:
    """The notebook with what a learner typed: ``{cell id: source}`` replaces an empty cell's
    source; ``{cell id + "+": lines}`` adds lines after a cell's own (a widget's clicks)."""
    cells = {cell.id: cell for cell in notebook.cells}
    for key, source in typed.items():
        cell = cells[key.removesuffix("+")]  # a KeyError: the data names a cell that is gone
        cell.source = f"{cell.source}\n{source}" if key.endswith("+") else source
    return notebook


def execute(
    name: str, allow_errors: bool = False, timeout: int = 900, typed: dict | None = None
) -> Executed:
    """Run every cell of ``notebooks/NAME.ipynb`` top to bottom in a fresh kernel (which inherits
    this process's environment), in the notebooks folder, with ``typed`` entered first (see
    :func:`typed_into`; nothing by default: Run All alone)."""
    notebook = typed_into(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4), typed or {})
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        store_widget_state=True,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return Executed(name, notebook)
