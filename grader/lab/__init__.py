"""A lab: one student's classroom registry, account, access token and Docker configuration.

The package's face: what other code imports from ``grader.lab``. Inside it, :mod:`.lab` holds the
:class:`Lab` object (its state, checks, paths and hub questions), :mod:`.builders` each way into
a lab (create, resume, attach, for grading, on Docker Hub) and :meth:`Lab.reset`,
:mod:`.learners` what is remembered about a learner on disk, :mod:`.accounts` a lab's hub account
(passwords, tokens), and :mod:`.explain` the hook under a failed ``!docker`` line."""

from .accounts import COURSE_TOKEN_LABEL, new_password
from .builders import GRADING_ENV
from .lab import APP_REPOSITORY, Lab
from .learners import SIGN_UP, learner_dir, remembered_username

__all__ = [
    "APP_REPOSITORY",
    "COURSE_TOKEN_LABEL",
    "GRADING_ENV",
    "SIGN_UP",
    "Lab",
    "learner_dir",
    "new_password",
    "remembered_username",
]
