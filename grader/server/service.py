"""``grader classroom unit``: a systemd unit that starts the classroom at boot, as it last
started (``grader classroom start`` without ``--roster``: the running roster, address,
certificate and limits), and stops it with the machine."""

from __future__ import annotations

import sys
from pathlib import Path

from ..infra import places

NAME = "publishing-classroom.service"


def unit() -> str:
    """The unit's text, for this checkout's ``grader`` and this machine's state root."""
    grader = Path(sys.executable).parent / "grader"
    root = places.state_root()
    return f"""# {NAME}: the classroom of the publishing course, started at boot as it last started.
# Install (as root): grader classroom unit > /etc/systemd/system/{NAME}
#                    systemctl daemon-reload && systemctl enable --now {NAME}
[Unit]
Description=publishing-course classroom (grader classroom)
Documentation=file://{Path(__file__).resolve().parents[2] / "README.md"}
Wants=network-online.target
After=network-online.target docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
Environment={places.STATE_ROOT_ENV}={root}
ExecStart={grader} classroom start
ExecStop={grader} classroom stop
TimeoutStartSec=600

[Install]
WantedBy=multi-user.target
"""
