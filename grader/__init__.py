"""The course's grader: a classroom registry and a real check for every step of publishing an
image (Build -> Tag -> Push -> Pull -> Run).

    from grader import Lab
    lab = Lab.start(username="john123")
    lab.check("push")
"""

from .errors import CourseError, InfrastructureError, InvalidInput
from .lab import Lab
from .result import CheckResult

__all__ = ["CheckResult", "CourseError", "InfrastructureError", "InvalidInput", "Lab"]
