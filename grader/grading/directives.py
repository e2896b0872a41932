"""The line in a graded test cell that names its check: ``# verify: push tag=v1.1.0``.

nbgrader restores graded cells from its gradebook before executing a submission, so this line
is the instructor's, whatever the student did to the cell. ``key=$NAME`` takes the value of the
student's variable ``NAME`` (for ``verify``, where the student states a digest and a size).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(
    r"^#[ \t]*verify:[ \t]*(?P<name>[a-z]+)(?P<args>(?:[ \t]+[a-z_]+=\S+)*)[ \t]*$", re.M
)
"""One line: spaces and tabs only between its words (a line break ends it)."""


_BOOLEANS = {"True": True, "False": False}
"""``private=True`` means the boolean (a check compares it with the hub's ``is_private``)."""


@dataclass(frozen=True)
class Directive:
    check: str
    literals: dict[str, str | bool] = field(default_factory=dict)
    expressions: dict[str, str] = field(default_factory=dict)
    """``{argument: name of a variable in the student's kernel}``."""


def parse(source: str) -> Directive | None:
    match = _LINE.search(source)
    if not match:
        return None
    literals, expressions = {}, {}
    for pair in match["args"].split():
        key, _, value = pair.partition("=")
        if value.startswith("$") and value[1:].isidentifier():
            expressions[key] = value[1:]
        else:
            literals[key] = _BOOLEANS.get(value, value)
    return Directive(match["name"], literals, expressions)
