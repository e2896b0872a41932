"""The course says each fact in one wording, with its sources, and never says what is false."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader import facts
from grader.course import lessons

REPO = Path(__file__).resolve().parents[2]
LESSONS = [name for name, _ in lessons.LESSONS]


def markdown(name: str) -> str:
    notebook = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())
    return "\n".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )


def everything() -> dict[str, str]:
    """Every text a learner or an instructor reads: lessons, labs (sources and releases), the
    package's messages, hints, quiz and widgets, and the README."""
    found = {}
    for path in [
        *(REPO / "notebooks").glob("*.ipynb"),
        *(REPO / "labs").rglob("*.ipynb"),
        *(REPO / "solutions").rglob("*.py"),
        *(REPO / "grader").rglob("*.py"),
        REPO / "README.md",
    ]:
        found[str(path.relative_to(REPO))] = path.read_text()
    return found


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_states_its_facts_in_their_one_wording_and_ends_with_their_sources(name):
    text = markdown(name)
    for key in facts.LESSON_FACTS.get(name, ()):
        assert facts.fact(key) in text, f"{name} does not state {key!r} in its wording"
    if name in facts.LESSON_FACTS:
        assert facts.sources(name) in text, f"{name} does not end with its sources"
        assert f"(read {facts.READ})" in text


def test_every_fact_has_a_source_with_an_address_and_the_words_it_rests_on():
    assert facts.FACTS
    for fact in facts.FACTS.values():
        assert fact.sources, fact.key
        for source in fact.sources:
            assert source.url.startswith("https://") and source.quote, (fact.key, source)
    stated = {key for keys in facts.LESSON_FACTS.values() for key in keys}
    assert stated == set(facts.FACTS), "a fact no lesson states, or a lesson naming no fact"


FALSE = {
    r"moves with every push": "latest moves only when something is pushed under that name",
    r"`latest` is just the tag that was pushed last": "latest is only the default tag",
    r"pushed last,? so it \*?\*?moves": "latest is only the default tag",
    r"Public Repo Read-only": "the permission is called Repo Public Read-only today",
    r"per hour": "Docker Hub's pull limits count per 6 hours",
}
"""Statements that were in the course and are false (Docker's documentation, read
2026-12-03), each with what is true."""


@pytest.mark.parametrize("pattern", sorted(FALSE))
def test_no_text_of_the_course_says_what_is_false(pattern):
    found = [path for path, text in everything().items() if re.search(pattern, text)]
    assert found == [], f"{FALSE[pattern]}: {found}"


def test_no_basic_auth_credentials_is_never_given_as_docker_hubs_answer():
    """A logged-out pull of a private repository on Docker Hub says 'pull access denied … may
    require docker login'; 'no basic auth credentials' is what registries with Basic auth say
    (only the error diagnosis may name it, as an error it recognises)."""
    for path, text in everything().items():
        if path.startswith("grader/diagnose/") or path == "grader/facts.py":
            continue
        assert "no basic auth credentials" not in text, path
