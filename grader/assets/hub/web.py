"""The hub's request plumbing: routes, bodies, answers (JSON or a page), refusals, sessions.

:class:`Handler` is the base every part of the hub adds its routes to (``auth``, ``admin``,
``api``, ``views``); ``hubd`` puts them together. A route is a method registered with
:func:`route`; what it answers goes through :meth:`Handler.send`."""

from __future__ import annotations

import hmac
import http.cookies
import json
import re
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

import pages
import shapes
from store import Refused, now

if TYPE_CHECKING:
    from hubd import Hub

PROXIED = re.compile(r"^(/(?:[^?#]*/)?proxy/absolute/\d+)(?=/|$)")
"""The prefix jupyter-server-proxy's absolute mode keeps: ``[/user/NAME]/proxy/absolute/PORT``."""

DRAIN_LIMIT = 1 << 20
"""The largest refused body still read before the answer (see :meth:`Handler.body`)."""


def log(msg: str, **fields) -> None:
    print(json.dumps({"time": now(), "msg": msg, **fields}), flush=True)


ROUTES: list[tuple[str, re.Pattern, str]] = []
"""``(method, path pattern, handler method's name)``, in the order they were declared."""


def route(method: str, pattern: str):
    def register(function):
        ROUTES.append((method, re.compile("^" + pattern + "$"), function.__name__))
        return function

    return register


class SignIn(Refused):
    """A page that needs a signed-in browser: a GET for a page goes to the sign-in page."""

    def __init__(self) -> None:
        super().__init__(401, "Sign in to see this page.")


class Handler(BaseHTTPRequestHandler):
    server_version = "classroom-hub"
    protocol_version = "HTTP/1.1"

    @property
    def hub(self) -> Hub:
        return self.server.hub  # type: ignore[attr-defined]

    def log_message(self, format, *args) -> None:  # the JSON log says what matters
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True

    # --- plumbing ----------------------------------------------------------------------------------

    @property
    def client(self) -> str:
        return self.client_address[0]

    def _dispatch(self, method: str) -> None:
        self._body_read = False
        # Through jupyter-server-proxy (JupyterLab on a remote machine), the hub is reached at
        # JUPYTER_BASE/proxy/absolute/PORT/...: keep that prefix for every link it answers.
        found = PROXIED.match(self.path)
        self.prefix = found.group(1) if found else ""
        self.path = self.path[len(self.prefix) :] or "/"
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        path = url.path.rstrip("/") or "/"
        try:
            for wanted, pattern, name in ROUTES:
                match = pattern.match(path)
                if match and wanted == method:
                    return getattr(self, name)(*match.groups())
            if any(p.match(path) for _, p, _ in ROUTES):
                raise Refused(405, f"{method} is not allowed here")
            raise Refused(404, "not found")
        except Refused as refusal:
            self.refused(refusal)
        except Exception as error:  # never a traceback to the client; the log keeps it
            log("error", path=path, error=f"{type(error).__name__}: {error}")
            self.send(500, {"message": "the hub failed on this request; see its log"})

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def body(self, limit: int = 65536) -> bytes:
        self._body_read = True
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise Refused(400, "Content-Length is not a number") from None
        if length > limit:
            # Read (and drop) a body up to a megabyte first: a socket closed with unread data
            # is reset, and the client may lose the answer while still sending. Past that, the
            # connection is closed unread.
            remaining = length if length <= DRAIN_LIMIT else 0
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
            self.close_connection = True  # no keep-alive after a refused body
            raise Refused(413, "request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def json_body(self) -> dict:
        raw = self.body()
        try:
            found = json.loads(raw or b"{}")
        except ValueError:
            raise Refused(400, "the request body is not JSON") from None
        if not isinstance(found, dict):
            raise Refused(400, "the request body is not a JSON object")
        return found

    def form(self) -> dict[str, str]:
        raw = self.body().decode("utf-8", "replace")
        return {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def send(self, status: int, body, headers: dict | None = None, content_type: str = "") -> None:
        if not self._body_read and self.command in ("POST", "PATCH", "PUT", "DELETE"):
            try:  # an answer without reading the request's body: read it, or keep-alive breaks
                self.body()
            except Refused:
                pass
        if isinstance(body, (dict, list)):
            data, content_type = json.dumps(body).encode(), content_type or "application/json"
        else:
            if isinstance(body, str) and self.prefix:  # the pages' links are absolute paths
                body = re.sub(r'(href|action)="/', rf'\1="{self.prefix}/', body)
            data = body.encode() if isinstance(body, str) else body
            content_type = content_type or "text/html; charset=utf-8"
        headers = dict(headers or {})
        if self.prefix and headers.get("Location", "").startswith("/"):
            headers["Location"] = self.prefix + headers["Location"]
        if "Set-Cookie" in headers:
            headers["Set-Cookie"] = headers["Set-Cookie"].replace("Path=/", f"Path={self.prefix}/")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "SAMEORIGIN")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:  # said, so a client never sends its next request on it
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def refused(self, refusal: Refused) -> None:
        if isinstance(refusal, SignIn) and self.command == "GET" and self.wants_html():
            self.redirect("/login?next=" + urllib.parse.quote(self.path))
            return
        headers = {"Retry-After": refusal.field} if refusal.status == 429 else {}
        if self.wants_html():
            page = pages.error(refusal.status, refusal.message, self.web_user())
            self.send(refusal.status, page, headers)
            return
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/v2/"):  # Docker Hub's API: its shapes
            field = refusal.field if refusal.status != 429 else ""
            body = shapes.error(path, refusal.status, refusal.message, field)
        else:  # the token service (auth.docker.io's "details") and the grader's calls
            body = {"message": refusal.message, "details": refusal.message}
            if refusal.field and refusal.status != 429:
                body["errinfo"] = {"field": refusal.field}
        self.send(refusal.status, body, headers)

    def url(self) -> str:
        """This request's absolute URL, as its client addressed it (Host, the proxy's prefix,
        the scheme a TLS proxy in front says it used)."""
        scheme = self.headers.get("X-Forwarded-Proto") or "http"
        host = self.headers.get("X-Forwarded-Host") or self.headers.get("Host") or "localhost"
        return f"{scheme}://{host}{self.prefix}{self.path}"

    def wants_html(self) -> bool:
        path = urllib.parse.urlsplit(self.path).path
        return not (path.startswith("/v2/") or path.startswith("/_") or path == "/token")

    def redirect(self, where: str, headers: dict | None = None) -> None:
        self.send(303, "", {"Location": where, **(headers or {})})

    # --- web sessions --------------------------------------------------------------------------------

    def cookie(self) -> str:
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie") or "")
        return jar["hub_session"].value if "hub_session" in jar else ""

    def web_user(self) -> str:
        return self.hub.web_sessions.get(self.cookie(), ("", ""))[0]

    def signed_in(self) -> tuple[str, str]:
        found = self.hub.web_sessions.get(self.cookie())
        if not found:
            raise SignIn()
        return found

    def checked_form(self) -> tuple[str, dict[str, str]]:
        username, csrf = self.signed_in()
        form = self.form()
        if not hmac.compare_digest(form.get("csrf", ""), csrf):
            raise Refused(403, "this form has expired: reload the page and try again")
        return username, form

    def page(self, html: str, status: int = 200) -> None:
        self.send(status, html)
