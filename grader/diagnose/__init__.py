"""Why a docker command failed, in a learner's words, and what to type instead.

A notebook's ``!docker …`` line that fails prints the CLI's or the engine's own text: exact, but
written for people who already know what a manifest, a credential helper or a TTY is, and worded
differently by the docker CLI 20 and 28, by the classic image store and by the containerd image
store. :func:`diagnose` recognises that text, finds the part of the learner's command at fault
and returns a :class:`Diagnosis`: the cause, naming that part, and the fix, a command to run in
the notebook written with the learner's own registry, username and token file when a
:class:`Context` gives them (placeholders in CAPITALS when not).

Each failure it knows is one :class:`Recogniser` in :data:`RECOGNISERS`: the patterns of its
texts and a function that builds cause and fix from the match, the parsed command and the
context, or declines (None) when the text means something else there. It is string work only (no
engine, no network, no file), reads a bounded part of the output, and never raises.
"""

from __future__ import annotations

import difflib
import html
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..names import Reference, parse_reference
from ..result import as_html, shell

HEAD_CHARS = 8 * 1024
TAIL_CHARS = 64 * 1024
"""The part of an output that is read: its start and its end (errors come last)."""
_LINE_CHARS = 500


@dataclass(frozen=True)
class Diagnosis:
    """A recognised failure of one docker command, which renders itself as text and as HTML."""

    error: str
    """A stable key: ``"login-no-tty"``, ``"name-uppercase"``, ``"rate-limit"``, …"""
    cause: str
    """What went wrong, in a learner's words, naming the part of the command at fault."""
    fix: str
    """What to type instead: a notebook command (`` `!docker …` ``) where there is one, else
    short prose."""
    line: str
    """The line of the output that was recognised."""

    def __str__(self) -> str:
        return f"{self.cause}\n  fix: {self.fix}"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(str(self))  # IPython's plain-text form: the text, not the dataclass

    def _repr_html_(self) -> str:
        return (
            f'<div class="grader-diagnosis" data-error="{html.escape(self.error)}" '
            'style="border-left:4px solid #bf8700;padding:6px 10px;margin:4px 0">'
            f"<div>{as_html(self.cause)}</div>"
            f'<div style="margin-top:4px"><b>Fix:</b> {as_html(self.fix)}</div></div>'
        )


@dataclass(frozen=True)
class Context:
    """What the learner's lab knows, to write fixes with real values; every field optional."""

    registry: str | None = None
    """The registry host in front of the learner's image names, e.g. ``localhost:24196``."""
    username: str | None = None
    token_file: str | None = None
    """The file that holds the learner's access token (sent to ``docker login`` with ``<``)."""
    hub_url: str | None = None
    """The hub's pages as the learner's browser reaches them (its token settings, its tags)."""

    @classmethod
    def of(cls, lab) -> Context:
        """The context of a :class:`grader.Lab` (a stopped or half-made one too): each value
        the lab cannot give is left out."""

        def read(get) -> str | None:
            try:
                value = get()
            except Exception:  # noqa: BLE001 - a lab that cannot say leaves the field empty
                return None
            return str(value) if value else None

        if lab is None:
            return cls()
        hub = read(lambda: lab.hub_page(""))
        return cls(
            registry=read(lambda: lab.registry),
            username=read(lambda: lab.username),
            token_file=read(lambda: lab.token_file),
            hub_url=hub.rstrip("/") if hub else None,
        )


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
_KNOWN_FLAGS: dict[str, tuple[str, ...]] = {
    "login": ("--username", "--password", "--password-stdin"),
    "push": ("--all-tags", "--quiet", "--platform", "--disable-content-trust"),
    "pull": ("--all-tags", "--quiet", "--platform", "--disable-content-trust"),
    "run": ("--publish", "--detach", "--name", "--rm", "--interactive", "--tty", "--env",
            "--volume", "--platform", "--pull", "--entrypoint"),
    "build": ("--tag", "--file", "--platform", "--build-arg", "--no-cache", "--pull", "--push",
              "--load", "--progress", "--target", "--quiet"),
    "rmi": ("--force", "--no-prune"),
    "tag": (),
}  # fmt: skip
_COMMANDS = (
    "login", "logout", "tag", "push", "pull", "build", "run", "images", "ps", "rmi", "rm",
    "stop", "start", "logs", "inspect", "exec", "create", "image", "container", "buildx",
    "version", "info", "system", "manifest", "search", "save", "load", "kill", "restart",
)  # fmt: skip


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


def _valid(text: str) -> bool:
    try:
        parse_reference(text)
    except ValueError:
        return False
    return True


def _lowercase(text: str) -> str:
    """``text`` with its repository path in lowercase (a registry host and a tag may keep
    capitals)."""
    ref = split_name(text)
    return str(replace(ref, path=ref.path.lower())) if ref else text.lower()


def _repaired(text: str) -> str | None:
    """The valid name closest to ``text``, or None."""
    text = re.sub(r"^[a-z]+://", "", text.strip())
    ref = split_name(re.sub(r"\s+", "-", text))
    if ref is None:
        return None
    parts = [re.sub(r"[^a-z0-9._-]+", "-", p.lower()).strip("._-") for p in ref.path.split("/")]
    tag = re.sub(r"[^\w.-]", "", ref.tag or "").lstrip(".-")[:128] or None
    fixed = str(replace(ref, path="/".join(p for p in parts if p), tag=tag))
    return fixed if _valid(fixed) else None


def _why_invalid(text: str) -> str:
    name = text.split("@", 1)[0]
    if "://" in name:
        return "an image name has no `https://` or `http://`: the registry host alone goes first"
    if re.search(r"\s", text):
        return "it has a space in it"
    if name.endswith(":"):
        return "the tag after `:` is empty"
    if name.rsplit("/", 1)[-1].count(":") > 1:
        return "its last part has more than one `:`"
    if "//" in name or name.startswith("/") or name.endswith("/"):
        return "it has an empty part between slashes"
    ref = split_name(text)
    odd = sorted(set(re.sub(r"[a-z0-9._/-]", "", ref.path if ref else name)))
    if ref and ref.tag is not None:
        odd += sorted(set(re.sub(r"[\w.-]", "", ref.tag)) - set(odd))
    if odd:
        return "it has characters an image name cannot have: " + " ".join(f"`{c}`" for c in odd)
    return "a name part cannot start or end with `.`, `_` or `-`, and a tag cannot start with `.` or `-`"


# --- fixes ----------------------------------------------------------------------------------------


def _login_fix(ctx: Context, login: Invocation | None = None) -> str:
    """The course's one login form, with the learner's values where known."""
    server = login.positionals[0] if login and login.positionals else None
    user = login.value("-u", "--username") if login else None
    registry = ctx.registry or server or "REGISTRY"
    username = ctx.username or (user if user and re.fullmatch(r"[a-z0-9]+", user) else "USERNAME")
    token_file = shlex.quote(ctx.token_file) if ctx.token_file else "TOKEN_FILE"
    return shell(f"docker login {registry} -u {username} --password-stdin < {token_file}")


def _page(ctx: Context, path: str) -> str | None:
    """The hub's page at ``path`` (Docker Hub keeps its settings on Docker Home)."""
    if not ctx.hub_url:
        return None
    from ..hub.dockerhub import page_url

    return page_url(ctx.hub_url, path)


def _new_token(ctx: Context) -> str:
    page = _page(ctx, "/settings/personal-access-tokens")
    where = f"on {page}" if page else "on the hub's Personal access tokens page"
    keep = ", keep it with `lab.save_token()`" if ctx.registry else ""
    return f"Generate a Read & Write access token {where}{keep}, then log in with it: "


def _tags_page(ctx: Context, ref: Reference) -> str:
    if ctx.registry and ref.domain == ctx.registry and ref.namespace:
        page = _page(ctx, f"/r/{ref.path}/tags")
        if page:
            return f" (the tags it has are listed on {page})"
    return ""


def _own_name(ctx: Context, ref: Reference) -> str:
    """``ref`` moved into the learner's own registry and namespace."""
    registry = ctx.registry or ref.domain or "REGISTRY"
    namespace = ctx.username or "USERNAME"
    tag = f":{ref.tag}" if ref.tag else ""
    prefix = "" if registry == "docker.io" and ref.domain is None else f"{registry}/"
    return f"{prefix}{namespace}/{ref.repository}{tag}"


def _host_platform(text: str) -> str:
    found = _PLATFORM_WARNING.search(text)
    platform = found.group(2) if found else "linux/amd64"
    return "/".join(platform.split("/")[:2])


# --- recognisers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What a recogniser's function is given."""

    match: re.Match
    output: str
    """The part of the output that was read."""
    command: Command
    context: Context

    def group(self, index: int = 1) -> str:
        try:
            return self.match.group(index) or ""
        except IndexError:
            return ""


Explain = Callable[[Seen], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Recogniser:
    """One failure: the patterns of its texts and how to explain it."""

    error: str
    """The key of the :class:`Diagnosis` it gives."""
    patterns: tuple[re.Pattern, ...]
    explain: Explain
    """``(cause, fix)`` from what was seen, or None when the text means something else here."""
    on_success: bool = False
    """Also looked for when the command succeeded (a warning worth a learner's attention)."""


def _patterns(*texts: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(text, re.IGNORECASE | re.MULTILINE) for text in texts)


def _daemon_unreachable(seen: Seen) -> tuple[str, str]:
    socket = seen.group(1) or "its socket"
    return (
        f"docker could not reach the Docker engine at `{socket}`: the engine is not running "
        "(or `DOCKER_HOST` points at an address where none answers).",
        "Start Docker (Docker Desktop, or `sudo systemctl start docker` on Linux), then check it "
        "answers: " + shell("docker info"),
    )


def _daemon_permission(seen: Seen) -> tuple[str, str]:
    return (
        f"Your user may not use the Docker engine's socket `{seen.group(1)}`: on Linux it "
        "belongs to root and the `docker` group.",
        "Add your user to that group (`sudo usermod -aG docker $USER`), sign out and in again, "
        "then check: " + shell("docker info"),
    )


def _login_no_tty(seen: Seen) -> tuple[str, str]:
    login = seen.command.find("login")
    fix = "Send your access token on standard input instead: " + _login_fix(seen.context, login)
    if login and login.has("--password-stdin"):
        given = (
            f"`{login.stdin}`, the file after `<`, is empty"
            if login.stdin
            else "nothing comes in (no `<` file, no pipe)"
        )
        return (
            f"`--password-stdin` reads the token from standard input, and {given}, so docker "
            "wanted to ask for it at a prompt, which a notebook cell cannot answer.",
            fix,
        )
    user = login.value("-u", "--username") if login else None
    asks = f"the password of `{user}`" if user else "a username and a password"
    return (
        f"`docker login` without `--password-stdin` asks for {asks} at a prompt, and a notebook "
        f"cell has no terminal to type {'it' if user else 'them'} in.",
        fix,
    )


def _login_conflict(seen: Seen) -> tuple[str, str]:
    return (
        "`-p`/`--password` puts the secret on the command line and `--password-stdin` reads it "
        "from standard input: docker takes one or the other, and the command line is the wrong "
        "place (it is kept in the notebook and the shell's history).",
        "Keep `--password-stdin` alone: " + _login_fix(seen.context, seen.command.find("login")),
    )


def _token_file_missing(seen: Seen) -> tuple[str, str] | None:
    login = seen.command.find("login")
    if login is None or not login.stdin:
        return None
    ctx = seen.context
    where = f" Your token is kept in `{ctx.token_file}`." if ctx.token_file else ""
    return (
        f"`{login.stdin}`, the file after `<`, does not exist, so the shell never started "
        f"`docker login`.{where}",
        "Send the file that holds your token: " + _login_fix(ctx, login),
    )


def _login_refused(seen: Seen) -> tuple[str, str]:
    ctx, login = seen.context, seen.command.find("login")
    user = login.value("-u", "--username") if login else None
    fix = "Log in with your username and your token file: " + _login_fix(ctx, login)
    yours = f" (`{ctx.username}`)" if ctx.username else ""
    if login is None:
        return (
            "The registry refused the login docker keeps for it: the token was deactivated, "
            "has expired or was deleted since.",
            "Log in again: " + _login_fix(ctx),
        )
    if user and "@" in user:
        return (
            f"`-u {user}` is an email address: `docker login` takes your username{yours}, not "
            "the email address of your account.",
            fix,
        )
    if user and ctx.username and user != ctx.username:
        case = " (usernames are all lowercase)" if user.lower() == ctx.username else ""
        return (f"`-u {user}` is not your username: yours is `{ctx.username}`{case}.", fix)
    who = f"`{user}`" if user else "that username"
    return (
        f"The hub did not accept the secret sent for {who}: it is not one of your active "
        "access tokens (mistyped, copied short, another account's, or deleted).",
        fix if ctx.token_file else _new_token(ctx) + _login_fix(ctx, login),
    )


def _token_unusable(state: str) -> Explain:
    def explain(seen: Seen) -> tuple[str, str]:
        return (
            f"The access token you logged in with {state}: the hub accepts it no more.",
            _new_token(seen.context) + _login_fix(seen.context, seen.command.find("login")),
        )

    return explain


def _credential_helper(seen: Seen) -> tuple[str, str]:
    line = _line_of(seen)
    named = re.search(r"docker-credential-([\w.-]+?)(?:\.exe)?\b", line)
    helper = named.group(1) if named else ("pass" if "pass " in line else "HELPER")
    if "executable file not found" in line or "current directory" in line:
        why = "it is not installed here, or not on the PATH"
    elif helper == "pass":
        why = "the `pass` password store it uses is not set up"
    else:
        why = "it failed"
    desktop = " (Docker Desktop's own helper, there only with Docker Desktop)" * (
        helper == "desktop"
    )
    return (
        f"docker keeps logins through the credential helper `docker-credential-{helper}`"
        f'{desktop}, named by `"credsStore": "{helper}"` in your Docker configuration, and '
        f"{why}.",
        f'Remove the `"credsStore": "{helper}"` entry from `config.json` in your Docker '
        "configuration folder (`$DOCKER_CONFIG`, else `~/.docker`): docker then keeps the "
        "login in that file. Then log in again: " + _login_fix(seen.context),
    )


def _quoted_name(line: str) -> str | None:
    found = re.search(
        r'"([^"\n]+)" is not a valid repository/tag|invalid (?:tag|argument|reference) "([^"\n]+)"',
        line,
    )
    return next((g for g in found.groups() if g), None) if found else None


def _name_uppercase(seen: Seen) -> tuple[str, str]:
    ctx = seen.context
    candidates = [_quoted_name(_line_of(seen)), *seen.command.images]
    offender = next(
        (n for n in candidates if n and (r := split_name(n)) and r.path != r.path.lower()), None
    )
    if offender is None:
        path = seen.group(1) or "the repository name"
        return (
            f"Image names must be lowercase, and `{path}` has capitals.",
            "Write the name in lowercase letters (a tag, after `:`, may keep capitals).",
        )
    ref, fixed = split_name(offender), _lowercase(offender)
    namespace = (ref.namespace or "").lower()
    yours = (
        f" (your username is `{ctx.username}`)"
        if ctx.username and namespace == ctx.username and ref.namespace != ctx.username
        else ""
    )
    where = f"`{ref.path}` in `{offender}`" if ref.path != offender else f"`{offender}`"
    return (
        f"Image names must be lowercase, and {where} has capitals{yours}. "
        "Only the tag, after `:`, may have them.",
        seen.command.replaced(offender, fixed) or f"Write it `{fixed}`.",
    )


def _name_invalid(seen: Seen) -> tuple[str, str]:
    candidates = [_quoted_name(_line_of(seen)), *seen.command.images]
    offender = next((n for n in candidates if n is not None and not _valid(n)), None)
    form = "`REGISTRY/USERNAME/REPOSITORY:TAG`, e.g. `localhost:5000/john123/my-flask-app:v1`"
    if offender is None:
        return (
            "docker read a word of the command as an image name, and it is not one (a flag's "
            "value missing, or an option after the image name).",
            f"Write the image name as {form}, after the options.",
        )
    fixed = _repaired(offender)
    if fixed is None:
        return (
            f"`{offender}` is not a valid image name: {_why_invalid(offender)}.",
            f"Write it as {form}.",
        )
    return (
        f"`{offender}` is not a valid image name: {_why_invalid(offender)}.",
        seen.command.replaced(offender, fixed) or f"Write it `{fixed}`.",
    )


_USAGE = {
    "tag": "docker tag SOURCE TARGET",
    "push": "docker push NAME:TAG",
    "pull": "docker pull NAME:TAG",
    "rmi": "docker rmi NAME:TAG",
    "build": "docker build -t NAME:TAG FOLDER",
}


def _wrong_arguments(seen: Seen) -> tuple[str, str]:
    action = seen.group(1).split()[-1] if seen.group(1) else seen.command.action
    action = {"buildx": "build"}.get(action, action)
    inv = seen.command.find(action) or seen.command.find()
    got = list(inv.positionals) if inv else []
    listed = ", ".join(f"`{w}`" for w in got) if got else "none"
    ctx = seen.context
    if action == "build" and inv and not inv.positionals:
        return (
            "`docker build` needs the folder to build as its last word (`.` for the current "
            "one): the command names none.",
            shell(seen.command.text + " .")
            if seen.command.text
            else shell("docker build -t NAME ."),
        )
    if action == "tag":
        source = got[0] if got else "my-flask-app:v1"
        target = _own_name(ctx, split_name(source)) if split_name(source) else "TARGET"
        split = " (a space inside a name splits it in two)" if len(got) > 2 else ""
        return (
            f"`docker tag` takes exactly two names, the image you have and its new name; it got "
            f"{len(got)}: {listed}{split}.",
            shell(f"docker tag {source} {target}"),
        )
    usage = _USAGE.get(action)
    return (
        f"`docker {action}` was given {listed} and wants "
        + (f"`{usage}`." if usage else "other arguments."),
        f"See what it takes: {shell(f'docker {action} --help')}",
    )


def _unknown_flag(seen: Seen) -> tuple[str, str]:
    flag = seen.group(1)
    if seen.group(2):  # unknown shorthand flag: 'x' in -xyz
        flag = seen.group(2)
    action = seen.command.action
    known = _KNOWN_FLAGS.get(action, ())
    close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
    if close:
        return (
            f"`docker {action}` has no option `{flag}`: you meant `{close[0]}`.",
            seen.command.replaced(flag, close[0]) or f"Write `{close[0]}`.",
        )
    return (
        f"`docker {action or 'COMMAND'}` has no option `{flag}`.",
        f"See its options: {shell(f'docker {action} --help' if action else 'docker --help')}",
    )


def _flag_needs_argument(seen: Seen) -> tuple[str, str]:
    flag = seen.group(2) or seen.group(1)
    login = seen.command.find("login")
    return (
        f"`{flag}` needs a value after it, and the command ends (or goes on with another option) "
        "right after it.",
        _login_fix(seen.context, login)
        if login
        else f"Give it its value; {shell(f'docker {seen.command.action} --help')} shows them all.",
    )


def _unknown_command(seen: Seen) -> tuple[str, str]:
    word = seen.group(1)
    close = difflib.get_close_matches(word, _COMMANDS, n=1, cutoff=0.5)
    if close:
        return (
            f"docker has no command `{word}`: you meant `{close[0]}`.",
            seen.command.replaced(word, close[0]) or shell(f"docker {close[0]} --help"),
        )
    return (f"docker has no command `{word}`.", "See its commands: " + shell("docker --help"))


def _rate_limit(seen: Seen) -> tuple[str, str]:
    ctx = seen.context
    hub = ctx if ctx.registry == "docker.io" else Context()
    login = shell(
        f"docker login -u {hub.username or 'USERNAME'} --password-stdin < "
        f"{shlex.quote(hub.token_file) if hub.token_file else 'TOKEN_FILE'}"
    )
    return (
        "Docker Hub limits pulls per 6 hours: 100 for anonymous pulls from one address (a whole "
        "classroom behind one address shares them) and 200 for a logged-in free account.",
        f"Log in to Docker Hub, which counts your pulls apart from the address's: {login}; or "
        "wait until the window has passed, and pull again.",
    )


def _runnable_name(seen: Seen) -> str:
    return seen.command.image("run", "create", "pull", "build") or "IMAGE"


def _rebuild(seen: Seen, image: str) -> str:
    ref, ctx = split_name(image), seen.context
    pushed = image if ref is None or ref.domain or not ctx.registry else _own_name(ctx, ref)
    host = _host_platform(seen.output)
    return (
        "Rebuild it for this machine, where it was built: "
        + shell(f"docker build --platform {host} -t {image} .")
        + ", or for both kinds of machine at once, pushed to the registry: "
        + shell(f"docker buildx build --platform linux/amd64,linux/arm64 -t {pushed} --push .")
    )


_PLATFORM_WARNING = re.compile(
    r"requested image's platform \(([^)\n]+)\) does not match the detected host platform "
    r"\(([^)\n]+)\)",
    re.IGNORECASE,
)


def _exec_format(seen: Seen) -> tuple[str, str]:
    image = _runnable_name(seen)
    warning = _PLATFORM_WARNING.search(seen.output)
    built = f" ({warning.group(1)})" if warning else ""
    return (
        f"`{image}` holds programs built for another kind of processor{built} than this "
        f"machine's ({_host_platform(seen.output)}), so they cannot run here: an image built on "
        "an Apple-silicon Mac is linux/arm64, most servers are linux/amd64.",
        _rebuild(seen, image),
    )


def _platform_mismatch(seen: Seen) -> tuple[str, str]:
    image = _runnable_name(seen)
    return (
        f"`{image}` was built for {seen.group(1)} and this machine is {seen.group(2)}: it runs "
        "here only under emulation (slowly), or not at all.",
        _rebuild(seen, image),
    )


def _no_matching_manifest(seen: Seen) -> tuple[str, str]:
    image = _runnable_name(seen)
    platform = seen.group(1) or "this machine's platform"
    ref = split_name(image)
    pushed = _own_name(seen.context, ref) if ref and not ref.domain else image
    return (
        f"`{image}` is a multi-platform image with no image for {platform} in it: whoever pushed "
        "it built it for other processors only (linux/arm64 on an Apple-silicon Mac, say).",
        "Where it was built, build and push it for both kinds of machine: "
        + shell(f"docker buildx build --platform linux/amd64,linux/arm64 -t {pushed} --push ."),
    )


_MISSING = (
    r"manifest for (\S+?) not found: manifest unknown",
    r'failed to resolve reference "([^"\n]+)": [^\s"]+: not found',
)


def _asked(seen: Seen) -> Reference | None:
    """The name the engine looked for (with the tag it used), from its text or the command."""
    return split_name(seen.group(1)) or split_name(seen.command.image("pull", "run", "create"))


def _no_latest(seen: Seen) -> tuple[str, str] | None:
    ref, written = _asked(seen), split_name(seen.command.image("pull", "run", "create"))
    if ref is None or ref.tag != "latest" or ref.digest or (written and written.tag is not None):
        return None
    name = str(replace(ref, tag=None))
    return (
        f"`{name}` names no tag, so docker asked for `{name}:latest`, and the repository has no "
        "tag `latest`: docker does not pick the newest tag, `latest` is a tag like any other, "
        "there only if someone pushed it.",
        f"Name the tag you want{_tags_page(seen.context, ref)}: "
        + shell(f"docker {seen.command.action or 'pull'} {name}:TAG"),
    )


def _digest_missing(seen: Seen) -> tuple[str, str] | None:
    ref = _asked(seen)
    if ref is None or not ref.digest:
        return None
    return (
        f"The registry has nothing with the digest `{ref.digest}` in `{ref.path}`: a digest names "
        "one exact image, and this one is mistyped or from another repository.",
        "Copy the digest from the last line `docker push` printed (or the hub's tags page), or "
        f"pull by tag{_tags_page(seen.context, ref)}: "
        + shell(f"docker pull {replace(ref, tag=None, digest=None)}:TAG"),
    )


def _tag_missing(seen: Seen) -> tuple[str, str] | None:
    ref = _asked(seen)
    if ref is None or ref.digest:
        return None
    tag, name = ref.tag or "latest", str(replace(ref, tag=None))
    ctx = seen.context
    others = (
        f" (it is under `{ref.namespace}`, not your `{ctx.username}`)"
        if ctx.username and ref.namespace and ref.namespace != ctx.username
        else ""
    )
    return (
        f"The registry has no tag `{tag}` in `{ref.path}`{others}: that tag was never pushed, or "
        "the repository's name is misspelled.",
        f"Pull a tag it has{_tags_page(ctx, ref)}: {shell(f'docker pull {name}:TAG')}; or, if "
        f"the image is yours and not pushed yet, push it first: {shell(f'docker push {ref}')}",
    )


def _manifest_unknown(seen: Seen) -> tuple[str, str]:
    image = seen.command.image() or "the image"
    return (
        f"The registry has no manifest for `{image}`: that tag or digest is not in it.",
        "Check the name, the tag and the digest against what was pushed: " + shell("docker images"),
    )


def _host_of(seen: Seen) -> str | None:
    line = _line_of(seen)
    found = re.search(r'https?://([^/"\s]+)', line) or re.search(r"lookup ([\w.-]+)", line)
    return found.group(1) if found else None


def _renamed(cmd: Command, image: str, new: str) -> str | None:
    """The learner's command with ``image`` named ``new``; for a push, the tag that gives the
    local image that name first."""
    if cmd.action == "push":
        return shell(f"docker tag {image} {new}") + ", then " + shell(f"docker push {new}")
    return cmd.replaced(image, new)


def _registry_http(seen: Seen) -> tuple[str, str]:
    ctx, cmd = seen.context, seen.command
    login = cmd.find("login")
    image = cmd.image() or (login.positionals[0] if login and login.positionals else None)
    ref = split_name(image)
    host = (ref.domain if ref and ref.domain else None) or _host_of(seen) or "the registry"
    cause = (
        f"The registry at `{host}` speaks plain HTTP, and docker uses HTTPS with every registry "
        "except those on `localhost` or 127.0.0.0/8, unless the engine lists it under "
        "`insecure-registries`."
    )
    port = host.rsplit(":", 1)[-1] if ":" in host else None
    local = ctx.registry if ctx.registry and port and ctx.registry.endswith(f":{port}") else None
    local = local or (f"localhost:{port}" if port else None)
    fixed = None
    if local and host != local:
        if ref and ref.domain and cmd.image():
            fixed = _renamed(cmd, image, str(replace(ref, domain=local)))
        else:
            fixed = cmd.replaced(host, local)
    if fixed:
        return (cause, f"If the registry runs on this machine, name it by `{local}`: {fixed}")
    return (
        cause,
        f'Add `"insecure-registries": ["{host}"]` to the engine\'s `daemon.json` and restart '
        "the engine, or give the registry a TLS certificate.",
    )


def _registry_tls(seen: Seen) -> tuple[str, str]:
    host = _host_of(seen) or "the registry"
    return (
        f"docker does not trust the HTTPS certificate of `{host}` (made for another name, or "
        "signed by an authority this machine does not know).",
        f"Give the engine the registry's CA certificate in `/etc/docker/certs.d/{host}/ca.crt`; "
        "a registry on this machine can be named by `localhost:PORT` instead, which needs none.",
    )


def _why_unreachable(line: str) -> str:
    low = line.lower()
    if "connection refused" in low:
        return "nothing listens there"
    if "no such host" in low:
        return "no computer has that name"
    if "reset by peer" in low:
        return "the connection was cut"
    if "no route" in low or "unreachable" in low:
        return "the network has no way there"
    return "no answer in time"


def _registry_unreachable(seen: Seen) -> tuple[str, str]:
    ctx, cmd = seen.context, seen.command
    why = _why_unreachable(_line_of(seen))
    action = cmd.action
    image = cmd.image("push", "pull", "run", "create")
    login = cmd.find("login")
    if image is None and login is not None:
        server = login.positionals[0] if login.positionals else "docker.io"
        return (
            f"Nothing answers at `{server}`, the registry `docker login` names ({why}).",
            _login_fix(ctx, login),
        )
    ref = split_name(image)
    if ref is None:
        host = _host_of(seen) or "the registry"
        return (
            f"docker could not reach `{host}` ({why}).",
            "Check the registry's address: " + shell("docker ps"),
        )
    if ref.domain is None and ctx.registry and ctx.registry != "docker.io":
        own = _own_name(ctx, ref)
        fix = (
            shell(f"docker tag {image} {own}") + ", then " + shell(f"docker push {own}")
            if action == "push"
            else shell(f"docker {action or 'pull'} {own}")
        )
        return (
            f"`{image}` has no registry host in front, so docker sent it to Docker Hub "
            f"(`docker.io`), which cannot be reached from here ({why}). Your registry is "
            f"`{ctx.registry}`: it goes at the front of the name.",
            fix,
        )
    if ref.domain is None:
        return (
            f"`{image}` names Docker Hub (`docker.io`: the name has no registry host in front), "
            f"and Docker Hub cannot be reached from here ({why}).",
            "Check this machine's network and proxy; in a classroom without internet, put your "
            "registry in front of the name: "
            + shell(f"docker {action or 'pull'} {_own_name(ctx, ref)}"),
        )
    if ctx.registry and ref.domain == ctx.registry:
        return (
            f"Your classroom registry `{ref.domain}` is not answering ({why}): its container "
            "stopped, or the engine restarted.",
            "Start the lab again: `lab = Lab.start(username=...)` (what you pushed before is gone "
            "with the old registry).",
        )
    if ctx.registry:
        return (
            f"Nothing answers at `{ref.domain}`, the registry at the front of `{image}` ({why}); "
            f"your classroom registry is `{ctx.registry}`.",
            _renamed(cmd, image, str(replace(ref, domain=ctx.registry)))
            or shell(f"docker {action} {replace(ref, domain=ctx.registry)}"),
        )
    return (
        f"Nothing answers at `{ref.domain}`, the registry at the front of `{image}` ({why}).",
        "Check the registry's host and port (`docker ps` lists the ports a registry container "
        "publishes): " + shell("docker ps"),
    )


def _push_not_tagged(seen: Seen) -> tuple[str, str] | None:
    if seen.command.action not in ("push", ""):
        return None
    written = seen.command.image("push") or seen.group(1)
    ref = split_name(written)
    if ref is None:
        return None
    tag = ref.tag or "latest"
    target = str(replace(ref, tag=tag)) if not ref.digest else written
    source = f"{ref.repository}:{tag}"
    source = source if source != target else "IMAGE"
    return (
        f"There is no image called `{target}` on this machine: `docker push` sends an image by "
        "the name it has here, so it needs that name first (`docker tag` gives it).",
        shell(f"docker tag {source} {target}") + ", then " + shell(f"docker push {target}"),
    )


def _push_missing_content(seen: Seen) -> tuple[str, str] | None:
    if seen.command.action not in ("push", ""):
        return None
    target = seen.command.image("push") or "NAME:TAG"
    ref = split_name(target)
    source = f"{replace(ref, tag=None)}:TAG" if ref else "NAME:TAG"
    return (
        f"`{target}` names an image index you pulled (a BuildKit build: your platform's image "
        "plus an attestation), and your engine keeps only your platform's part of it: a pull "
        "does not fetch the attestation, and `docker push` of an index needs every part "
        "(the containerd image store, docker/cli#4959).",
        "Make the new tag in the registry itself, which has every part (TAG: the tag you "
        f"pulled): {shell(f'docker buildx imagetools create -t {target} {source}')}",
    )


def _read_only_token(seen: Seen) -> tuple[str, str]:
    return (
        "The access token you logged in with is read-only: it may pull, not push.",
        _new_token(seen.context) + _login_fix(seen.context),
    )


def _pull_denied(seen: Seen) -> tuple[str, str] | None:
    if seen.command.action not in ("pull", "run", "create", "build", ""):
        return None
    ctx = seen.context
    ref = split_name(seen.group(1)) or split_name(seen.command.image("pull", "run", "create"))
    path = ref.path if ref else "that repository"
    then = shell(f"docker pull {seen.command.image('pull', 'run', 'create') or ref}")
    if ref and ctx.username and ref.namespace == ctx.username:
        return (
            f"`{path}` is your private repository (or it is not there: check the spelling), and "
            "this pull was not logged in as you: a private repository shows only to its owner.",
            _login_fix(ctx) + ", then " + then,
        )
    owner = f"`{ref.namespace}`'s" if ref and ref.namespace else "someone else's"
    return (
        f"`{path}` is {owner}, and private, or misspelled, or not there at all: the registry "
        "answers the same to all three, and only its owner can pull a private repository.",
        f"Check the name; if the repository is yours, log in as its owner: {_login_fix(ctx)}, "
        f"then {then}",
    )


def _push_denied(seen: Seen) -> tuple[str, str] | None:
    cmd, ctx = seen.command, seen.context
    if cmd.action in ("pull", "run", "create"):
        return None
    image = cmd.image("push", "build", "imagetools") or "NAME:TAG"
    ref = split_name(image)
    push = shell(f"docker push {image}")
    if ref is None:
        return None
    own = _own_name(ctx, ref)
    moved = shell(f"docker tag {image} {own}") + ", then " + shell(f"docker push {own}")
    if ref.namespace is None:
        return (
            f"`{image}` has no username before the repository name: you may push only under "
            f"your own, `{ctx.username or 'USERNAME'}/`.",
            moved,
        )
    if ctx.username and ref.namespace != ctx.username:
        return (
            f"`{ref.path}` is under `{ref.namespace}`, not your username: you may push only "
            f"under your own, `{ctx.username}`.",
            moved,
        )
    text = seen.output
    if (
        "anonymous token" in text
        or "no basic auth credentials" in text
        or "authentication required" in text
    ):
        return (
            f"You are not logged in to `{ref.registry}`, and nobody may push anonymously.",
            _login_fix(ctx) + ", then " + push,
        )
    if "oauth token" in text:
        return (
            f"The hub refused your login's token a push to `{ref.path}`: it is read-only, or "
            "was deactivated or expired after you logged in.",
            _new_token(ctx) + _login_fix(ctx) + ", then " + push,
        )
    return (
        f"The hub refused the push to `{ref.path}`: you are not logged in to `{ref.registry}` "
        "(or logged in as another account).",
        _login_fix(ctx) + ", then " + push,
    )


def _port_taken(seen: Seen) -> tuple[str, str]:
    port = seen.group(2)
    cmd = seen.command
    run = cmd.find("run", "create")
    mapping = next(
        (m for m in (run.values("-p", "--publish") if run else []) if _host_port(m) == port),
        None,
    )
    listed = "`!docker ps` lists the containers publishing ports"
    cause = (
        f"Port {port} on this machine is taken"
        + (f" (the left side of `-p {mapping}`)" if mapping else "")
        + ": another container publishes it or another program listens on it (on a Mac, the "
        f"AirPlay Receiver holds 5000); {listed}."
    )
    if mapping is None or not port.isdigit():
        return (
            cause,
            "Publish on another host port, e.g. `-p 5001:5000`, or stop what holds it: "
            + shell("docker ps"),
        )
    other = str(int(port) + 1 if int(port) < 65535 else 5001)
    new = (
        mapping[: mapping.rfind(port + ":")]
        + other
        + mapping[mapping.rfind(port + ":") + len(port) :]
    )
    rerun = cmd.replaced(mapping, new) or shell(f"docker run -p {new} IMAGE")
    name = run.value("--name") if run else None
    first = (
        f"remove the container the failed run left ({shell(f'docker rm {name}')}), then "
        if name
        else ""
    )
    return (
        cause,
        f"Publish on another host port: {first}{rerun}, and open port {other}; or find what "
        f"holds {port} with {shell('docker ps')} and stop it.",
    )


def _host_port(mapping: str) -> str | None:
    parts = mapping.rsplit("/", 1)[0].split(":")
    return parts[-2] if len(parts) >= 2 else None


def _name_in_use(seen: Seen) -> tuple[str, str]:
    name, container = seen.group(1), seen.group(2)[:12]
    again = shell(seen.command.text) if seen.command.text else "the command again"
    return (
        f"A container named `{name}` already exists (`{container}`, running or stopped), and "
        "container names are unique.",
        f"Remove the old one, then run again: {shell(f'docker rm -f {name}')}, then {again}; or "
        "choose another `--name`.",
    )


def _no_such_container(seen: Seen) -> tuple[str, str]:
    return (
        f"There is no container `{seen.group(1)}`: it was removed (`--rm` removes it when it "
        "stops), or the name is misspelled.",
        "List the containers there are, stopped ones too: " + shell("docker ps -a"),
    )


def _no_such_image(seen: Seen) -> tuple[str, str]:
    name, action = seen.group(1), seen.command.action
    if action == "tag":
        cause = (
            f"`{name}`, the first name `docker tag` takes, is not an image on this machine: "
            "build it or pull it first."
        )
    elif action == "rmi":
        cause = f"There is no image `{name}` on this machine to remove (misspelled, or gone)."
    else:
        cause = f"There is no image `{name}` on this machine."
    return (cause, "List the images there are, with their tags: " + shell("docker images"))


def _image_in_use(seen: Seen) -> tuple[str, str]:
    line = _line_of(seen)
    state = next((s for s in ("running", "stopped") if f"{s} container" in line), "")
    found = re.search(r"container ([0-9a-f]{6,64})", line)
    container = found.group(1) if found else "CONTAINER"
    image = seen.command.image("rmi") or "the image"
    forced = " (`-f` cannot force it while the container runs)" if state == "running" else ""
    return (
        f"A {state + ' ' if state else ''}container (`{container}`) was made from `{image}`, "
        f"and an image cannot be removed while a container uses it{forced}.",
        f"Remove the container first: {shell(f'docker rm -f {container}')}, then "
        + shell(f"docker rmi {image}"),
    )


def _image_many_names(seen: Seen) -> tuple[str, str]:
    image = seen.group(1)
    return (
        f"`{image}` is an image ID, and that image has several names (tags): removing it by ID "
        "would remove every name, so docker asks you to say so.",
        f"Remove one name at a time with `docker rmi NAME:TAG` ({shell('docker images')} lists "
        f"them), or every name at once: {shell(f'docker rmi -f {image}')}",
    )


def _dockerfile_missing(seen: Seen) -> tuple[str, str]:
    build = seen.command.find("build")
    folder = build.positionals[-1] if build and build.positionals else "."
    tag = (build.value("-t", "--tag") if build else None) or "NAME:TAG"
    example = shell(f"docker build -t {tag} my-flask-app")
    copy = " (`lab.copy_app()` makes that folder)" if seen.context.registry else ""
    if "path" in seen.match.group(0).lower() and "not found" in seen.match.group(0).lower():
        cause = f"The folder `{folder}`, the last word of `docker build`, does not exist here."
    else:
        cause = (
            f"The folder `{folder}`, the last word of `docker build`, has no file called "
            "`Dockerfile`: the last word must be the folder that holds it."
        )
    return (cause, f"Build the folder that holds the Dockerfile, e.g. {example}{copy}")


# In order: the first recogniser that matches and explains wins. Where two texts overlap, the
# more precise comes first (a missing token file before a refused login, a private pull before
# a refused push, capitals before any other invalid name, exec format before the platform
# warning, the three missing-manifest readings before "manifest unknown").
RECOGNISERS: tuple[Recogniser, ...] = (
    Recogniser(
        "daemon-unreachable",
        _patterns(r"Cannot connect to the Docker daemon at (\S+?)\.? Is the docker daemon running"),
        _daemon_unreachable,
    ),
    Recogniser(
        "daemon-permission",
        _patterns(
            r"permission denied while trying to connect to the Docker daemon socket at (\S+?):\s"
        ),
        _daemon_permission,
    ),
    Recogniser(
        "token-file-missing",
        _patterns(
            r"(?:cannot open|can't open) ([^\n:]+): No such file",
            r"^\S*sh: (?:line \d+: )?([^\n:]+): No such file or directory",
        ),
        _token_file_missing,
    ),
    Recogniser(
        "login-no-tty",
        _patterns(r"Cannot perform an interactive login from a non TTY device"),
        _login_no_tty,
    ),
    Recogniser(
        "login-password-conflict",
        _patterns(
            r"cannot specify both --password and --password-stdin",
            r"--password and --password-stdin are mutually exclusive",
        ),
        _login_conflict,
    ),
    Recogniser(
        "token-inactive", _patterns(r"access token is inactive"), _token_unusable("was deactivated")
    ),
    Recogniser(
        "token-expired", _patterns(r"access token has expired"), _token_unusable("has expired")
    ),
    Recogniser(
        "login-refused",
        _patterns(
            r"incorrect username or password", r"login attempt to \S+ failed with status: 401"
        ),
        _login_refused,
    ),
    Recogniser(
        "credential-helper",
        _patterns(
            r"error (?:getting|storing|listing|erasing) credentials - err: ",
            r"Credentials store docker-credential-\S+ exited with",
            r'exec: "docker-credential-[\w.-]+": executable file not found',
        ),
        _credential_helper,
    ),
    Recogniser(
        "name-uppercase",
        _patterns(r"repository name (?:\(([^)\n]*)\) )?must be lowercase"),
        _name_uppercase,
    ),
    Recogniser(
        "name-invalid",
        _patterns(
            r"invalid reference format",
            r"is not a valid repository/tag",
            r"invalid tag \"[^\"\n]*\"",
        ),
        _name_invalid,
    ),
    Recogniser(
        "wrong-arguments",
        _patterns(
            r"""["']docker ([\w -]+?)["'] requires (?:exactly |at least |at most )?\d+ arguments?""",
            r"""["']docker ([\w -]+?)["'] accepts (?:no|at most \d+|exactly \d+) arg""",
        ),
        _wrong_arguments,
    ),
    Recogniser(
        "unknown-flag",
        _patterns(r"unknown flag: (--?[\w-]+)", r"unknown shorthand flag: '(\w)' in (-[\w-]+)"),
        _unknown_flag,
    ),
    Recogniser(
        "flag-needs-argument",
        _patterns(
            r"flag needs an argument: '(\w)' in (-[\w-]+)", r"flag needs an argument: (--?[\w-]+)"
        ),
        _flag_needs_argument,
    ),
    Recogniser(
        "unknown-command",
        _patterns(
            r"docker: '([\w-]+)' is not a docker command", r"unknown command: docker ([\w-]+)"
        ),
        _unknown_command,
    ),
    Recogniser(
        "rate-limit",
        _patterns(
            r"toomanyrequests",
            r"reached your (?:unauthenticated )?pull rate limit",
            r"429 Too Many Requests",
        ),
        _rate_limit,
    ),
    Recogniser("exec-format", _patterns(r"exec format error"), _exec_format),
    Recogniser(
        "no-matching-manifest",
        _patterns(
            r"no matching manifest for ([\w/.-]+) in the manifest list entries",
            r"no match for platform in manifest",
        ),
        _no_matching_manifest,
    ),
    Recogniser("pull-no-latest", _patterns(*_MISSING), _no_latest),
    Recogniser("digest-not-found", _patterns(*_MISSING), _digest_missing),
    Recogniser("tag-not-found", _patterns(*_MISSING), _tag_missing),
    Recogniser(
        "push-not-tagged",
        _patterns(
            r"An image does not exist locally with the tag: (\S+)",
            r"tag does not exist: (\S+)",
            r"No such image: ?(\S+)",
        ),
        _push_not_tagged,
    ),
    Recogniser(
        "push-missing-content",
        _patterns(
            r"missing content: content digest (sha256:[0-9a-f]+): not found",
            r"content digest (sha256:[0-9a-f]+): not found",
        ),
        _push_missing_content,
    ),
    Recogniser(
        "token-read-only", _patterns(r"access token has insufficient scopes"), _read_only_token
    ),
    Recogniser(
        "pull-denied",
        _patterns(
            r"pull access denied for ([^,\s]+), repository does not exist or may require",
            r"pull access denied, repository does not exist or may require authorization",
        ),
        _pull_denied,
    ),
    Recogniser(
        "push-denied",
        _patterns(
            r"requested access to the resource is denied",
            r"unauthorized: authentication required",
            r"no basic auth credentials",
            r"push access denied",
            r"failed to fetch (?:oauth|anonymous) token",
            r"insufficient_scope",
        ),
        _push_denied,
    ),
    Recogniser(
        "registry-http",
        _patterns(
            r"server gave HTTP response to HTTPS client",
            r"first record does not look like a TLS handshake",
        ),
        _registry_http,
    ),
    Recogniser(
        "registry-tls",
        _patterns(r"x509: ", r"certificate signed by unknown authority"),
        _registry_tls,
    ),
    Recogniser(
        "port-allocated",
        _patterns(
            r"Bind for ([\d.]*|\[[\w:]*\]|::):(\d+) failed: port is already allocated",
            r"listen tcp[46]? ([\d.]*|\[[\w:]*\]):(\d+): bind: address already in use",
            r"ports are not available: exposing port TCP ([\d.]*|\[[\w:]*\]):(\d+)",
        ),
        _port_taken,
    ),
    Recogniser(
        "registry-unreachable",
        _patterns(
            r"connect: connection refused",
            r"dial tcp: lookup \S+.*no such host",
            r"i/o timeout",
            r"Client\.Timeout exceeded",
            r"TLS handshake timeout",
            r"context deadline exceeded",
            r"connection reset by peer",
            r"connect: no route to host",
            r"connect: network is unreachable",
        ),
        _registry_unreachable,
    ),
    Recogniser(
        "container-name-in-use",
        _patterns(r'The container name "/([^"\n]+)" is already in use by container "([0-9a-f]+)"'),
        _name_in_use,
    ),
    Recogniser(
        "image-in-use",
        _patterns(
            r"image is being used by (?:running|stopped) container",
            r"container [0-9a-f]+ is using its referenced image",
        ),
        _image_in_use,
    ),
    Recogniser(
        "image-many-names",
        _patterns(
            r"unable to delete ([0-9a-f]+) \(must be forced\) - image is referenced in multiple repositories"
        ),
        _image_many_names,
    ),
    Recogniser("no-such-container", _patterns(r"No such container: ?(\S+)"), _no_such_container),
    Recogniser("no-such-image", _patterns(r"No such image: ?(\S+)"), _no_such_image),
    Recogniser(
        "dockerfile-missing",
        _patterns(
            r"failed to read dockerfile: open [^\n]*: no such file or directory",
            r"unable to evaluate symlinks in Dockerfile path: lstat [^\n]*: no such file or directory",
            r'unable to prepare context: path "[^"\n]*" not found',
        ),
        _dockerfile_missing,
    ),
    Recogniser("manifest-unknown", _patterns(r"manifest unknown"), _manifest_unknown),
    Recogniser(
        "platform-mismatch",
        (_PLATFORM_WARNING,),
        _platform_mismatch,
        on_success=True,
    ),
)


# --- reading an output ----------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def _readable(output: object) -> str:
    """The part of ``output`` that is read (its start and its end), as text."""
    if isinstance(output, (bytes, bytearray, memoryview)):
        raw = bytes(output)
        if len(raw) > HEAD_CHARS + TAIL_CHARS:
            raw = raw[:HEAD_CHARS] + b"\n" + raw[-TAIL_CHARS:]
        text = raw.decode("utf-8", errors="replace")
    elif isinstance(output, str):
        text = output
        if len(text) > HEAD_CHARS + TAIL_CHARS:
            text = text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]
    else:
        return ""
    return _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _line_of(seen: Seen) -> str:
    text, start, end = seen.output, seen.match.start(), seen.match.end()
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    line = text[first : last if last != -1 else len(text)].strip()
    return line[:_LINE_CHARS]


def diagnose(
    command: str,
    output: str | bytes,
    exit_status: int | None = None,
    context: Context | None = None,
) -> Diagnosis | None:
    """Explain why ``command`` (a notebook's docker line, ``!`` and all) failed with ``output``
    (its standard output and error together), or None when the text is not a failure this
    knows. With ``exit_status`` 0 only warnings worth a learner's attention count. ``context``
    gives the learner's registry, username and token file for the fix. Never raises."""
    try:
        return _diagnose(command, output, exit_status, context)
    except Exception:  # noqa: BLE001 - an explanation is a help, never a new failure
        return None


def _diagnose(command, output, exit_status, context) -> Diagnosis | None:
    cmd = parse_command(command)
    if cmd.shell_words and not cmd.invocations:
        return None  # another program's failure
    ctx = context if isinstance(context, Context) else Context()
    text = _readable(output)
    if not text.strip():
        return None
    succeeded = (
        isinstance(exit_status, int) and not isinstance(exit_status, bool) and exit_status == 0
    )
    for recogniser in RECOGNISERS:
        if succeeded and not recogniser.on_success:
            continue
        for pattern in recogniser.patterns:
            match = pattern.search(text)
            if match is None:
                continue
            seen = Seen(match, text, cmd, ctx)
            explained = recogniser.explain(seen)
            if explained is not None:
                cause, fix = explained
                return Diagnosis(recogniser.error, cause, fix, _line_of(seen))
            break  # this recogniser declines; the next may know the text
    return None
