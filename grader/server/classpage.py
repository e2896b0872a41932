"""The instructors' class page: a JupyterHub service at ``/services/class/`` that shows the class's
progress live (:mod:`grader.server.progress`), with its JSON twin at
``/services/class/progress.json``.

JupyterHub starts it (``grader classroom start`` names it in the hub's configuration) as root,
beside the hub, with the hub's OAuth: only the roster's instructors get in (JupyterHub gives
only admins the scope to reach a service, and the page checks the roster again); a student gets
403. The page fetches its JSON every few seconds and redraws the grid and the plots (Plotly,
served from the ``plotly`` package: no network needed) without a reload.

Run as ``python -m grader.server.classpage --roster ROSTER.json [--stuck-minutes N]``; the
address and the hub's OAuth settings come from the environment JupyterHub gives a service.
"""

from __future__ import annotations

import argparse
import html
import importlib.resources
import json
import os
import secrets
import urllib.parse
from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from tornado import ioloop, web

from .progress import STUCK_MINUTES, Gatherer, Member, grades_file, members

NAME = "class"
"""The service's name: its pages are at ``/services/class/``."""
REFRESH_SECONDS = 3


class _Instructors(HubOAuthenticated):
    """Signed in through the hub, and an instructor on the roster; anyone else gets 403."""

    def initialize(self, roster: Path, gatherer: Gatherer, stuck_minutes: float) -> None:
        self.roster, self.gatherer, self.stuck_minutes = roster, gatherer, stuck_minutes

    def instructor(self) -> list[Member]:
        people = members(self.roster)
        user = self.get_current_user() or {}
        if not any(p.instructor and p.username == user.get("name") for p in people):
            raise web.HTTPError(403, "The class page is for the course's instructors.")
        return people


class PageHandler(_Instructors, web.RequestHandler):
    @web.authenticated
    def get(self) -> None:
        self.instructor()
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        # The page's own fetches carry JupyterHub's XSRF token: a cookie alone is not enough for
        # a request that is not a navigation (JupyterHub >= 4.1), so no other site reads the data.
        token = self.xsrf_token
        token = token.decode() if isinstance(token, bytes) else token
        page = PAGE.replace("REFRESH_MS", str(REFRESH_SECONDS * 1000))
        self.finish(page.replace("XSRF_TOKEN", html.escape(token, quote=True)))


class ProgressHandler(_Instructors, web.RequestHandler):
    @web.authenticated
    def get(self) -> None:
        people = self.instructor()
        data = self.gatherer.gather(people, grades=grades_file(people),
                                    stuck_minutes=self.stuck_minutes)  # fmt: skip
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))


class PlotlyHandler(_Instructors, web.RequestHandler):
    _script: bytes | None = None

    @web.authenticated
    def get(self) -> None:
        self.instructor()
        if PlotlyHandler._script is None:
            bundle = importlib.resources.files("plotly") / "package_data" / "plotly.min.js"
            PlotlyHandler._script = bundle.read_bytes()
        self.set_header("Content-Type", "application/javascript")
        self.set_header("Cache-Control", "max-age=3600")
        self.finish(PlotlyHandler._script)


def application(prefix: str, roster: Path, stuck_minutes: float = STUCK_MINUTES) -> web.Application:
    shared = {"roster": roster, "gatherer": Gatherer(), "stuck_minutes": stuck_minutes}
    return web.Application(
        [
            (prefix, PageHandler, shared),
            (prefix + "progress.json", ProgressHandler, shared),
            (prefix + "plotly.min.js", PlotlyHandler, shared),
            (prefix + "oauth_callback", HubOAuthCallbackHandler),
        ],
        cookie_secret=secrets.token_bytes(32),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="grader.server.classpage", description=__doc__)
    parser.add_argument("--roster", required=True, help="the classroom's roster.json")
    parser.add_argument("--stuck-minutes", type=float, default=STUCK_MINUTES)
    options = parser.parse_args(argv)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{NAME}/")
    address = urllib.parse.urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
    app = application(prefix, Path(options.roster), options.stuck_minutes)
    app.listen(address.port, address.hostname)
    ioloop.IOLoop.current().start()


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Class progress</title>
<meta name="xsrf" content="XSRF_TOKEN">
<script src="plotly.min.js"></script>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: center; }
th.student, td.student { text-align: left; }
td.passed { background: #dafbe1; } td.failed { background: #ffebe9; } td.not-tried { color: #8c959f; }
.revealed::after { content: " \\1F441"; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; } .plot { width: 520px; height: 320px; }
#updated { color: #57606a; font-size: 12px; }
</style></head>
<body>
<h1>Class progress</h1>
<p id="updated">loading…</p>
<h2>Steps</h2>
<p>Each cell: <b>pass</b>, <b>fail</b> or <b>–</b> (not tried); the learner's attempts, the minutes
since their last try; an eye where they revealed the answer. As each learner's lab recorded it.</p>
<table id="grid"><thead></thead><tbody></tbody></table>
<h2>Stuck</h2><ul id="stuck"></ul>
<h2>Refusals and errors, last minutes</h2><ul id="feed"></ul>
<div class="plots"><div id="funnel" class="plot"></div></div>
<h2>After grading</h2><p id="nogrades">No lab graded yet.</p>
<div class="plots" id="gradeplots"></div>
<script>
"use strict";
function cell(tag, text, cls) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (cls) el.className = cls;
  return el;
}
function grid(data) {
  const head = document.querySelector("#grid thead"), body = document.querySelector("#grid tbody");
  const top = document.createElement("tr");
  top.appendChild(cell("th", "student", "student"));
  for (const step of data.steps) top.appendChild(cell("th", step));
  head.replaceChildren(top);
  const rows = [];
  for (const student of data.students) {
    const tr = document.createElement("tr");
    tr.dataset.student = student.username;
    tr.appendChild(cell("td", student.username, "student"));
    for (const step of data.steps) {
      const s = student.steps[step];
      const mark = s.state === "passed" ? "pass" : s.state === "failed" ? "fail" : "–";
      let text = mark;
      if (s.attempts) text += " ×" + s.attempts;
      if (s.minutes_since !== null) text += " · " + Math.round(s.minutes_since) + " min";
      const td = cell("td", text, s.state.replace(" ", "-") + (s.revealed ? " revealed" : ""));
      td.dataset.step = step;
      td.dataset.state = s.state;
      tr.appendChild(td);
    }
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}
function list(id, items, text) {
  const ul = document.getElementById(id);
  ul.replaceChildren(...(items.length ? items.map(i => cell("li", text(i))) : [cell("li", "none")]));
}
function plots(data) {
  Plotly.react("funnel", [{type: "bar", x: data.funnel.map(f => f.step),
    y: data.funnel.map(f => f.passed)}],
    {title: {text: "Students who passed each step"}, margin: {t: 40},
     yaxis: {range: [0, Math.max(1, data.students.length)], dtick: 1}});
  const grades = data.grades;
  document.getElementById("nogrades").hidden = !!(grades && Object.keys(grades.scores).length);
  if (!grades) return;
  const box = document.getElementById("gradeplots");
  for (const lab of Object.keys(grades.scores)) {
    for (const [kind, draw] of [["scores", id => Plotly.react(id,
          [{type: "histogram", x: grades.scores[lab]}],
          {title: {text: lab + ": scores"}, margin: {t: 40}})],
        ["failures", id => Plotly.react(id,
          [{type: "bar", x: Object.keys(grades.failures[lab] || {}),
            y: Object.values(grades.failures[lab] || {})}],
          {title: {text: lab + ": failures per check"}, margin: {t: 40}})]]) {
      const id = "plot-" + kind + "-" + lab.replace(/[^a-z0-9-]/gi, "_");
      if (!document.getElementById(id)) {
        const div = document.createElement("div"); div.id = id; div.className = "plot";
        box.appendChild(div);
      }
      draw(id);
    }
  }
}
async function refresh() {
  try {
    const answer = await fetch("progress.json", {cache: "no-store", headers: {"X-XSRFToken":
      document.querySelector("meta[name=xsrf]").content}});
    if (!answer.ok) throw new Error(answer.status + " " + answer.statusText);
    const data = await answer.json();
    grid(data);
    list("stuck", data.stuck, s => s.username + ": " + s.step + ", failing for " +
      Math.round(s.minutes) + " min (" + s.attempts + " attempts)");
    list("feed", data.feed, f => f.students + " student(s) got " + f.what + " in the last " +
      f.minutes + " minutes (" + f.usernames.join(", ") + ")");
    plots(data);
    document.getElementById("updated").textContent =
      "updated " + new Date(data.generated * 1000).toLocaleTimeString() +
      " · refreshes every " + REFRESH_MS / 1000 + " s";
  } catch (error) {
    document.getElementById("updated").textContent = "could not refresh: " + error;
  }
}
refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body></html>
"""


if __name__ == "__main__":
    main()
