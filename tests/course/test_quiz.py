import pytest

from grader.course import quiz


def test_every_question_has_options_a_right_answer_and_an_explanation():
    assert len(quiz.QUESTIONS) >= 5
    for question in quiz.QUESTIONS:
        assert len(question.options) >= 2 and 0 <= question.answer < len(question.options)
        assert question.why


def test_right_wrong_and_missing_answers_are_marked():
    chosen = [q.answer for q in quiz.QUESTIONS]
    chosen[0] = (chosen[0] + 1) % len(quiz.QUESTIONS[0].options)
    chosen[1] = None
    marks = quiz.grade(chosen)
    assert [m.correct for m in marks] == [False, False] + [True] * (len(chosen) - 2)
    assert marks[1].chosen is None
    assert quiz.score(marks) == (len(chosen) - 2, len(chosen))


def test_an_answer_per_question_is_required():
    with pytest.raises(ValueError):
        quiz.grade([0])
