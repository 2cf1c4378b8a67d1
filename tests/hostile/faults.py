"""Faults as data: small rules that turn a recorded cassette into a hostile server's answers.

A rule names the interactions it changes by a substring of their request path (and which
match, `nth`), then says what changes: a value deep in the body (`Patch`), a header
(`Header`), the whole answer (`Answer`), how the request is matched (`Query`). `Answer`
bodies may carry `{auth}`, filled with the request's credential, so a server can echo a
token back the way a careless error page does. The server is tests.cassette's loopback
CassetteServer; `TrickleTransport` re-chunks a loopback response into one-byte pieces for
the slow-body cases (a real socket would coalesce them).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.cassette import Cassette, Fault


@dataclass(frozen=True)
class Patch:
    """Set a value in a body: `pointer` is a dotted path ("0.favourites_count", "hits.1.points")."""

    path: str
    pointer: str
    value: Any
    nth: int = 0


@dataclass(frozen=True)
class Header:
    """Set (or with None, drop) a response header."""

    path: str
    name: str
    value: str | None
    nth: int = 0


@dataclass(frozen=True)
class Query:
    """Change how a recorded request is matched: a query key's value ("*" = any, "never" = no request)."""

    path: str
    key: str
    value: str
    nth: int = 0


@dataclass(frozen=True)
class Answer:
    """Replace the whole answer (status, body text, headers); `{auth}` in the body echoes the credential."""

    path: str
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    nth: int = 0


Rule = Patch | Header | Query | Answer


def _matches(cassette: Cassette, path: str) -> list[dict[str, Any]]:
    return [i for i in cassette.interactions if path in i["request"]["path"]]


def _set(body: Any, pointer: str, value: Any) -> None:
    *parents, last = pointer.split(".")
    for key in parents:
        body = body[int(key)] if isinstance(body, list) else body[key]
    if isinstance(body, list):
        body[int(last)] = value
    else:
        body[last] = value


def apply_rules(cassette: Cassette, rules: Sequence[Rule]) -> Cassette:
    """A copy of the cassette with every rule applied (a rule that matches nothing is a broken case)."""
    hostile = copy.deepcopy(cassette)
    for rule in rules:
        candidates = _matches(hostile, rule.path)
        if len(candidates) <= rule.nth:
            raise LookupError(f"{rule}: no interaction number {rule.nth} with {rule.path!r} in its path")
        interaction = candidates[rule.nth]
        response = interaction["response"]
        if isinstance(rule, Patch):
            _set(response["body"], rule.pointer, rule.value)
        elif isinstance(rule, Header):
            if rule.value is None:
                response["headers"].pop(rule.name, None)
            else:
                response["headers"][rule.name] = rule.value
        elif isinstance(rule, Query):
            interaction["request"]["query"][rule.key] = rule.value
        else:
            interaction["response"] = {"status": rule.status, "headers": dict(rule.headers), "body": rule.body}
    return hostile


HARD_STOP = 2000  # after this many requests the server drops every connection: a sync that never ends, ended


class EchoingCassette(Cassette):
    """A cassette whose `Answer` bodies echo the request's credential where they say `{auth}`."""

    credential: str = ""

    def respond(self, method: str, path: str, query: dict[str, str], base_url: str) -> Any:
        if len(self.requests) >= HARD_STOP:
            self.requests.append(f"{method} {path} (dropped)")
            return Fault(0)
        reply = super().respond(method, path, query, base_url)
        if isinstance(reply, Fault):
            return reply
        status, headers, body = reply
        return status, headers, body.replace(b"{auth}", self.credential.encode())


def hostile_cassette(cassette: Cassette, rules: Sequence[Rule], credential: str) -> EchoingCassette:
    """The cassette with the rules applied, echoing `credential` into `{auth}` placeholders."""
    changed = apply_rules(cassette, rules)
    echoing = EchoingCassette(changed.interactions, changed.recorded_bases)
    echoing.credential = credential
    return echoing


class TrickleTransport(httpx.BaseTransport):
    """Forwards to the loopback server and hands the body back one byte per chunk, like a trickling peer."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = tuple(paths)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not any(p in request.url.path for p in self.paths):
            return response
        return httpx.Response(response.status_code, headers=response.headers, stream=_OneByte(response),
                              request=request)

    def close(self) -> None:
        self.inner.close()


class _OneByte(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.response.stream:
            for index in range(len(chunk)):
                yield chunk[index : index + 1]

    def close(self) -> None:
        self.response.close()


def dumps(value: Any) -> str:
    """JSON text for an `Answer` body."""
    return json.dumps(value)
