"""Every cell's nbgrader metadata as the instructor made it, before anything reads it.

A notebook's metadata is the student's: a flipped ``grade`` flag, ``points: 100`` on an answer
cell or a test cell marked unlocked would otherwise change what nbgrader scores (or stop it
with "Inconsistent checksums"). This runs in nbgrader's sanitizing step, before
``OverwriteCells``: each cell with a grade id the gradebook knows gets the gradebook's flags and
points; nbgrader metadata on any other cell (one the student marked) is dropped.
"""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor


class RestoreCellMetadata(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        names = resources["nbgrader"]
        with Gradebook(names["db_url"]) as gradebook:
            try:
                source = gradebook.find_notebook(names["notebook"], names["assignment"])
            except MissingEntry:
                return nb, resources
            known = {cell.name: cell for cell in source.source_cells}
            points = {cell.name: cell.max_score for cell in source.grade_cells}
            solutions = {cell.name for cell in source.solution_cells}
            tasks = {cell.name for cell in source.task_cells}
        for cell in nb.cells:
            metadata = cell.metadata.get("nbgrader")
            if metadata is None:
                continue
            grade_id = metadata.get("grade_id")
            if grade_id not in known:
                self.log.warning(
                    "Dropping nbgrader metadata the instructor never set: %s", grade_id
                )
                del cell.metadata["nbgrader"]
                continue
            restored = {
                "grade": grade_id in points,
                "grade_id": grade_id,
                "locked": known[grade_id].locked,
                "schema_version": 3,
                "solution": grade_id in solutions,
                "task": grade_id in tasks,
            }
            if grade_id in points:
                restored["points"] = points[grade_id]
            if restored != {k: metadata.get(k) for k in restored}:
                self.log.warning("Restored the instructor's nbgrader metadata of %s", grade_id)
            cell.metadata["nbgrader"] = {**metadata, **restored}
            cell.cell_type = known[grade_id].cell_type
        return nb, resources
