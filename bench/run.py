"""Run every benchmark and print one table; the same figures go to bench/results/*.json.

Absolute times drift on shared machines, so every figure is a ratio of two things measured in
the same run, alternating, on the same engine:

1. push with login: the classroom registry (token auth: the hub's token service, a Read & Write
   access token) vs testcontainers' stock DockerRegistryContainer with a username and password,
   and vs a registry with no login (the floor); tiny image and the app;
2. check latency: lab.check for each step once the lab is up (median, 95th percentile);
3. lab start: Lab.start (registry and hub, account and token) vs a bare `docker run` of the
   registry image to its first answer;
4. grading one submission: `grader grade` vs plain `nbgrader autograde` (nbgrader on its own);
5. grading a class: `grader grade` vs sequential plain `nbgrader autograde`;
6. a second version: bytes pushed for v1.1.0 after a one-line change vs the image's size.

``--tiny`` runs everything once at the smallest size, to show it works (the test suite does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from grader.tables import text_table

from . import workloads

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="one small run of each figure")
    parser.add_argument(
        "--only",
        nargs="*",
        help="figures to run (push, checks, start, grade-one, grade-class, version, classroom, arrival, class-page)",
    )
    parser.add_argument("--out", default=str(RESULTS), help="folder for the JSON results")
    options = parser.parse_args(argv)
    size = workloads.Size.tiny() if options.tiny else workloads.Size.full()
    chosen = options.only or list(workloads.FIGURES)
    started = time.time()
    figures = []
    for name in chosen:
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        figures += workloads.FIGURES[name](size)
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "size": "tiny" if options.tiny else "full",
        "machine": _machine(),
        "seconds": round(time.time() - started, 1),
        "figures": figures,
    }
    print(table(figures))
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{report['when'].replace(':', '')}-{report['size']}.json"
    path.write_text(json.dumps(report, indent=1) + "\n")
    print(f"\nresults: {path}")
    return 0


def table(figures: list[dict]) -> str:
    header = ["figure", "ours", "baseline", "ratio", "goal", "met"]
    rows = [
        [
            f["figure"],
            f["ours"],
            f["baseline"],
            f"{f['ratio']:.2f}x" if f.get("ratio") is not None else "-",
            f["goal"],
            {True: "yes", False: "NO", None: "-"}[f.get("met")],
        ]
        for f in figures
    ]
    return text_table(header, rows)


def _machine() -> dict:
    docker = subprocess.run(
        ["docker", "version", "-f", "{{.Server.Version}}"], capture_output=True, text=True
    ).stdout.strip()
    return {"cores": os.cpu_count(), "python": platform.python_version(), "docker": docker}
