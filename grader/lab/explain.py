"""The IPython hook under a failed ``!docker`` line: what went wrong and what to type instead."""

from __future__ import annotations

import os


def _explain_failure(command: str, output: str, status: int, lab_class: type) -> None:
    """Under a failed ``!docker`` line, what went wrong and what to type instead
    (:mod:`grader.diagnose`), written with the values of the lab the notebook holds: the one
    whose Docker configuration is in effect.

    ``lab_class`` is :class:`~grader.lab.lab.Lab`, given by the ways in that install this hook
    (:mod:`.builders`): :mod:`.lab` imports them, so this module cannot import :mod:`.lab`."""
    from IPython import get_ipython
    from IPython.display import display

    from ..diagnose import Context, diagnose

    shell = get_ipython()
    held = [
        value for value in (shell.user_ns.values() if shell else ()) if isinstance(value, lab_class)
    ]
    in_effect = os.environ.get("DOCKER_CONFIG")
    lab = next((lab for lab in held if str(lab.config.directory) == in_effect), None)
    found = diagnose(command, output, status, Context.of(lab))
    if found is not None:
        display(found)
        if lab is not None:
            lab.record_diagnosis(found.error)
