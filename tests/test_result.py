from grader.errors import RegistryUnavailable
from grader.result import CheckResult


def result(passed: bool) -> CheckResult:
    return CheckResult(
        name="push",
        title="Push the image",
        passed=passed,
        points=2 if passed else 0,
        max_points=2,
        message="The registry has <b>no</b> john123/my-flask-app:v1 yet.",
        hint="" if passed else "Push it: docker push localhost:5000/john123/my-flask-app:v1",
    )


def test_a_failed_result_shows_verdict_points_message_and_hint_as_text():
    text = str(result(False))
    assert text.startswith("[FAIL] push (0/2): The registry has")
    assert "hint: Push it: docker push" in text
    assert not result(False)


def test_a_passed_result_has_no_hint_line():
    assert "hint" not in str(result(True))
    assert result(True)


def test_html_is_escaped_and_marks_the_verdict():
    html = result(False)._repr_html_()
    assert "&lt;b&gt;no&lt;/b&gt;" in html and "<b>no</b>" not in html
    assert 'data-passed="false"' in html and "Hint:" in html
    assert 'data-passed="true"' in result(True)._repr_html_()


def test_errors_render_as_message_and_fix_not_a_traceback():
    error = RegistryUnavailable("The registry stopped.", "Start the lab again.")
    assert error._render_traceback_() == [
        "RegistryUnavailable (infrastructure error): The registry stopped.",
        "  fix: Start the lab again.",
    ]
