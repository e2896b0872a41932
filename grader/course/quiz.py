"""The review lesson's self-check: the key takeaways as questions, and the function that marks
the answers (the quiz widget only displays and calls it)."""

from __future__ import annotations

from dataclasses import dataclass

from ..facts import fact


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[str, ...]
    answer: int
    """Index of the right option."""
    why: str
    """The explanation shown after answering."""


@dataclass(frozen=True)
class Mark:
    question: Question
    chosen: int | None
    """Index of the option chosen, or None when the question was left out."""

    @property
    def correct(self) -> bool:
        return self.chosen == self.question.answer


QUESTIONS: tuple[Question, ...] = (
    Question(
        "What is Docker Hub?",
        (
            "A container registry: it stores, shares and versions images",
            "A tool that builds images from a Dockerfile",
            "The engine that runs containers on your machine",
        ),
        0,
        "Docker Hub is a registry, like the classroom registry: images go in with push and come "
        "out with pull. Building and running happen on your own engine.",
    ),
    Question(
        "Why log in with an access token rather than your password?",
        (
            "Tokens make pushes faster",
            "A token can be limited and revoked on its own, without changing your password",
            "docker login does not accept passwords",
        ),
        1,
        "A token is a separate secret per machine or pipeline: revoke the one that leaked and "
        "everything else keeps working. Send it with --password-stdin so it stays out of your "
        "shell history.",
    ),
    Question(
        "Which name does `docker push` send to your own repository?",
        (
            "my-flask-app:v1",
            "REGISTRY/my-flask-app:v1",
            "REGISTRY/USERNAME/my-flask-app:v1",
        ),
        2,
        "The name says where the image goes: the registry host first, then your username (the "
        "namespace you may push to), then the repository and the tag.",
    ),
    Question(
        "A second push prints 'Layer already exists' for every layer. What happened?",
        (
            "The push failed and must be repeated",
            "The registry already had those layers, so none was uploaded again",
            "Docker pushed the layers again to be sure",
        ),
        1,
        "Layers are stored by digest: a layer the registry already holds is not uploaded again.",
    ),
    Question(
        "Your repository has v1.0.0 and latest. You push v1.1.0. What does latest name now?",
        (
            "v1.1.0: latest always follows the newest push",
            "The same image as before: only a push under the name latest moves it",
            "Nothing: pushing a version deletes latest",
        ),
        1,
        fact("latest") + " " + fact("latest-production"),
    ),
    Question(
        "Which name gets exactly the image you tested, whatever is pushed later?",
        (
            "USERNAME/my-flask-app:latest",
            "USERNAME/my-flask-app:v1.0.0",
            "USERNAME/my-flask-app@sha256:… (its digest)",
        ),
        2,
        fact("tags-move"),
    ),
    Question(
        "An image built on an Apple-silicon Mac fails on an amd64 server with 'exec format "
        "error'. What fixes it?",
        (
            "Pull it again on the server",
            "Build it for linux/amd64 too (--platform), best as one multi-platform image",
            "Run it with more memory",
        ),
        1,
        fact("multi-platform"),
    ),
    Question(
        "Thirty machines in one classroom pull from Docker Hub without logging in. What may "
        "stop them?",
        (
            "Nothing: public images have no limit",
            "The pull rate limit: anonymous pulls are counted per address, per 6 hours",
            "Docker Hub refuses pulls from classrooms",
        ),
        1,
        fact("rate-limits"),
    ),
    Question(
        "Who can pull from a private repository?",
        (
            "Everyone who knows its name",
            "Only clients logged in with an account that has access",
            "Nobody: private repositories are for pushing only",
        ),
        1,
        "A private repository refuses anonymous pulls, on Docker Hub as in the classroom: log "
        "out and a pull fails. " + fact("private-pull"),
    ),
)


def grade(chosen: list[int | None], questions: tuple[Question, ...] = QUESTIONS) -> list[Mark]:
    """Mark each answer (an option index, or None) against its question."""
    if len(chosen) != len(questions):
        raise ValueError(f"{len(chosen)} answers for {len(questions)} questions")
    return [Mark(question, answer) for question, answer in zip(questions, chosen, strict=True)]


def score(marks: list[Mark]) -> tuple[int, int]:
    """``(right answers, questions)``."""
    return sum(mark.correct for mark in marks), len(marks)
