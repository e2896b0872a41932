"""The hub's pages' routes: sign-in and sign-up, a namespace's repositories, a repository and
its tags, its visibility, and the personal access tokens' settings (the HTML is ``pages``)."""

from __future__ import annotations

import secrets
import time

import pages
from auth import Principal
from store import Refused, now, parse_time
from web import Handler, log, route


class PageRoutes(Handler):
    @route("GET", "/")
    def home(self) -> None:
        user = self.web_user()
        self.redirect(f"/repositories/{user}" if user else "/login")

    @route("GET", "/login")
    def login_page(self) -> None:
        self.page(pages.login(_safe_next(self.query.get("next", [""])[0])))

    @route("POST", "/login")
    def login(self) -> None:
        form = self.form()
        username, password = form.get("username", "").strip(), form.get("password", "")
        target = _safe_next(form.get("next", ""))
        if not username or not password:
            self.page(pages.login(target, "Enter your username and password.", username), 400)
            return
        try:
            principal = self.hub.auth.identify(username, password, self.client)
            if principal.kind != "password":
                raise Refused(401, "sign in with your password, not an access token")
        except Refused as refusal:
            log("sign-in refused", account=username, via="web", error=refusal.message)
            headers = {"Retry-After": refusal.field} if refusal.status == 429 else {}
            self.send(
                refusal.status,
                pages.login(target, refusal.message.capitalize() + ".", username),
                headers,
            )
            return
        log("signed in", account=username, via="web", credential="password")
        cookie = secrets.token_urlsafe(32)
        self.hub.web_sessions[cookie] = (username, secrets.token_urlsafe(16))
        self.redirect(
            target or f"/repositories/{username}",
            {"Set-Cookie": f"hub_session={cookie}; Path=/; HttpOnly; SameSite=Lax"},
        )

    @route("GET", "/signup")
    def signup_page(self) -> None:
        taken = self.hub.store.signed_up()
        self.page(pages.signup(owner=taken[0]["username"] if taken else ""))

    @route("POST", "/signup")
    def signup(self) -> None:
        """Docker Hub's sign-up (username, email, password). A learner's classroom hub is theirs
        alone: once someone signed up on it, it sends the next one to sign in instead."""
        form = self.form()
        username = form.get("username", "").strip()
        email = form.get("email", "").strip()
        taken = self.hub.store.signed_up()
        try:
            self.hub.auth.limiter.check("signup:" + self.client)
            if taken:
                raise Refused(
                    409, f"this hub already has its learner's account, {taken[0]['username']}"
                )
            self.hub.store.sign_up(username, email, form.get("password", ""))
        except Refused as refusal:
            self.hub.auth.limiter.failed("signup:" + self.client)
            log("sign-up refused", account=username, error=refusal.message)
            owner = taken[0]["username"] if taken else ""
            page = pages.signup(refusal.message.capitalize() + ".", username, email, owner)
            headers = {"Retry-After": refusal.field} if refusal.status == 429 else {}
            self.send(refusal.status, page, headers)
            return
        log("signed up", account=username, via="web")
        cookie = secrets.token_urlsafe(32)
        self.hub.web_sessions[cookie] = (username, secrets.token_urlsafe(16))
        self.redirect(
            f"/repositories/{username}",
            {"Set-Cookie": f"hub_session={cookie}; Path=/; HttpOnly; SameSite=Lax"},
        )

    @route("POST", "/logout")
    def logout(self) -> None:
        self.hub.web_sessions.pop(self.cookie(), None)
        self.redirect("/login", {"Set-Cookie": "hub_session=; Path=/; Max-Age=0"})

    @route("GET", "/repositories/([^/]+)")
    def repositories_page(self, namespace: str) -> None:
        user = self.web_user()
        who = Principal(user, "password") if user else None
        found = [
            r
            for r in self.hub.store.repositories(namespace)
            if self.hub.registry.visible(who, namespace, r.name)
        ]
        self.page(pages.repositories(user, namespace, found, self.hub.settings.registry_host))

    @route("GET", "/r/([^/]+)/([^/]+)")
    def repository_page(self, namespace: str, name: str) -> None:
        user, csrf = self.hub.web_sessions.get(self.cookie(), ("", ""))
        found = self.hub.registry.visible(
            Principal(user, "password") if user else None, namespace, name
        )
        if found is None:
            raise Refused(
                404,
                f"Repository {namespace}/{name} not found (or it is private and you are not its owner).",
            )
        self.page(
            pages.repository(
                user,
                csrf,
                found,
                self.hub.settings.registry_host,
                self.hub.registry.tags(namespace, name),
            )
        )

    @route("GET", "/r/([^/]+)/([^/]+)/tags")
    def tags_page(self, namespace: str, name: str) -> None:
        user = self.web_user()
        found = self.hub.registry.visible(
            Principal(user, "password") if user else None, namespace, name
        )
        if found is None:
            raise Refused(
                404,
                f"Repository {namespace}/{name} not found (or it is private and you are not its owner).",
            )
        self.page(
            pages.tags(
                user,
                found,
                self.hub.settings.registry_host,
                self.hub.registry.tags(namespace, name),
            )
        )

    @route("POST", "/r/([^/]+)/([^/]+)/settings/visibility")
    def visibility(self, namespace: str, name: str) -> None:
        username, form = self.checked_form()
        if username != namespace:
            raise Refused(403, f"Only {namespace} can change this repository's visibility.")
        wanted = form.get("visibility")
        if wanted not in ("public", "private"):
            raise Refused(400, "Choose public or private.")
        self.hub.registry.record(namespace, name)
        try:
            found = self.hub.store.set_private(namespace, name, wanted == "private")
        except Refused as refusal:
            repo = self.hub.store.repository(namespace, name)
            if repo is None:
                raise
            tags = self.hub.registry.tags(namespace, name)
            csrf = self.signed_in()[1]
            self.page(
                pages.repository(
                    username, csrf, repo, self.hub.settings.registry_host, tags, refusal.message
                ),
                refusal.status,
            )
            return
        log("visibility", account=namespace, repository=name, private=found.is_private, via="web")
        self.redirect(f"/r/{namespace}/{name}")

    @route("GET", "/settings/personal-access-tokens")
    def tokens_page(self) -> None:
        username, csrf = self.signed_in()
        self.page(pages.tokens(username, csrf, self.hub.store.tokens(username)))

    @route("GET", "/settings/personal-access-tokens/new")
    def new_token_page(self) -> None:
        username, csrf = self.signed_in()
        self.page(pages.new_token(username, csrf))

    @route("POST", "/settings/personal-access-tokens")
    def create_token(self) -> None:
        username, form = self.checked_form()
        days = form.get("expiration", "")
        expires_at = None
        try:
            if days == "custom":
                expires_at = _custom_expiry(form.get("custom_expiration", ""))
            elif days not in ("", "none"):
                if days not in ("30", "90"):
                    raise Refused(400, "Choose an expiration from the list.")
                expires_at = _in_days(int(days))
            token, secret = self.hub.store.create_token(
                username, form.get("description", ""), form.get("permission", ""), expires_at,
                user_agent=self.headers.get("User-Agent", ""),
            )  # fmt: skip
        except Refused as refusal:
            csrf = self.signed_in()[1]
            self.page(pages.new_token(username, csrf, refusal.message, form), refusal.status)
            return
        log("access token created", account=username, uuid=token.uuid, scope=token.scope, via="web")
        self.page(
            pages.token_created(username, token, secret, self.hub.settings.registry_host), 201
        )

    @route("POST", "/settings/personal-access-tokens/([^/]+)/(activate|deactivate|delete)")
    def change_token(self, token_id: str, action: str) -> None:
        username, _ = self.checked_form()
        if action == "delete":
            self.hub.store.delete_token(username, token_id)
        else:
            self.hub.store.set_token_active(username, token_id, action == "activate")
        log(f"access token {action}", account=username, uuid=token_id, via="web")
        self.redirect("/settings/personal-access-tokens")

    @route("GET", "/_ping")
    def ping(self) -> None:
        self.send(200, {"ok": True})


def _custom_expiry(text: str) -> str:
    """Docker Hub's Custom expiry: a date and hour (UTC here) from now to a year ahead."""
    when = parse_time(text.strip() + (":00Z" if len(text.strip()) == 16 else ""))
    if when is None:
        raise Refused(400, "Give the custom expiration as a date and an hour.")
    moment, start = when.timestamp(), parse_time(now()).timestamp()  # type: ignore[union-attr]
    if not start < moment <= start + 366 * 86400:
        raise Refused(400, "A custom expiration is a date and hour within the coming year.")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _in_days(days: int) -> str:
    moment = parse_time(now()).timestamp() + days * 86400  # type: ignore[union-attr]
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _safe_next(target: str) -> str:
    """Only a path on this hub (never another site) to go on to after signing in."""
    return target if target.startswith("/") and not target.startswith("//") else ""
