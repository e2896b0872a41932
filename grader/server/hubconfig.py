"""The classroom's JupyterHub configuration, as ``grader classroom start`` writes it
(``CLASSROOM/jupyterhub_config.py``): where it listens, the roster's sign-in, a seat per student
with its limits, the most servers at once, the class page, and the token ``grader classroom``
and the pool of seats started ahead use to reach the hub's API (``control.json``)."""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import asdict
from pathlib import Path

from ..infra import net, places
from ..isolation.rootless import Limits
from . import listen as _listen

COURSE_ROOT = Path(__file__).resolve().parents[2]
"""The course's checkout (the hub, its services and the seats import the course from it)."""


def write(
    people,
    where: _listen.Listen,
    roster_file: Path,
    tarball: Path,
    proxy: str,
    limits: Limits,
    max_students: int,
) -> str:
    admins = sorted(p.username for p in people if p.instructor)
    hub_port = net.free_port()
    control = {"api": f"http://127.0.0.1:{hub_port}/hub/api", "token": secrets.token_hex(32)}
    places.write_private(places.CLASSROOM.path() / "control.json", json.dumps(control))
    settings = {
        "control_token": control["token"],
        "bind_url": where.bind_url,
        "tls": [str(path) for path in where.tls] if where.tls else None,
        "hub_port": hub_port,
        "proxy_api_port": net.free_port(),
        "admins": admins,
        "roster": str(roster_file),
        "images": str(tarball),
        "limits": asdict(limits),
        "max_students": max_students,
        "proxy": proxy,
        "singleuser": str(Path(sys.executable).parent / "jupyterhub-singleuser"),
        "state": str(places.CLASSROOM.make()),
        "exchange": str(places.EXCHANGE.make()),
        "class_page": [
            sys.executable,
            "-m",
            "grader.server.classpage",
            "--roster",
            str(roster_file),
        ],
        "class_page_url": f"http://127.0.0.1:{net.free_port()}",
        "course_root": str(COURSE_ROOT),
        # The class page grades and releases as `grader classroom` does here: the same state,
        # caches, engine and tools (JupyterHub hands a service only what it is given).
        "class_page_env": {
            key: value
            for key, value in os.environ.items()
            if key.startswith("COURSE_")
            or key in (*places.WHERE_ENV, "DOCKER_HOST", "DOCKER_CONFIG", "PATH")
        },
    }
    return CONFIG_TEMPLATE.replace("SETTINGS", json.dumps(settings, indent=1))


CONFIG_TEMPLATE = '''# Written by `grader classroom start`; edit the roster and start again instead.
import json

s = json.loads("""SETTINGS""")
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = s["bind_url"]
if s["tls"]:  # the proxy serves HTTPS with them (grader/server/listen.py)
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = s["tls"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["hub_port"]
c.JupyterHub.db_url = "sqlite:///" + s["state"] + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = s["state"] + "/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = s["state"] + "/jupyterhub.hub.pid"
c.JupyterHub.cleanup_servers = True
c.ConfigurableHTTPProxy.command = [s["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = s["state"] + "/proxy.pid"
c.JupyterHub.authenticator_class = "grader.server.spawner.RosterAuthenticator"
c.RosterAuthenticator.roster_file = s["roster"]  # read at each sign-in: `add` and `forget` count
c.Authenticator.admin_users = set(s["admins"])
c.Authenticator.any_allow_config = True  # RosterAuthenticator.check_allowed: the roster
c.JupyterHub.spawner_class = "grader.server.spawner.SeatSpawner"
c.SeatSpawner.images_tarball = s["images"]
c.SeatSpawner.exchange = s["exchange"]
for name, value in s["limits"].items():  # a seat's memory, processes, disk and CPU
    setattr(c.SeatSpawner, name, value)
c.Spawner.cmd = [s["singleuser"]]
# Beyond this many servers at once, a student gets JupyterHub's 429 page: "Active user limit
# exceeded. Try again in a few minutes." (grader/server/capacity.py: what the memory holds).
c.JupyterHub.active_server_limit = s["max_students"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
# The instructors' class page (grader/server/classpage.py): only admins may reach a service.
# `grader classroom forget` stops a server and removes the user through the hub's API.
c.JupyterHub.load_roles = [{
    "name": "grader-control", "scopes": ["admin:users", "admin:servers"],
    "services": ["grader-control"],
}]
c.JupyterHub.services = [{"name": "grader-control", "api_token": s["control_token"]}, {
    "name": "class",
    "url": s["class_page_url"],
    "command": s["class_page"],
    "environment": {**s["class_page_env"], "PYTHONPATH": s["course_root"]},
    "oauth_no_confirm": True,
    "display": True,
}]
'''
