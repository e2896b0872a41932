"""The grader's own calls (``/_admin/...``): accounts and the course's tokens, with the grader's
secret (Basic auth as ``HUB_ADMIN``)."""

from __future__ import annotations

import shapes
from store import Refused
from web import Handler, log, route


class AdminRoutes(Handler):
    def admin(self) -> None:
        if self.hub.auth.basic(self.headers.get("Authorization"), self.client).kind != "admin":
            raise Refused(403, "the grader's own call")

    @route("POST", "/_admin/accounts")
    def admin_account(self) -> None:
        self.admin()
        body = self.json_body()
        username = str(body.get("username", ""))
        self.hub.store.set_account(username, str(body.get("password", "")))
        answer = {"username": username}
        if body.get("token_label"):  # and a first token, in the same call (a lab's start)
            token, secret = self.hub.store.create_token(
                username,
                str(body["token_label"]),
                shapes.one_scope(body.get("scopes", ["repo:public_read"])),
                None,
                generated_by="course",
            )
            answer["token"] = {**token.api(), "token": secret}
        self.send(201, answer)

    @route("POST", "/_admin/mark")
    def admin_mark(self) -> None:
        """A line in the log that the grader waits for before reading it: every line the hub
        wrote before this call is then there (the engine copies a container's output a moment
        after it is written)."""
        self.admin()
        log("mark", mark=str(self.json_body().get("mark", ""))[:64])
        self.send(200, {})

    @route("GET", "/_admin/accounts")
    def admin_accounts(self) -> None:
        self.admin()
        self.send(
            200, {"accounts": self.hub.store.accounts(), "signed_up": self.hub.store.signed_up()}
        )

    @route("POST", "/_admin/accounts/([^/]+)/access-tokens")
    def admin_token(self, username: str) -> None:
        """A token made by the course (``generated_by: course``), e.g. for a graded lab."""
        self.admin()
        if not self.hub.store.has_account(username):
            raise Refused(404, f"no account {username!r}")
        body = self.json_body()
        token, secret = self.hub.store.create_token(
            username, str(body.get("token_label", "")), shapes.one_scope(body.get("scopes", ["repo:public_read"])),
            body.get("expires_at"), generated_by="course",
        )  # fmt: skip
        self.send(201, {**token.api(), "token": secret})

    @route("POST", "/_admin/pull-limits")
    def admin_pull_limits(self) -> None:
        """New pull limits for the pull-limited address (``anonymous``, ``account``, ``window``
        in seconds); the counts start again."""
        self.admin()
        body = self.json_body()
        pulls = self.hub.pulls
        pulls.set(
            body.get("anonymous", pulls.anonymous),
            body.get("account", pulls.account),
            body.get("window", pulls.window),
        )
        self.send(
            200, {"anonymous": pulls.anonymous, "account": pulls.account, "window": pulls.window}
        )

    @route("POST", "/_admin/identify")
    def admin_identify(self) -> None:
        """Which of an account's tokens a secret is (the grader's check of a stored login),
        without counting as a use of it."""
        self.admin()
        body = self.json_body()
        token = self.hub.store.token_by_secret(
            str(body.get("username", "")), str(body.get("secret", ""))
        )
        if token is None:
            raise Refused(404, "no such access token")
        self.send(200, {**token.api(), "status": token.status})  # active, inactive or expired
