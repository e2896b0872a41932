"""Named exceptions.

A student's mistake is never an exception: it is a failed :class:`~grader.result.CheckResult`.
What raises is bad input to the API (:class:`InvalidInput`) and a broken environment
(:class:`InfrastructureError`). Each carries the message a person needs and the fix, and renders
in a notebook as those two lines instead of a traceback.
"""

from __future__ import annotations


class CourseError(Exception):
    """Base of every error the course raises on purpose."""

    kind = "error"

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback.
        lines = [f"{type(self).__name__} ({self.kind}): {self.message}"]
        if self.fix:
            lines.append(f"  fix: {self.fix}")
        return lines


class InvalidInput(CourseError, ValueError):
    """Something handed to the API is not acceptable; nothing was changed."""

    kind = "invalid input"


class InvalidUsername(InvalidInput):
    pass


class InvalidReference(InvalidInput):
    pass


class UnknownCheck(InvalidInput):
    pass


class InfrastructureError(CourseError, RuntimeError):
    """The environment is broken: not the student's fault, and no score should be given for it."""

    kind = "infrastructure error"


class EngineUnavailable(InfrastructureError):
    pass


class ImageUnavailable(InfrastructureError):
    pass


class RegistryUnavailable(InfrastructureError):
    pass


class PortInUse(InfrastructureError):
    pass


class LabStopped(InfrastructureError):
    pass


class SandboxUnavailable(InfrastructureError):
    """A grading sandbox could not be made or started (the grading host, not the student)."""
