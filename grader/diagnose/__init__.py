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

from .command import Command, Invocation, parse_command, split_name
from .model import Context, Diagnosis, Explain, Recogniser, Seen
from .reading import HEAD_CHARS, TAIL_CHARS, diagnose
from .recognisers import RECOGNISERS

__all__ = [
    "HEAD_CHARS",
    "RECOGNISERS",
    "TAIL_CHARS",
    "Command",
    "Context",
    "Diagnosis",
    "Explain",
    "Invocation",
    "Recogniser",
    "Seen",
    "diagnose",
    "parse_command",
    "split_name",
]
