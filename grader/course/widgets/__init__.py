"""The lessons' widgets: the only package that imports ipywidgets.

Widgets only display and call. Running a command is :func:`grader.infra.commands.run`, a check
is :meth:`grader.Lab.check`, the hub page is :func:`grader.course.hubview.repository`, the
lifecycle and the catch-up are in :mod:`grader.course.lessons`, a predict-then-run moment's
commands run in :meth:`grader.course.moments.Moment.play`, the quiz is marked by
:func:`grader.course.quiz.grade`. Each widget keeps what it shows as plain attributes
(``result``, ``lines``, ``repository``, …) so code and tests can read it, and writes text through
one ``Output`` with ``append_stdout`` (text printed ``with out:`` only reaches a front end, never
the kernel's own state).

A step's widgets are in :mod:`.turns` (CheckButton, YourTurn, VerifyForm) and :mod:`.predict`
(Predict); a lesson's header in :mod:`.header` (LessonHeader, LifecycleTracker, CatchUp); the
panels in :mod:`.panels` (DiagnoseBox, HubView, DoctorPanel, Quiz); what they share in
:mod:`.base`.
"""

from .header import CatchUp, LessonHeader, LifecycleTracker
from .panels import DiagnoseBox, DoctorPanel, HubView, Quiz
from .predict import Predict
from .turns import CheckButton, VerifyForm, YourTurn

__all__ = [
    "CatchUp",
    "CheckButton",
    "DiagnoseBox",
    "DoctorPanel",
    "HubView",
    "LessonHeader",
    "LifecycleTracker",
    "Predict",
    "Quiz",
    "VerifyForm",
    "YourTurn",
]
