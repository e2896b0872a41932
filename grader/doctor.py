"""Can this machine run the course? Findings about the engine and the images, each with the exact
fix, for ``grader doctor`` and the welcome lesson alike."""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field

from .errors import CourseError
from .infra import images, net
from .infra.engine import BUILDKIT, Engine, EngineInfo
from .infra.owners import reap_dead_labs
from .isolation import sandbox
from .settings import settings


@dataclass(frozen=True)
class Finding:
    subject: str
    """What was looked at: ``engine``, ``docker hub``, ``image registry``, …"""
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = True
    """Whether the course cannot run until it is fixed."""


@dataclass(frozen=True)
class Diagnosis:
    findings: list[Finding]
    cleaned: list[str] = field(default_factory=list)
    """What dead labs had left and was removed."""

    @property
    def ready(self) -> bool:
        return all(f.ok or not f.blocking for f in self.findings)

    def __str__(self) -> str:
        lines = []
        for finding in self.findings:
            lines.append(f"{finding.subject}: {finding.detail}")
            if finding.fix:
                lines.append(f"  fix: {finding.fix}")
        lines += [f"cleaned up after a dead lab: {item}" for item in self.cleaned]
        if self.ready:
            lines.append(
                "ready: the course can run (missing images are made by `grader images`, or at Lab.start)"
            )
        else:
            lines.append("NOT READY: apply the fixes above, then run `grader doctor` again")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for f in self.findings:
            mark = "&#10004;" if f.ok else ("&#10008;" if f.blocking else "&#9888;")
            fix = f"<br><b>Fix:</b> {html.escape(f.fix)}" if f.fix else ""
            rows.append(
                f"<tr><td>{mark}</td><td><b>{html.escape(f.subject)}</b></td>"
                f"<td>{html.escape(f.detail)}{fix}</td></tr>"
            )
        verdict = (
            "Ready: the course can run." if self.ready else "Not ready: apply the fixes above."
        )
        return f'<table class="grader-doctor">{"".join(rows)}</table><p><b>{verdict}</b></p>'


def diagnose(clean_up: bool = True) -> Diagnosis:
    """Look at the engine and the images; with ``clean_up``, also remove what dead labs left."""
    try:
        engine = Engine.connect(timeout=10)
    except CourseError as error:
        return Diagnosis([Finding("engine", False, f"NOT REACHABLE: {error.message}", error.fix)])
    info = engine.info
    findings = [
        Finding("engine", True, f"Docker {info.version} answers ({info.platform})"),
        _cli_finding(),
        *engine_findings(info),
    ]
    reachable, why = images.hub_reachable()
    findings.append(
        Finding(
            "docker hub",
            reachable,
            f"{'reachable' if reachable else 'NOT reachable'} ({why})",
            "" if reachable else "Nothing to do: the course builds what it needs offline.",
            blocking=False,
        )
    )
    for status in images.status(engine):
        if status.present:
            detail = f"{status.present} is present"
        else:
            detail = f"{status.name} is missing; the image step would {status.plan}"
        findings.append(Finding(f"image {status.role}", not status.fix, detail, status.fix))
    findings.append(sandbox_finding())
    cleaned = reap_dead_labs(engine) if clean_up else []
    if clean_up:
        for name in sandbox.leftovers():
            cleaned += [f"grading sandbox {name}: {item}" for item in sandbox.remove(name)]
    return Diagnosis(findings, cleaned)


def sandbox_finding() -> Finding:
    """How graded submissions would be isolated on this machine (instructors)."""
    ok, why = sandbox.support()
    if ok:
        return Finding("grading sandbox", True, why, blocking=False)
    return Finding(
        "grading sandbox",
        False,
        f"none: {why}. `grader grade` still works, but a submission's code then runs as you, "
        "with your engine: grade only submissions you trust, or grade on a Linux machine as root",
        "On Debian/Ubuntu, as root: `apt-get install rootlesskit slirp4netns uidmap`.",
        blocking=False,
    )


def _cli_finding() -> Finding:
    """The lessons and the course's image builds run the docker CLI."""
    path = shutil.which("docker")
    if path:
        return Finding("docker CLI", True, f"{path}")
    return Finding(
        "docker CLI",
        False,
        "NOT FOUND on PATH: the lessons run `docker …` commands and the course builds its app "
        "with `docker build`",
        "Install the docker client: Docker Desktop has it; Debian/Ubuntu: "
        "`apt-get install docker.io` (or Docker's docker-ce-cli).",
    )


def engine_findings(info: EngineInfo) -> list[Finding]:
    """What a learner should know about the engine they have: its image store, its builder and
    the ports the lessons use. None of it stops the course."""
    if info.containerd_store:
        store = Finding(
            "image store",
            True,
            f"the containerd image store ({info.storage_driver}), as in Docker Desktop 4.34+ and "
            "Engine 29: an image ID is the digest of the image's manifest or index (what `docker "
            "push` prints); `docker images` sizes count the unpacked image plus its compressed "
            "content; RepoDigests is filled before any push. The lessons show this engine's "
            "texts.",
            blocking=False,
        )
    else:
        store = Finding(
            "image store",
            True,
            f"the classic image store ({info.storage_driver}): an image ID is the digest of the "
            "image's config; `docker images` shows the unpacked size; RepoDigests is filled by a "
            "push or a pull. The lessons show this engine's texts.",
            blocking=False,
        )
    if info.builder == BUILDKIT:
        builder = Finding(
            "builder",
            True,
            "`docker build` uses BuildKit (the buildx plugin)"
            + (
                ": on this image store a build pushes an image index (your image plus an "
                "attestation manifest); the checks read it as Docker Hub does."
                if info.containerd_store
                else "."
            ),
            blocking=False,
        )
    else:
        builder = Finding(
            "builder",
            True,
            "`docker build` uses the legacy builder (no buildx plugin, or DOCKER_BUILDKIT=0); "
            "Docker deprecates it and prints a warning, and the course works with it.",
            "Optional: install the buildx plugin to build with BuildKit (Docker's packages: "
            "docker-buildx-plugin; Debian 13 and Ubuntu: docker-buildx; Docker Desktop has it).",
            blocking=False,
        )
    port = net.app_port()
    ports = Finding(
        "port 5000",
        port in (net.APP_PORT, settings().app_port),
        "free: the run step publishes the app on it"
        if port == net.APP_PORT
        else net.app_port_note(port),
        blocking=False,
    )
    return [store, builder, ports]
