"""The one list of the recognisers, in the order they are tried."""

from __future__ import annotations

from .engine import (
    _daemon_permission,
    _daemon_unreachable,
    _disk_full,
    _dockerfile_missing,
    _image_in_use,
    _image_many_names,
    _name_in_use,
    _no_such_container,
    _no_such_image,
    _port_taken,
)
from .login import (
    _credential_helper,
    _login_conflict,
    _login_no_tty,
    _login_refused,
    _read_only_token,
    _token_file_missing,
    _token_unusable,
)
from .model import Recogniser, _patterns
from .naming import _name_invalid, _name_uppercase
from .platforms import _PLATFORM_WARNING, _exec_format, _no_matching_manifest, _platform_mismatch
from .pushpull import (
    _pull_denied,
    _push_denied,
    _push_missing_content,
    _push_not_tagged,
    _rate_limit,
)
from .registry import (
    _MISSING,
    _digest_missing,
    _manifest_unknown,
    _no_latest,
    _registry_failed,
    _registry_http,
    _registry_tls,
    _registry_unreachable,
    _tag_missing,
)
from .usage import _flag_needs_argument, _unknown_command, _unknown_flag, _wrong_arguments

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
    Recogniser("disk-full", _patterns(r"no space left on device"), _disk_full),
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
        "registry-failed",
        _patterns(r"received unexpected HTTP status: 500 Internal Server Error"),
        _registry_failed,
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
