"""The course's Docker Hub client (``grader.hub.client.HubAPI``, the real-Hub mode's) driven by
answers in Docker Hub's own shapes (``tests/hub/replays/*.json``, judged by Docker Hub's API
description like every answer of the classroom hub): it follows every list to its end through
the absolute ``next`` links Docker Hub sends, creates a repository with the ``namespace`` the
description requires, says Docker Hub's words when refused, and signs in again before Docker
Hub's ten minutes run out. No network: a local server answers each expected request in turn and
fails a request it did not expect."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grader.hub import client as client_module
from grader.hub.client import HubAPI, HubRefused
from tests.hub.contract import Judged

REPLAYS = Path(__file__).resolve().parent / "replays"


class Replay:
    """Serves ``exchanges`` in order; a request that is not the next one expected is answered
    599 and kept in ``unexpected``."""

    def __init__(self, exchanges: list[dict]) -> None:
        self.exchanges = list(exchanges)
        self.unexpected: list[str] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                replay.answer(self, body)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def answer(self, handler: BaseHTTPRequestHandler, body) -> None:
        url = urlsplit(handler.path)
        said = f"{handler.command} {url.path}?{url.query} {json.dumps(body)}"
        wanted = self.exchanges[0]["request"] if self.exchanges else None
        if wanted is None or (
            (wanted["method"], wanted["path"], wanted.get("query", ""), wanted.get("body"))
            != (handler.command, url.path, url.query, body)
        ):
            self.unexpected.append(f"{said} (expected {wanted})")
            status, data = 599, b"{}"
        else:
            answer = self.exchanges.pop(0)["answer"]
            status = answer["status"]
            data = json.dumps(answer["body"]).replace("{base}", self.base).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def replayed():
    """``(client, replay, judged)``: the client on a session the description judges."""
    exchanges = json.loads((REPLAYS / "lists-and-create.json").read_text())["exchanges"]
    replay = Replay(exchanges)
    judged = Judged(replay.base)
    yield HubAPI(replay.base, session=judged), replay, judged
    replay.close()


def test_lists_are_followed_to_their_end_and_a_repository_is_made_with_its_namespace(replayed):
    client, replay, judged = replayed
    access = client.access("learner1", "dckr_pat_ReplayedReplayedReplayed12")
    assert [r["name"] for r in client.repositories("learner1", access)] == [
        "my-flask-app", "notes", "web",
    ]  # fmt: skip
    tags = client.tags("learner1", "my-flask-app", access)
    assert [t["name"] for t in tags] == ["v2", "v1"]  # newest push first, as Docker Hub lists
    tokens = client.access_tokens(access)
    assert [(t["token_label"], t["is_active"]) for t in tokens] == [("ci", False), ("laptop", True)]
    made = client.create_repository("learner1", "api", False, access)
    assert made["permissions"]["write"] is True
    with pytest.raises(HubRefused, match="a replayed refusal: this repository exists") as refused:
        client.create_repository("learner1", "api", False, access)
    assert refused.value.status == 400
    assert replay.unexpected == [] and replay.exchanges == []  # every request expected, all asked
    assert (
        judged.wrong() == ""
    )  # the client's requests and the replayed answers, by the description


def test_a_sign_in_is_kept_and_renewed_before_docker_hubs_ten_minutes_run_out(
    replayed, monkeypatch
):
    client, replay, _ = replayed
    sign_in = replay.exchanges[0]
    replay.exchanges = [sign_in, sign_in]
    now = [1000.0]
    monkeypatch.setattr(client_module.time, "monotonic", lambda: now[0])
    secret = "dckr_pat_ReplayedReplayedReplayed12"
    first = client.access("learner1", secret)
    now[0] += 8 * 60
    assert client.access("learner1", secret) == first and len(replay.exchanges) == 1  # kept
    now[0] += 90  # 9.5 minutes after signing in: within the last minute of ten
    assert client.access("learner1", secret) == first and replay.exchanges == []  # signed in again
    assert replay.unexpected == []
    assert client_module.SIGN_IN_SECONDS - client_module.RENEW_BEFORE_SECONDS < 10 * 60
