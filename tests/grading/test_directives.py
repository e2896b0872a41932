"""The ``# verify:`` line of a graded test cell: which check runs, with which arguments.

The grading run (``VerifiedExecute.preprocess_cell``) parses the source of each graded code cell
after nbgrader restored it from the gradebook; a cell without a directive gets no verdict."""

import inspect
import json
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from grader.checks import CHECKS
from grader.grading.directives import Directive, parse

REPO = Path(__file__).resolve().parents[2]


def test_a_check_without_arguments():
    assert parse("# verify: versioning\nlab.check('versioning')") == Directive("versioning")


def test_literal_arguments_are_strings():
    directive = parse('# verify: push tag=v1.1.0\nlab.check("push", tag="v1.1.0")')
    assert directive == Directive("push", {"tag": "v1.1.0"}, {})
    assert directive.literals["tag"] == "v1.1.0"


@pytest.mark.parametrize("word, value", [("True", True), ("False", False)])
def test_true_and_false_are_booleans(word, value):
    directive = parse(f"# verify: visibility private={word}")
    assert directive.literals == {"private": value}
    assert directive.literals["private"] is value  # not the string "False", which is truthy


@pytest.mark.parametrize("word", ["true", "false", "TRUE", "1", "yes"])
def test_only_pythons_spelling_is_a_boolean(word):
    assert parse(f"# verify: visibility private={word}").literals == {"private": word}


def test_a_dollar_name_is_the_students_variable():
    directive = parse("# verify: verify digest=$DIGEST size=$SIZE")
    assert directive == Directive("verify", {}, {"digest": "DIGEST", "size": "SIZE"})


@pytest.mark.parametrize("value", ["$1x", "$", "$a-b", "$DIGEST.upper()", "$x[0]"])
def test_a_dollar_that_is_not_a_plain_name_stays_a_literal(value):
    # Only a plain variable is read from the kernel: never an expression to evaluate there.
    directive = parse(f"# verify: verify digest={value}")
    assert directive.expressions == {}
    assert directive.literals == {"digest": value}


def test_literals_and_expressions_mix():
    directive = parse("# verify: verify digest=$DIGEST size=12 private=False")
    assert directive.literals == {"size": "12", "private": False}
    assert directive.expressions == {"digest": "DIGEST"}


def test_a_value_keeps_its_equals_signs():
    assert parse("# verify: push tag=a=b").literals == {"tag": "a=b"}


@pytest.mark.parametrize(
    "line",
    ["#verify: push tag=v1", "#   verify:   push    tag=v1   ", "# verify:push tag=v1\t"],
)
def test_spacing_around_the_line_does_not_matter(line):
    assert parse(line) == Directive("push", {"tag": "v1"})


def test_the_line_may_follow_other_lines_of_the_cell():
    source = 'lab.check("push")\n# verify: push tag=v1\n### BEGIN HIDDEN TESTS\n'
    assert parse(source) == Directive("push", {"tag": "v1"})


def test_the_first_directive_counts():
    assert parse("# verify: push tag=v1\n# verify: pull").check == "push"


@pytest.mark.parametrize(
    "source",
    [
        "",
        'lab.check("push", tag="v1")',
        "# check: push",
        "verify: push",  # not a comment
        "x = 1  # verify: push",  # not at the start of its line
        "  # verify: push",  # indented: not the instructor's line
        "# Verify: push",
        "# verify: Push",  # check names are lowercase
        "# verify: push2",
        "# verify: push Tag=v1",  # an argument name that is not lowercase spoils the line
        "# verify: push tag=",
        "# verify: push tag",
        "# verify:",
    ],
)
def test_anything_else_is_no_directive(source):
    assert parse(source) is None


@pytest.mark.parametrize(
    "source", ['# verify: push\nresult=lab.check("push")', "# verify: push\ntag=v2"]
)
def test_the_directive_is_one_line(source):
    assert parse(source) == Directive("push")


def test_directives_are_kept_apart_between_parses():
    # The defaults are fresh dicts: one directive's arguments never leak into another's.
    first, second = parse("# verify: push"), parse("# verify: pull")
    assert first.literals is not second.literals
    assert first.literals == {} and second.expressions == {}


def test_a_directive_is_frozen():
    with pytest.raises(AttributeError):
        parse("# verify: push").check = "login"


def test_every_graded_cell_of_the_course_names_a_check_that_exists():
    """Each graded code cell of the instructor's notebooks carries a directive that parses, for
    a check the course has, with arguments that check takes (what the grading run relies on)."""
    checks = {check.name: check for check in CHECKS}
    seen = 0
    for path in sorted((REPO / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] != "code" or not meta.get("grade"):
                continue
            directive = parse("".join(cell["source"]))
            assert directive is not None, (path.name, meta["grade_id"])
            assert directive.check in checks, (path.name, meta["grade_id"])
            takes = inspect.signature(checks[directive.check].function).parameters
            given = {*directive.literals, *directive.expressions}
            assert given <= set(takes) - {"lab"}, (path.name, meta["grade_id"], given)
            seen += 1
    assert seen >= 10


def test_a_graded_cell_of_a_real_notebook_is_parsed_from_its_source():
    nb = new_notebook(
        cells=[
            new_code_cell(
                'USERNAME = "john123"',
                metadata={"nbgrader": {"grade": False, "grade_id": "username", "solution": True}},
            ),
            new_code_cell(
                '# verify: push tag=v1.0.0\nlab.check("push", tag="v1.0.0")',
                metadata={
                    "nbgrader": {
                        "grade": True,
                        "grade_id": "check-push",
                        "locked": True,
                        "points": 1,
                        "schema_version": 3,
                        "solution": False,
                        "task": False,
                    }
                },
            ),
        ]
    )
    graded = [parse(c.source) for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded == [Directive("push", {"tag": "v1.0.0"})]
