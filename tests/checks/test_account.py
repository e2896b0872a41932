import pytest

from tests.conftest import set_lab_token_active

pytestmark = pytest.mark.docker


def test_the_started_account_passes(lab):
    result = lab.check("account")
    assert result.passed and result.points == result.max_points == 1
    assert "john123" in result.message


def test_an_account_whose_token_the_hub_no_longer_accepts_fails(lab):
    set_lab_token_active(lab, False)
    result = lab.check("account")
    assert not result.passed and result.points == 0
    assert "does not accept" in result.message and "Start the lab again" in result.hint
