"""Everything a lesson notebook uses, in one import: ``from grader.lesson import *``.

A lesson's first cell is that line and ``lab = begin("NN-name")``; the notebook then holds
teaching, not plumbing: the widgets (a goal with its check and hints, predict-then-run, the hub
view, the diagnosis of a pasted error) and the few helpers lessons call (a free port for the
app, the app's page, a copy of the app's source, the paragraph true on this engine, the pull
limit's headers).
"""

from __future__ import annotations

from .course import lessons
from .course.begin import begin
from .course.helpers import (
    app_folder,
    app_port,
    app_port_note,
    engine_text,
    page,
    platform_folder,
    rate_limit,
    small_pull_limits,
)
from .course.widgets import (
    CheckButton,
    DiagnoseBox,
    DoctorPanel,
    HubView,
    Predict,
    Quiz,
    VerifyForm,
    YourTurn,
)

__all__ = [
    "CheckButton",
    "DiagnoseBox",
    "DoctorPanel",
    "HubView",
    "Predict",
    "Quiz",
    "VerifyForm",
    "YourTurn",
    "app_folder",
    "app_port",
    "app_port_note",
    "begin",
    "engine_text",
    "lessons",
    "page",
    "platform_folder",
    "rate_limit",
    "small_pull_limits",
]
