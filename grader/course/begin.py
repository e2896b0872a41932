"""A lesson's first cell: ``lab = begin("NN-name")``. It starts the learner's lab and shows the
lesson's header (a widget), so it lives above both :mod:`grader.course.lessons` and
:mod:`grader.course.widgets`: the lessons never import the widgets."""

from __future__ import annotations

from IPython.display import display

from ..lab import Lab, remembered_username
from ..settings import settings
from .widgets import LessonHeader


def begin(lesson: str, username: str | None = None) -> Lab:
    """A lesson's first cell: start (or find) the learner's lab and show the lesson's header:
    your registry, username and token file, what this lesson builds on (and a button that does
    what is missing), where you are in the lifecycle, and the way on.

    Whose lab: ``username`` if given, else ``COURSE_USERNAME`` (a classroom that names its
    students; the course then makes the account), else the username the learner chose on their
    hub's sign-up page (remembered), else a lab waiting for its learner to sign up (lesson 01)."""
    username = username or settings().username or remembered_username()
    lab = Lab.start(username=username, persistent=True)
    display(LessonHeader(lab, lesson))
    return lab
