"""nbgrader's Execute, with the student's kernel in a sandbox and the verdict of every check cell
computed outside it.

The student's code runs in the kernel, so anything computed there can be faked: a variable
defined, ``Lab.check`` or ``requests`` patched, a file written. Here the grading process:

1. reads the USERNAME the notebook states (a plain string in its answer cell);
2. makes a sandbox (:mod:`grader.isolation.sandbox`: a user of its own, a rootless engine loaded with
   the course's images, limits, a private view of the file system) and starts the classroom
   registry on the sandbox's engine with the student's account;
3. runs the kernel in the sandbox, attached to that lab (``GRADER_LAB``: the student's own
   token, never a grader credential), after removing hidden tests from every cell;
4. after each graded cell that carries a ``# verify:`` line, runs the check itself against the
   sandbox engine's and the registry's real state, and writes the cell's outputs: the result
   when it passed, an error with the message and the hint when it failed (so nbgrader scores it
   0, and no test code is ever shown);
5. destroys the sandbox.

What fails before the student's code runs (no sandbox, no registry) is the environment's: an
infrastructure error stops the run without a score, and the class grading retries it. What fails
after (a registry the student stopped, an engine they killed, a notebook past its time) scores 0
with the reason.

Where sandboxes cannot be made (not Linux, not root, tools missing), the kernel runs as the
grading user with the host's engine, and the grading log says so.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbclient.util import run_sync
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade
from traitlets import Any, Bool, Dict, Integer, List, Unicode, default

from ..errors import InfrastructureError, InvalidInput
from ..infra import images as _images
from ..infra import places
from ..infra.engine import Engine
from ..isolation import rootless
from ..isolation import sandbox as _sandbox
from ..lab import GRADING_ENV, Lab
from ..names import validate_username
from ..result import CheckResult
from ..settings import settings
from . import directives, handoff

VERDICTS: list[dict] = []
"""Every check verdict this process computed, with its evidence, in the order of the cells:
what ``grades-evidence.json`` keeps (``worker.py`` empties it before each submission). Only the
grading process writes here: a check cell's outputs in the autograded notebook carry the verdict
as text (the evidence does not fit a student's feedback), and any other cell's outputs are the
student's code's, which can print anything."""

_HIDDEN_TESTS = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?", re.S | re.M
)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs inside a sandbox (see ``Sandbox.jail``)."""

    sandbox = Any()
    kernel_env = Dict()
    hide = List()
    show = List()

    def format_kernel_cmd(self, extra_arguments=None):
        argv = super().format_kernel_cmd(extra_arguments)
        return self.sandbox.jail(argv, self.kernel_env, self.hide, self.show)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        self.sandbox.give(Path(self.connection_file))


class HandoffKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in a kernel host in another container, which the
    course folder is not mounted in (``handoff.py``): what it launches here is the relay."""

    folder = Unicode()
    kernel_env = Dict()
    kernel_cwd = Unicode()

    def format_kernel_cmd(self, extra_arguments=None):
        argv = super().format_kernel_cmd(extra_arguments)
        env = [f"--env={name}={value}" for name, value in self.kernel_env.items()]
        relay = [sys.executable, "-m", handoff.__name__, "relay", self.folder]
        return [*relay, f"--cwd={self.kernel_cwd}", *env, "--", *argv]


REFUSED = (
    "Not graded here: no sandbox can be made in this process ({why}), and grading here would "
    "run the student's code as you, with your files and your course's gradebook in reach."
)
REFUSED_FIX = (
    "Grade from the class page (/services/class/: Grade), or as root: "
    "sudo grader classroom grade LAB [--student NAME]."
)


class VerifiedExecute(Execute):
    sandboxed = Bool(
        True,
        help="Run the student's kernel in a sandbox with an engine of its own where this host "
        "can make one (Linux, root, rootlesskit); otherwise as the grading user.",
    ).tag(config=True)
    time_limit = Integer(
        900,
        help="Seconds the student's notebook may run in all; past them, each cell gets one "
        "second (the checks still run, from outside).",
    ).tag(config=True)

    refuse_unsandboxed = Bool(
        False,
        help="Refuse to grade where no sandbox can be made, before any of the student's code "
        "runs (the classroom sets it for its instructors: the formgrader's Autograde would "
        "otherwise run a student's code as the instructor).",
    ).tag(config=True)

    kernel_handoff = Unicode(
        help="A folder shared with a kernel host in another container (`python -m "
        "grader.grading.handoff serve FOLDER`, the Kubernetes grading Job's kernel container): "
        "the student's kernel runs there, out of reach of the course folder, instead of in a "
        "sandbox made here. Default: GRADER_KERNEL_HANDOFF.",
    ).tag(config=True)

    @default("kernel_handoff")
    def _kernel_handoff_default(self) -> str:
        return settings().kernel_handoff

    def preprocess(self, nb, resources=None, km=None):
        ok, why = _sandbox.support()
        if self.kernel_handoff:
            ok, why = False, f"the kernel runs in the kernel host at {self.kernel_handoff}"
        elif self.refuse_unsandboxed and not (self.sandboxed and ok):
            raise InvalidInput(REFUSED.format(why=why), REFUSED_FIX)
        username = stated_username(nb)
        for cell in nb.cells:
            cell.source = strip_hidden_tests(cell.source)
        self._sandbox = None
        self._handoff: Path | None = None
        if self.kernel_handoff:
            self._handoff = _handoff_run(Path(self.kernel_handoff))
            self.log.info(
                "Grading kernel handed over (%s): the course folder is not in its container.", why
            )
        elif self.sandboxed and ok and os.environ.get(_sandbox.SANDBOX_ENV):
            # Made by `grader grade` while this process started (see classroom.py).
            self._sandbox = _sandbox.Sandbox.adopt(os.environ[_sandbox.SANDBOX_ENV])
            self.log.info("Grading sandbox %s: %s", self._sandbox.name, why)
        elif self.sandboxed and ok:
            host = Engine.connect()
            saved = _images.saved(host, _images.ensure(host, log=lambda _: None))
            self._sandbox = _sandbox.Sandbox.create(images=saved)
            self.log.info("Grading sandbox %s: %s", self._sandbox.name, why)
        else:
            why = why if not ok else "turned off: VerifiedExecute.sandboxed = False"
            self.log.warning("No grading sandbox (%s): the student's code runs as you.", why)
        try:
            home = self._handoff / "home" if self._handoff else None
            self._lab = Lab.start_for_grading(username, self._sandbox, home)
        except BaseException:
            if self._sandbox is not None:
                self._sandbox.destroy()
            if self._handoff is not None:
                shutil.rmtree(self._handoff, ignore_errors=True)
            raise
        self._deadline = time.monotonic() + self.time_limit
        self._kernel_dead = False
        self._said: list = []
        """What the course makes of the docker commands that failed in the last answer cell."""
        previous = os.environ.get(GRADING_ENV)
        if self._handoff is not None:
            self._handle = self._lab.grading_handle(self._handoff / "home")
            _copy_files(resources, self._handoff / "work")
        elif self._sandbox is None:
            os.environ[GRADING_ENV] = str(self._lab.grading_handle())
        else:
            self._handle = self._lab.grading_handle(self._sandbox.home)
            _copy_into(resources, self._sandbox)
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if previous is None:
                os.environ.pop(GRADING_ENV, None)
            else:
                os.environ[GRADING_ENV] = previous
            self._lab.stop()
            if self._handoff is not None:
                shutil.rmtree(self._handoff, ignore_errors=True)

    def create_kernel_manager(self):
        if self._handoff is not None:
            return self._handoff_kernel_manager(self._handoff)
        if self._sandbox is None:
            return super().create_kernel_manager()
        sandbox = self._sandbox
        ipc = sandbox.root / "ipc"
        self.km = SandboxKernelManager(
            # The kernel lives in the sandbox's network namespace: its channels are files.
            transport="ipc",
            ip=str(ipc / "kernel"),
            kernel_name=self.kernel_name or "python3",
            config=self.config,
            sandbox=sandbox,
            kernel_env=self._kernel_env(),
            hide=_course_folders(self.resources),
            show=sorted({sys.prefix, sys.base_prefix, str(Path(__file__).resolve().parents[1])}),
        )
        self.km.connection_file = str(sandbox.root / "kernel.json")
        return self.km

    def _kernel_env(self) -> dict[str, str]:
        """All a kernel run elsewhere (a sandbox, a kernel host) gets of an environment: the
        lab to attach to and the student's Docker configuration, never the grader's own."""
        return {
            GRADING_ENV: str(self._handle),
            "DOCKER_CONFIG": str(self._lab.config.directory),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PATH": f"{Path(sys.executable).parent}:{rootless.PATH}",
        }

    def _handoff_kernel_manager(self, run: Path) -> HandoffKernelManager:
        host = settings().docker_host
        self.km = HandoffKernelManager(
            # The kernel host shares the folder, not necessarily the network: channels are files.
            transport="ipc",
            ip=str(run / "ipc" / "kernel"),
            kernel_name=self.kernel_name or "python3",
            config=self.config,
            folder=str(run.parent),
            kernel_cwd=str(run / "work"),
            kernel_env={
                **self._kernel_env(),
                "HOME": str(run / "home"),
                **({"DOCKER_HOST": host} if host else {}),
            },
        )
        self.km.connection_file = str(run / "kernel.json")
        return self.km

    def _get_timeout(self, cell):
        """Each cell's timeout, never past the sandbox's wall time for the whole notebook."""
        timeout = super()._get_timeout(cell)
        left = max(1, int(self._deadline - time.monotonic()))
        return left if timeout is None else min(timeout, left)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and self._kernel_dead:
            cell.outputs = [_error("Not run: an earlier cell stopped the kernel.")]
        else:
            try:
                cell, resources = super().preprocess_cell(cell, resources, index)
            except DeadKernelError:
                self._kernel_dead = True
                cell.outputs.append(_error("This cell stopped the kernel (the student's code)."))
        if cell.cell_type == "code" and is_grade(cell):
            directive = directives.parse(cell.source)
            if directive is not None:
                verdict = self._verdict(directive)
                VERDICTS.append(_record(verdict, directive, cell, resources))
                cell.outputs = [_output(_with_diagnoses(verdict, self._said))]
        elif cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            self._said = _diagnoses(cell)
        return cell, resources

    def _verdict(self, directive: directives.Directive) -> CheckResult | str:
        if not self._lab.username:
            return (
                "The notebook states no valid USERNAME (a plain string such as "
                'USERNAME = "john123"), so there is no account to check.'
            )
        answers = dict(directive.literals)
        for key, variable in directive.expressions.items():
            answers[key] = self._kernel_value(variable)
        try:
            return self._lab.check(directive.check, **answers)
        except InvalidInput as error:
            return f"{error.message} {error.fix}"
        except InfrastructureError as error:
            if self._sandbox is None:
                raise
            # The sandbox and its registry answered before the student's code ran: whatever
            # stopped them since happened inside the sandbox.
            return (
                f"{error.message.split(':')[0]} while your notebook ran: the sandbox's engine or "
                "registry was stopped from inside it (by your code), so nothing can be checked."
            )

    def _kernel_value(self, variable: str):
        """The value of a plain variable in the student's kernel (a statement the student makes,
        compared with real state here), or None."""
        try:
            reply = run_sync(self.kc.execute_interactive)(
                "", silent=True, store_history=False, user_expressions={"value": variable},
                timeout=30,
            )  # fmt: skip
        except Exception:  # a kernel the student's code killed or hung
            return None
        result = reply["content"].get("user_expressions", {}).get("value", {})
        if result.get("status") != "ok":
            return None
        try:
            return ast.literal_eval(result["data"]["text/plain"])
        except (ValueError, SyntaxError, KeyError):
            return None


def stated_username(nb) -> str | None:
    """The USERNAME the notebook states: ``USERNAME = "..."`` in a code cell (its answer cell
    ``username`` first), if it is a valid username; else None."""
    cells = sorted(
        (c for c in nb.cells if c.cell_type == "code"),
        key=lambda c: c.metadata.get("nbgrader", {}).get("grade_id") != "username",
    )
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["USERNAME"]
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                try:
                    return validate_username(node.value.value)
                except InvalidInput:
                    return None
    return None


def strip_hidden_tests(source: str) -> str:
    """The cell without its ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` blocks: the
    verdicts come from outside the kernel, so hidden tests never need to run, and never reach
    an autograded notebook or feedback."""
    return _HIDDEN_TESTS.sub("", source).rstrip("\n") if "HIDDEN TESTS" in source else source


def _course_folders(resources) -> list[str]:
    """The folders of the course the grading runs in (gradebook, sources, every submission) and
    the course's caches: hidden from the kernel."""
    folders = {os.getcwd(), str(places.cache_root())}
    path = Path((resources or {}).get("metadata", {}).get("path") or ".").resolve()
    if path.parent.parent.name == "autograded":
        folders.add(str(path.parents[2]))
    return sorted(folders)


def _handoff_run(folder: Path) -> Path:
    """A fresh folder for one notebook's kernel in the kernel host's shared ``folder``: the
    student's home and working folder, and the kernel's channels."""
    if not (folder / handoff.REQUESTS).is_dir():
        raise InfrastructureError(
            f"No kernel host shares {folder}: its {handoff.REQUESTS}/ folder does not exist.",
            f"Run `python -m grader.grading.handoff serve {folder}` in the container the "
            "student's kernel is to run in (k8s/grading-job.yaml), or unset "
            "GRADER_KERNEL_HANDOFF to grade in a sandbox here.",
        )
    run = Path(tempfile.mkdtemp(prefix="run-", dir=folder))
    for name in ("home", "work", "ipc"):
        (run / name).mkdir(mode=0o700)
    return run


def _copy_files(resources, work: Path) -> None:
    """The submission's files (the notebook's folder) as the kernel's working folder."""
    path = (resources or {}).get("metadata", {}).get("path")
    if path and Path(path).is_dir():
        shutil.copytree(path, work, dirs_exist_ok=True, symlinks=True)


def _copy_into(resources, sandbox) -> None:
    """The submission's files (the notebook's folder), as the sandbox user's working folder."""
    _copy_files(resources, sandbox.work)
    for folder, dirs, files in os.walk(sandbox.work):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), sandbox.uid, sandbox.gid)


def _diagnoses(cell) -> list[str]:
    """The diagnoses the course's cell shell showed under the answer cell's failed ``!docker``
    lines, each from that command's own output (:mod:`grader.diagnose`). They come from the
    student's kernel, like the rest of the cell's output: feedback only, never a score."""
    found: list[str] = []
    for output in cell.get("outputs", []):
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        shown = "".join(data.get("text/html", ""))
        if 'class="grader-diagnosis"' not in shown:
            continue
        text = " ".join("".join(data.get("text/plain", "")).split())[:600]
        if text and text not in found:
            found.append(text)
    return found[:3]


def _with_diagnoses(verdict: CheckResult | str, said: list) -> CheckResult | str:
    """A failed verdict with what the course makes of docker's messages in the answer above it."""
    if not said or (isinstance(verdict, CheckResult) and verdict.passed):
        return verdict
    told = " ".join(f"What docker printed in your answer means: {text}" for text in said)
    if isinstance(verdict, str):
        return f"{verdict} {told}"
    return dataclasses.replace(verdict, hint=f"{verdict.hint} ({told})" if verdict.hint else told)


def _record(verdict: CheckResult | str, directive, cell, resources) -> dict:
    """One verdict as ``grades-evidence.json`` keeps it: the check's own result (not the
    diagnoses of the student's output that feedback adds)."""
    names = (resources or {}).get("nbgrader", {})
    record = {
        "notebook": names.get("notebook"),
        "cell": cell.metadata.get("nbgrader", {}).get("grade_id"),
        "check": directive.check,
    }
    if isinstance(verdict, CheckResult):
        record.update(
            passed=verdict.passed,
            points=verdict.points,
            max_points=verdict.max_points,
            message=verdict.message,
            hint=verdict.hint,
            evidence=verdict.evidence,
        )
    else:  # no account to check, or an answer the check cannot take: nothing was observed
        points = cell.metadata.get("nbgrader", {}).get("points", 0)
        record.update(
            passed=False, points=0, max_points=points, message=verdict, hint="", evidence={}
        )
    return record


def _error(text: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="NotRun", evalue=text, traceback=[text])


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
