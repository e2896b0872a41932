"""nbgrader's Execute, with the verdict of every check cell computed outside the kernel.

The student's code runs in the kernel, so anything computed there can be faked: a variable
defined, ``Lab.check`` or ``requests`` patched. Here the grading process itself starts the lab
(a fresh registry per submission), the kernel attaches to it (``GRADER_LAB``), and after each
graded cell that carries a ``# verify:`` line, this process runs the check against the real
state and writes the cell's outputs: the result text when it passed, an error with the message
and the hint when it failed (so nbgrader scores it 0, and no traceback of hidden test code is
ever shown). An infrastructure failure stops the run with an error instead of a score.
"""

from __future__ import annotations

import ast
import os

from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade

from ..errors import InvalidInput
from ..lab import GRADING_ENV, Lab
from ..result import CheckResult
from . import directives


class VerifiedExecute(Execute):
    def preprocess(self, nb, resources=None, km=None):
        self._lab = Lab.start_for_grading()
        previous = os.environ.get(GRADING_ENV)
        os.environ[GRADING_ENV] = str(self._lab.grading_handle())
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if previous is None:
                os.environ.pop(GRADING_ENV, None)
            else:
                os.environ[GRADING_ENV] = previous
            self._lab.stop()

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == "code" and is_grade(cell):
            directive = directives.parse(cell.source)
            if directive is not None:
                cell.outputs = [_output(self._verdict(directive))]
        return cell, resources

    def _verdict(self, directive: directives.Directive) -> CheckResult | str:
        accounts = self._lab.student_accounts()
        if not accounts:
            return "No account in the classroom registry: the notebook never ran Lab.start(username=...)."
        self._lab.username = accounts[0]
        answers = dict(directive.literals)
        for key, variable in directive.expressions.items():
            answers[key] = self._kernel_value(variable)
        try:
            return self._lab.check(directive.check, **answers)
        except InvalidInput as error:
            return f"{error.message} {error.fix}"

    def _kernel_value(self, variable: str):
        """The value of a plain variable in the student's kernel (a statement the student makes,
        compared with real state here), or None."""
        reply = run_sync(self.kc.execute_interactive)(
            "", silent=True, store_history=False, user_expressions={"value": variable}, timeout=30
        )
        result = reply["content"].get("user_expressions", {}).get("value", {})
        if result.get("status") != "ok":
            return None
        try:
            return ast.literal_eval(result["data"]["text/plain"])
        except (ValueError, SyntaxError, KeyError):
            return None


def _output(result: CheckResult | str) -> NotebookNode:
    if isinstance(result, CheckResult) and result.passed:
        return NotebookNode(output_type="stream", name="stdout", text=str(result) + "\n")
    text = str(result)
    return NotebookNode(
        output_type="error",
        ename="CheckFailed",
        evalue=result.message if isinstance(result, CheckResult) else text,
        traceback=text.splitlines(),
    )
