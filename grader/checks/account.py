"""account: the learner has an account on the hub, under a name that follows Docker Hub's rules:
one they made themselves on the hub's sign-up page (a lesson's lab), or one the course made for
them (a graded lab, a classroom that names its students)."""

from __future__ import annotations

from ..errors import InvalidUsername
from ..names import USERNAME_RULE, validate_username
from ..result import Outcome, failed, passed


def check(lab) -> Outcome:
    if not lab.signed_up():
        return failed(
            "Your hub has no account of yours yet: nobody has signed up on it.",
            f"Open the hub's sign-up page, {lab.hub_page('/signup')}, and create your account: "
            f"choose your username ({USERNAME_RULE}; it goes into every image name you push), "
            "give an email address and a password of 9 characters or more.",
        )
    try:
        validate_username(lab.username)
    except InvalidUsername as error:
        return failed(error.message, error.fix)
    signed_up = lab.sign_up_record()
    if signed_up is not None:
        return passed(
            f"You signed up as {lab.username!r} on your hub ({signed_up['created_at'][:16]} "
            f"UTC): the username that goes into every image name you push ({USERNAME_RULE}).",
            username=lab.username,
            signed_up=signed_up["created_at"],
        )
    # A token that works proves the account exists; only a refusal needs the hub's accounts read.
    if not lab.registry_api.authenticates(lab.username, lab.token):
        if not lab.classroom:
            return failed(
                f"{lab.hub_url} does not accept the access token you gave the lab for "
                f"{lab.username!r}: deactivated, expired or deleted since, or another account's.",
                f"Generate a new one on {lab.hub_page('/settings/personal-access-tokens')} and "
                f"give it to the lab: Lab.use_hub({lab.username!r}).",
            )
        if not lab.has_account(lab.username):
            return failed(
                f"The classroom registry has no account {lab.username!r}.",
                "Start the lab with your username: lab = Lab.start(username=...).",
            )
        return failed(
            f"The hub does not accept the access token of {lab.username!r} (deactivated, "
            "expired or deleted).",
            f"Reactivate it or generate a new one on {lab.hub_page('/settings/personal-access-tokens')} "
            "and save it (lab.save_token()), or Start the lab again to get a new account and token.",
        )
    where = "the classroom registry" if lab.classroom else lab.hub_url
    return passed(
        f"The account {lab.username!r} exists on {where} ({USERNAME_RULE}) and its access "
        "token works.",
        username=lab.username,
    )
