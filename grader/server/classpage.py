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
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from tornado import ioloop, web

from .progress import (
    COURSE_FOLDER,
    STUCK_MINUTES,
    Gatherer,
    Member,
    grades_file,
    lateness,
    members,
)

NAME = "class"
"""The service's name: its pages are at ``/services/class/``."""
REFRESH_SECONDS = 3


class Job:
    """One grading or release the page started: ``grader classroom grade|release`` as a child
    (as root, as the command line would), one at a time; its output is kept for the page."""

    _lock = threading.Lock()
    current: Job | None = None

    def __init__(self, what: str, argv: list[str]) -> None:
        self.what, self.started = what, time.time()
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines = [*self.lines[-199:], line.rstrip()]

    @classmethod
    def start(cls, what: str, argv: list[str]) -> Job:
        with cls._lock:
            if cls.current is not None and cls.current.process.poll() is None:
                raise web.HTTPError(409, f"{cls.current.what} is still running.")
            cls.current = cls(what, argv)
            return cls.current

    def view(self) -> dict:
        status = self.process.poll()
        state = "running" if status is None else ("done" if status == 0 else "failed")
        return {"what": self.what, "state": state, "started": self.started,
                "output": self.lines[-40:]}  # fmt: skip


def labs(people: list[Member]) -> list[str]:
    """The labs in an instructor's course (their sources), to grade or release."""
    found = set()
    for person in people:
        source = person.home / COURSE_FOLDER / "solutions"
        if person.instructor and source.is_dir():
            found |= {p.name for p in source.iterdir() if p.is_dir() and p.name.startswith("lab")}
    return sorted(found)


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
        data["labs"] = labs(people)
        students = [p.username for p in people if not p.instructor]
        data["late"] = [
            entry
            for p in people
            if p.instructor and (p.home / COURSE_FOLDER / "gradebook.db").is_file()
            for entry in lateness(p.home / COURSE_FOLDER, students)
        ]
        data["job"] = Job.current.view() if Job.current is not None else None
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data))


class GradingHandler(_Instructors, web.RequestHandler):
    """``POST grade`` or ``POST release`` (``lab``, optional ``student``): the page's buttons,
    in place of the formgrader's Autograde (which would run a student's code as the instructor):
    each submission is graded in its sandbox, as ``grader classroom grade`` does."""

    @web.authenticated
    def post(self, action: str) -> None:
        people = self.instructor()
        lab, student = self.get_body_argument("lab", ""), self.get_body_argument("student", "")
        if lab not in labs(people):
            raise web.HTTPError(400, f"There is no lab {lab!r} in the course.")
        students = {p.username for p in people if not p.instructor}
        if student and student not in students:
            raise web.HTTPError(400, f"{student!r} is not a student on the roster.")
        who = self.get_current_user()["name"]
        argv = [sys.executable, "-m", "grader", "classroom", action, lab, "--instructor", who]
        argv += ["--student", student] if student else []
        what = f"{'grading' if action == 'grade' else 'releasing the feedback of'} {lab}"
        job = Job.start(what + (f" for {student}" if student else ""), argv)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(job.view()))


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
            (prefix + r"(grade|release)", GradingHandler, shared),
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
<h2>Late</h2><ul id="late"></ul>
<h2>Grading</h2>
<p>Each submission is graded in a sandbox of its own (the formgrader's Autograde is turned off
here: it would run a student's code as you). Feedback goes out only when you release it.</p>
<form id="grading" onsubmit="return false">
<label>Lab <select id="lab"></select></label>
<label>Student <select id="student"><option value="">everyone</option></select></label>
<button type="button" id="grade">Grade</button>
<button type="button" id="release">Release feedback</button>
</form>
<p id="job"></p><pre id="joboutput"></pre>
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
function options(id, values, keep) {
  const select = document.getElementById(id), chosen = select.value;
  const items = [...keep, ...values.map(v => { const o = cell("option", v); o.value = v; return o; })];
  select.replaceChildren(...items);
  if ([...select.options].some(o => o.value === chosen)) select.value = chosen;
}
function job(data) {
  const j = data.job;
  document.getElementById("job").dataset.state = j ? j.state : "";
  document.getElementById("job").textContent = j ?
    j.what + ": " + j.state + " (started " + new Date(j.started * 1000).toLocaleTimeString() + ")" : "";
  document.getElementById("joboutput").textContent = j ? j.output.join(String.fromCharCode(10)) : "";
}
async function act(action) {
  document.getElementById("job").dataset.state = "starting";
  const body = new URLSearchParams({lab: document.getElementById("lab").value,
                                    student: document.getElementById("student").value});
  const answer = await fetch(action, {method: "POST", body: body, headers: {"X-XSRFToken":
    document.querySelector("meta[name=xsrf]").content}});
  document.getElementById("job").dataset.state = answer.ok ? "running" : "refused";
  document.getElementById("job").textContent = answer.ok ? "started" :
    "not started: " + answer.status + " " + (await answer.text()).replace(/<[^>]*>/g, " ").trim().slice(0, 300);
  if (answer.ok) refresh();
}
document.getElementById("grade").onclick = () => act("grade");
document.getElementById("release").onclick = () => act("release");
async function refresh() {
  try {
    const answer = await fetch("progress.json", {cache: "no-store", headers: {"X-XSRFToken":
      document.querySelector("meta[name=xsrf]").content}});
    if (!answer.ok) throw new Error(answer.status + " " + answer.statusText);
    const data = await answer.json();
    grid(data);
    options("lab", data.labs, []);
    const everyone = cell("option", "everyone"); everyone.value = "";
    options("student", data.students.map(s => s.username), [everyone]);
    job(data);
    list("stuck", data.stuck, s => s.username + ": " + s.step + ", failing for " +
      Math.round(s.minutes) + " min (" + s.attempts + " attempts)");
    list("late", data.late.flatMap(lab => lab.late.length ? lab.late.map(l => [lab, l]) : []),
      ([lab, l]) => lab.lab + " (due " + lab.due + "): " + l.username + (l.submitted ?
        " handed in " + l.late_hours + " h late" : " has handed in nothing, " + l.late_hours + " h past due"));
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
