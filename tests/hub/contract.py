"""Docker Hub's own API description (``tests/hub/schema/docker-hub-api.yaml``: the part the
classroom hub serves, vendored from docker/docs, see SOURCE.md and WAIVERS.md there) as the judge
of requests and answers: :class:`Judged` is a ``requests`` session that checks every request it
sends and every answer it gets with openapi-core, and keeps what it found."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathNotFound

SCHEMA = Path(__file__).resolve().parent / "schema" / "docker-hub-api.yaml"


@functools.cache
def document() -> dict:
    """The vendored description, as parsed YAML (never changed: copies are)."""
    return yaml.safe_load(SCHEMA.read_text())


@functools.cache
def description(base_url: str) -> OpenAPI:
    """The description, with ``base_url`` (a hub started here) among its servers."""
    spec = dict(document())
    spec["servers"] = [*spec["servers"], {"url": base_url.rstrip("/")}]
    return OpenAPI.from_dict(spec)


def described_operations() -> list[tuple[str, str]]:
    """Every ``(METHOD, path template)`` the description lists."""
    methods = {"get", "head", "post", "put", "patch", "delete"}
    return [
        (method.upper(), path)
        for path, item in document()["paths"].items()
        for method in item
        if method in methods
    ]


BEYOND_THE_DESCRIPTION = {
    "tag": {"tag_status", "media_type", "content_type", "digest"},
}
"""Fields Docker Hub sends that its description does not name, by schema: a tag's
``tag_status``, ``media_type``, ``content_type`` and ``digest`` (clients written against
hub.docker.com read them: see schema/WAIVERS.md for the two cited). Any other field an answer
has is an error: a field renamed, or one made up."""


def _resolved(schema: dict) -> tuple[str, dict]:
    """A schema with its ``$ref`` followed and its ``allOf`` parts merged (their properties
    together), and the name of the first component it came from ("" for an inline one)."""
    name = ""
    while "$ref" in schema:
        name = name or schema["$ref"].rsplit("/", 1)[-1]
        schema = document()["components"]["schemas"][name]
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            part_name, part = _resolved(part)
            name = name or part_name
            merged["properties"].update(part.get("properties") or {})
            if "items" in part:
                merged["items"] = part["items"]
        return name, merged
    return name, schema


def unnamed_fields(value: object, schema: dict, where: str = "") -> list[str]:
    """Every field of ``value`` (an answer's JSON) that ``schema`` does not name, as a path."""
    name, schema = _resolved(schema)
    found = []
    if isinstance(value, dict) and "properties" in schema:
        named = set(schema["properties"]) | BEYOND_THE_DESCRIPTION.get(name, set())
        for key, inner in value.items():
            at = f"{where}.{key}" if where else key
            if key not in named:
                found.append(at)
            elif key in schema["properties"]:
                found += unnamed_fields(inner, schema["properties"][key], at)
    elif isinstance(value, list) and "items" in schema:
        for number, inner in enumerate(value):
            found += unnamed_fields(inner, schema["items"], f"{where}[{number}]")
    return found


def answer_schema(method: str, path: str, status: int) -> dict | None:
    """The description's JSON schema for the answer ``status`` to ``method path``, if any."""
    for template, item in document()["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "/?$"
        if re.match(pattern, path) and method.lower() in item:
            answer = item[method.lower()]["responses"].get(str(status))
            while answer and "$ref" in answer:
                answer = document()["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
            content = (answer or {}).get("content") or {}
            return (content.get("application/json") or {}).get("schema")
    return None


def _why(error: Exception) -> str:
    """openapi-core's error, with the schema errors underneath it (what a field got wrong)."""
    found = [str(error)]
    cause = error.__cause__
    while cause is not None:
        found.append(str(cause))
        found += [e.message for e in getattr(cause, "schema_errors", ())]
        cause = cause.__cause__
    return " | ".join(dict.fromkeys(found))


@dataclass
class Exchange:
    """One request and its answer, and what the description says is wrong with each."""

    method: str
    path: str
    status: int
    request_problems: list[str] = field(default_factory=list)
    answer_problems: list[str] = field(default_factory=list)
    body: str = ""

    def __str__(self) -> str:
        said = [f"{self.method} {self.path} -> {self.status}"]
        said += [f"  request: {p}" for p in self.request_problems]
        said += [f"  answer: {p}" for p in self.answer_problems]
        if self.answer_problems:
            said.append(f"  body: {self.body[:600]}")
        return "\n".join(said)


def judge(api: OpenAPI, response: requests.Response) -> Exchange:
    request = RequestsOpenAPIRequest(response.request)
    path = requests.utils.urlparse(response.request.url).path
    exchange = Exchange(response.request.method, path, response.status_code, body=response.text)
    try:
        api.validate_request(request)
    except PathNotFound:
        exchange.request_problems.append("this path is not in Docker Hub's description")
        return exchange
    except Exception as error:  # openapi-core's validation errors have no common base
        exchange.request_problems.append(_why(error))
    if response.status_code == 429:  # any call, by the description's rate-limiting section
        if not response.headers.get("Retry-After", "").isdigit():
            exchange.answer_problems.append("429 without Retry-After (seconds to wait)")
        return exchange
    try:
        api.validate_response(request, RequestsOpenAPIResponse(response))
    except Exception as error:
        if not (exchange.method == "HEAD" and str(error) == "Missing response data"):
            exchange.answer_problems.append(_why(error))  # (an answer to HEAD has no body)
        return exchange
    schema = answer_schema(exchange.method, path, response.status_code)
    if schema is not None and response.content:
        unnamed = unnamed_fields(response.json(), schema)
        if unnamed:
            exchange.answer_problems.append(f"fields the description does not name: {unnamed}")
    return exchange


class Judged(requests.Session):
    """A session whose every exchange is judged by the description (``exchanges``)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.trust_env = False  # never a proxy from the environment
        self.base_url = base_url.rstrip("/")
        self.api = description(self.base_url)
        self.exchanges: list[Exchange] = []

    def send(self, request, **kw) -> requests.Response:
        response = super().send(request, **kw)
        self.exchanges.append(judge(self.api, response))
        return response

    def call(self, method: str, path: str, **kw) -> requests.Response:
        return self.request(method, self.base_url + path, timeout=10, **kw)

    def wrong(self) -> str:
        """Every exchange the description finds fault with, or "" when none."""
        return "\n".join(str(e) for e in self.exchanges if e.request_problems or e.answer_problems)

    def wrong_answers(self) -> str:
        """Every answer the description finds fault with (the requests may be bad on purpose)."""
        return "\n".join(str(e) for e in self.exchanges if e.answer_problems)
