"""The learner's command line, split as the shell and the docker CLI read it, and an image name
split as docker splits it (whatever is wrong with it)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..names import Reference
from ..result import shell

# --- the command --------------------------------------------------------------------------------

_PREFIX = re.compile(r"^\s*(?:[A-Za-z_][\w.]*\s*=\s*)?(?:!!?|%%?(?:sx|system)\b|%)?\s*")
"""What a notebook puts before a shell command: ``!``, ``name = !``, ``%sx``, ``%system``."""
_SEPARATORS = {"|", "||", "&", "&&", ";", ";;", "(", ")", "\n"}
_REDIRECTS = {"<", ">", ">>", ">&", "&>", "<&", "<>", ">|", "<<", "<<<", "&>>"}
_GLOBAL_VALUES = {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level"}
_GROUPS = {"image", "container", "buildx", "builder", "manifest", "system", "network", "volume"}
_ACTIONS = {
    "image push": "push",
    "image pull": "pull",
    "image tag": "tag",
    "image rm": "rmi",
    "image remove": "rmi",
    "image build": "build",
    "image ls": "images",
    "image list": "images",
    "buildx build": "build",
    "builder build": "build",
    "buildx b": "build",
    "container run": "run",
    "container create": "create",
    "container rm": "rm",
    "container remove": "rm",
    "container start": "start",
    "container stop": "stop",
    "container logs": "logs",
    "container ls": "ps",
    "buildx imagetools": "imagetools",
}
_RUN_VALUES = {
    "-p", "--publish", "--name", "-e", "--env", "--env-file", "-v", "--volume", "-w",
    "--workdir", "--platform", "--network", "--net", "--entrypoint", "-u", "--user", "-l",
    "--label", "--restart", "-m", "--memory", "--cpus", "-h", "--hostname", "--mount", "--pull",
    "--add-host", "--dns", "--expose", "--cidfile", "--log-driver", "--log-opt", "--device",
    "--cap-add", "--cap-drop", "--ulimit", "--stop-signal", "--stop-timeout", "--tmpfs",
    "--shm-size", "--security-opt", "--sysctl", "--link", "--volumes-from", "--label-file",
    "--ip", "--mac-address", "-a", "--attach", "--group-add", "--health-cmd", "--gpus",
}  # fmt: skip
_BUILD_VALUES = {
    "-t", "--tag", "-f", "--file", "--build-arg", "--platform", "--target", "--progress", "-o",
    "--output", "--label", "--cache-from", "--cache-to", "--network", "--secret", "--ssh",
    "--builder", "--iidfile", "--metadata-file", "--attest", "--provenance", "--sbom",
    "--annotation", "--add-host", "--shm-size", "-m", "--memory", "--build-context",
}  # fmt: skip
_VALUE_FLAGS: dict[str, set[str]] = {
    "login": {"-u", "--username", "-p", "--password"},
    "run": _RUN_VALUES,
    "create": _RUN_VALUES,
    "build": _BUILD_VALUES,
    "push": {"--platform"},
    "pull": {"--platform"},
    "imagetools": {
        "-t",
        "--tag",
        "-f",
        "--file",
        "--annotation",
        "--builder",
        "-p",
        "--prefer-index",
    },
    "logs": {"-n", "--tail", "--since", "--until"},
    "ps": {"-f", "--filter", "--format", "-n", "--last"},
    "images": {"-f", "--filter", "--format"},
}


@dataclass(frozen=True)
class Invocation:
    """One ``docker …`` in a command line, split as the docker CLI reads it."""

    action: str
    """The subcommand, with ``image push`` as ``push``, ``buildx build`` as ``build``, …"""
    positionals: tuple[str, ...] = ()
    flags: tuple[tuple[str, str | None], ...] = ()
    """Each option as written (``-u``, ``--password-stdin``) with its value (None: a switch)."""
    stdin: str | None = None
    """The file after ``<``, if any."""

    def has(self, *names: str) -> bool:
        return any(flag in names for flag, _ in self.flags)

    def values(self, *names: str) -> list[str]:
        return [value for flag, value in self.flags if flag in names and value is not None]

    def value(self, *names: str) -> str | None:
        found = self.values(*names)
        return found[-1] if found else None

    @property
    def images(self) -> tuple[str, ...]:
        """The image names it is given, in order."""
        if self.action in ("build", "imagetools"):
            return (*self.values("-t", "--tag"), *self.positionals[1:])
        if self.action in ("push", "pull", "run", "create"):
            return self.positionals[:1]
        if self.action in ("tag", "rmi", "inspect", "save"):
            return self.positionals
        return ()


@dataclass(frozen=True)
class Command:
    """A notebook's command line, with the ``docker`` invocations in it."""

    text: str
    """The line without the notebook's ``!`` (or ``name = !``, ``%sx``)."""
    invocations: tuple[Invocation, ...] = ()
    shell_words: bool = False
    """Whether it has anything at all (a command that is not docker has no invocations)."""

    def find(self, *actions: str) -> Invocation | None:
        """The first invocation doing one of ``actions`` (any, when none are named)."""
        for invocation in self.invocations:
            if not actions or invocation.action in actions:
                return invocation
        return None

    @property
    def action(self) -> str:
        return self.invocations[0].action if self.invocations else ""

    @property
    def images(self) -> tuple[str, ...]:
        return tuple(name for inv in self.invocations for name in inv.images)

    def image(self, *actions: str) -> str | None:
        """The first image name of the first invocation doing one of ``actions``."""
        for invocation in self.invocations:
            if (not actions or invocation.action in actions) and invocation.images:
                return invocation.images[0]
        return None

    def replaced(self, old: str, new: str) -> str | None:
        """The learner's own command with ``old`` (one word of it) written as ``new``, as a
        notebook command; None if ``old`` is not in it."""
        pattern = re.compile(rf"(?<![^\s\"'=]){re.escape(old)}(?![^\s\"';|&)])")
        if not old or not pattern.search(self.text):
            return None
        return shell(pattern.sub(lambda _: new, self.text, count=1))


def parse_command(command: object) -> Command:
    """Split a notebook's command line with shell rules (bad quoting tolerated)."""
    text = command if isinstance(command, str) else ""
    text = _PREFIX.sub("", text[:10_000], count=1).strip()
    words = _words(text)
    segments: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS:
            segments.append([])
        else:
            segments[-1].append(word)
    invocations = tuple(filter(None, (_invocation(segment) for segment in segments)))
    return Command(text, invocations, bool(words))


def _words(text: str) -> list[str]:
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:  # an unclosed quote: split on spaces, as far as it goes
        return [w.strip("\"'") for w in re.split(r"\s+", text) if w.strip("\"'")]


def _invocation(segment: list[str]) -> Invocation | None:
    words, stdin, skip = [], None, False
    for i, word in enumerate(segment):
        if skip:
            skip = False
            continue
        if word in _REDIRECTS:
            if word == "<" and i + 1 < len(segment):
                stdin = segment[i + 1]
            skip = True
            continue
        if word.isdigit() and i + 1 < len(segment) and segment[i + 1] in _REDIRECTS:
            continue  # the 2 of 2>&1
        words.append(word)
    while words and (re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]) or words[0] in ("sudo", "time")):
        words.pop(0)
    if not words or words[0].rsplit("/", 1)[-1] not in ("docker", "docker.exe"):
        return None
    args = words[1:]
    while args and args[0].startswith("-"):  # the docker command's own options
        flag = args.pop(0)
        if flag in _GLOBAL_VALUES and args:
            args.pop(0)
    if not args:
        return Invocation("")
    action = args.pop(0)
    if action in _GROUPS and args and not args[0].startswith("-"):
        action = _ACTIONS.get(f"{action} {args[0]}", f"{action} {args[0]}")
        args.pop(0)
        if action == "imagetools" and args and args[0] in ("create", "inspect"):
            args.pop(0)
    action = {"image": "images", "remove": "rm"}.get(action, action)
    return _options(action, args, stdin)


def _options(action: str, args: list[str], stdin: str | None) -> Invocation:
    takes = _VALUE_FLAGS.get(action, set())
    positionals: list[str] = []
    flags: list[tuple[str, str | None]] = []
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if positionals and action in ("run", "create"):  # the container's own command
            positionals.append(word)
        elif word == "--":
            positionals.extend(args[i:])
            break
        elif word.startswith("--") and len(word) > 2:
            name, equals, value = word.partition("=")
            if equals:
                flags.append((name, value))
            elif name in takes and i < len(args):
                flags.append((name, args[i]))
                i += 1
            else:
                flags.append((name, None))
        elif word.startswith("-") and len(word) > 1:
            for at, letter in enumerate(word[1:], start=2):
                name = f"-{letter}"
                if name in takes:
                    value = word[at:]
                    if not value and i < len(args):
                        value, i = args[i], i + 1
                    flags.append((name, value.removeprefix("=") or None))
                    break
                flags.append((name, None))
        else:
            positionals.append(word)
    return Invocation(action, tuple(positionals), tuple(flags), stdin)


# --- names ----------------------------------------------------------------------------------------


def split_name(text: str | None) -> Reference | None:
    """An image name split the way the docker CLI splits a valid one, whatever is wrong with it
    (capitals, a space, an empty tag): registry host, path, tag, digest."""
    if not text:
        return None
    name, _, digest = text.partition("@")
    first, slash, rest = name.partition("/")
    domain = None
    if slash and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        domain, name = first, rest
    head, _, last = name.rpartition("/")
    repository, colon, tag = last.partition(":")
    path = f"{head}/{repository}" if head else repository
    return Reference(domain, path, tag if colon else None, digest or None)
