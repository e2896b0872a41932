"""nbgrader's configuration for this course: the instructor's sources are `solutions/`, the
student versions `labs/`; check cells are verified outside the student's kernel."""

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    ClearOutput,
    DeduplicateIds,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from grader.grading.execute import VerifiedExecute
from grader.grading.integrity import RestoreCellMetadata

c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = "publishing-images"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
# The paired text sources (*.py, jupytext) are the reviewable form of the solutions: they must
# never be copied into a student release.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.py"]

# A submission's nbgrader metadata is the student's: each cell's flags and points come back from
# the gradebook before nbgrader reads them (grader/grading/integrity.py).
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    RestoreCellMetadata,
    OverwriteCells,
    CheckCellMetadata,
]
# Execute, with each check's verdict computed outside the kernel (see grader/grading/execute.py).
# Order as nbgrader's default, with VerifiedExecute in place of Execute.
c.Autograde.autograde_preprocessors = [
    VerifiedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# A push of the real Flask image takes ~10 s on two cores; a slow classroom machine gets room.
c.Execute.timeout = 600
# docker's own warnings on stderr ("Your credentials are stored unencrypted") are not errors.
c.IgnorePattern.pattern = r"WARNING! Your (password|credentials)|Configure a credential helper|https://docs\.docker\.com/go/credential-store/"

# Feedback never shows hidden tests.
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests]
