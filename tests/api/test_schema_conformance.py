"""Schema conformance: a bounded schemathesis run of the whole API, every check, a fixed seed."""

import asyncio
import json
import os
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.failures import Failure
from schemathesis.engine import Status, events, from_schema
from schemathesis.openapi.checks import RejectedPositiveData

from tests.api.conftest import new_key

pytestmark = pytest.mark.conformance

# Fixed, so a run is repeatable; HELPDESK_CONFORMANCE_SEED explores other cases by hand.
SEED = int(os.environ.get("HELPDESK_CONFORMANCE_SEED", "20260302"))
# Bounded by examples, not seconds: a time budget reached fewer operations the busier the machine
# was, and schemathesis given one (`max-time`) goes round its phases again until it is spent. One
# pass of every phase; the wall-clock cap only stops a run gone wrong (checked between cases).
MAX_EXAMPLES = 6
CAP_SECONDS = 900
# api_keys_revoke revokes the very key the run authenticates with; everything after it would be
# a 401. events_stream never ends (tested over real HTTP in tests/test_event_stream.py).
NOT_RUN = ["api_keys_revoke", "events_stream"]

Message = dict[str, Any]
ASGIApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


def served_on(loop: asyncio.AbstractEventLoop, app: ASGIApp) -> ASGIApp:
    """`app` for schemathesis, whose ASGI client runs its own event loop: each request is served
    on `loop`, where the app's database pool lives, and the answer is replayed to the caller.
    An exception before any response is answered as a server would: a 500 that names it."""

    async def serve(scope: Message, body: bytes) -> list[Message]:
        sent: list[Message] = []
        answered = asyncio.Event()
        delivered = False

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await answered.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                answered.set()

        try:
            await app(scope, receive, send)
        except Exception as exc:
            if not sent:
                text = f"unhandled {type(exc).__name__}: {exc}".encode()
                headers = [(b"content-type", b"text/plain; charset=utf-8")]
                sent = [
                    {"type": "http.response.start", "status": 500, "headers": headers},
                    {"type": "http.response.body", "body": text},
                ]
        return sent

    async def bridged(scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            # Refusing the lifespan scope outright is how an app says it has none: the fixtures
            # already gave this one its database.
            raise RuntimeError(f"{scope['type']} is not served across loops")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        answer = asyncio.run_coroutine_threadsafe(serve(dict(scope), body), loop)
        for message in await asyncio.wrap_future(answer):
            await send(message)

    return bridged


def problem_of(response: Any) -> dict[str, Any]:
    try:
        problem = json.loads(response.content)
    except ValueError:
        return {}
    return problem if isinstance(problem, dict) else {}


def documented_refusal(failure: Failure, case: Any, response: Any) -> str | None:
    """Why refusing this schema-valid request is the documented answer, not a bug (None if it is
    one). Each is valid in shape but names state the run cannot know, like a random id on a GET."""
    if not isinstance(failure, RejectedPositiveData):
        return None
    if None in (case.path_parameters or {}).values():
        # Stateful links copy ids out of earlier responses; a nullable one becomes `/None`.
        return "422 for a path id a stateful link copied from a null field"
    problem = problem_of(response)
    kind = str(problem.get("type", "")).rsplit("/", 1)[-1]
    if kind == "invalid-cursor":
        return "400 for a cursor the service never issued"
    if kind == "precondition-failed":
        return "412 for an If-Match ETag the service never issued"
    if kind == "idempotency-key-reused":
        return "422 for an Idempotency-Key reused with another request"
    errors = problem.get("errors") or []
    if (
        kind == "validation-error"
        and errors
        and all(
            e.get("message") == "unknown id"
            or str(e.get("message", "")).endswith(" does not exist")
            for e in errors
        )
    ):
        return "422 for a reference to a record that does not exist"
    detail = str(problem.get("detail", ""))
    if "needs an API key tied to an agent" in detail:
        return "422 for assignee=me from the run's key, which has no agent"
    rule = next((r for r in DOCUMENTED_RULES if r in detail), None)
    if kind == "validation-error" and rule is not None:
        return f"422 by a documented rule: {rule}"
    return None


# Rules the schema states in words (descriptions) rather than in JSON Schema keywords: a value
# that breaks one is refused with a 422 naming it.
DOCUMENTED_RULES = (
    "must be between the years 1900 and 9000",  # every instant (its description)
    "unknown IANA time zone",  # time_zone
    "special-use or reserved name",  # email addresses must be deliverable names
    "overlaps",  # working hours of a calendar
    "end must differ from start",  # working hours of a calendar, but for the whole day
    "repeats the condition of an earlier rule",  # the escalation matrix
    "a target for every priority is needed",  # sla-policies: targets
    "missing impact",  # the priority matrix: every cell
    "give customer_id or customer, not both",
    "an internal interaction cannot be public",
    "a note is internal",
    "only calls and callbacks have a duration",
    "a customer's message is inbound",
    "a ticket cannot be linked to itself",
    "give exactly one of customer_id and email",  # a ticket's participant
    "cannot be merged into itself",
    "relevance needs a text search",
    "NUL",  # text never holds NUL characters
    "must be in the future",  # an API key's expiry
    "a report covers at most",  # the audit report's period (its `from`)
    "only integration keys have a scope",
    "must not be in the future",  # occurred_at, created_at (a few minutes' clock skew allowed)
    "is before the ticket was created",  # occurred_at
    "required when setting the priority by hand",  # priority_reason
    "is inactive",  # an assignee must be an active agent
    "the default policy applies to every ticket",  # its conditions
    "not an RFC 5322 message",  # inbound email: bytes with no headers, or nothing to record
    "`from` must be before `to`",  # a metrics period
    "is not a valid (IDNA) host name",  # a webhook's url
    "is out of range",  # a webhook url's port
    "is not a URL a delivery can reach",  # a webhook's url
    "buckets; use a longer interval",  # a time series: at most 400 buckets
    # QA: a review answers each criterion of its scorecard on its scale; a scorecard's criteria
    "every criterion needs an answer",
    "no such criterion",
    "does not allow n/a",
    "an answer on this scale is",
    "is used twice",
    "is listed twice",
    "is not a root cause of",
    "a bonus criterion cannot be critical",
    "at least one criterion that is not a bonus",
    "an upheld review keeps its answers",
    "an amendment gives the answers that change",
    "a period is at most 366 days",  # the SLA what-if
    "must be above zero",  # the SLA what-if: a draft's targets
    "give a draft policy, a draft calendar, or both",  # the SLA what-if
    "a rule routing to it places tickets at tier",  # a routing rule's tier is its team's
    "is not an upload of yours",  # an interaction's attachment_ids
    "was sent already",  # an interaction's attachment_ids
)


@st.composite
def _raw_messages(draw: st.DrawFn) -> bytes:
    """Messages a gateway might forward: real headers with any text, in any charset label."""
    words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60)
    charset = draw(st.sampled_from(["utf-8", "iso-8859-1", "nonesuch", "windows-874"]))
    headers = [
        f"From: {draw(st.sampled_from(['Ada <ada@example.com>', 'x@y.example', 'no address']))}",
        f"Subject: {draw(words)}",
        f"Message-ID: <{draw(st.uuids())}@gateway.example>",
        f"Content-Type: text/plain; charset={charset}",
    ]
    body = draw(words).encode("utf-8") + draw(st.binary(max_size=40))
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


# POST /v1/inbound/email takes message/rfc822: real-looking messages, and arbitrary bytes.
schemathesis.openapi.media_type(
    "message/rfc822", st.one_of(_raw_messages(), st.binary(max_size=2000))
)


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    """The reference's example email is text, as a JSON document holds it; a media type with a
    strategy of its own (above) takes an example only as bytes: the run sends the strategy's."""
    for item in raw_schema.get("paths", {}).values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            content.get("message/rfc822", {}).pop("example", None)


def same_kind(text: str) -> str:
    """A failure's detail with its generated values blanked, so one cause groups once."""
    return re.sub(r"'[^']*'|\d+", "…", text)[:160]


@dataclass
class Findings:
    """What one run found: failures grouped by operation, check and cause, and what it covered."""

    secret: str
    groups: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    checks: Counter[tuple[str, str]] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)  # each phase's wall time

    def record(self, recorder: Any) -> None:
        for case_id, nodes in recorder.checks.items():
            case = recorder.cases[case_id].value
            self.operations.add(case.operation.label)
            for node in nodes:
                self.checks[(node.name, node.status.value)] += 1
                if node.failure_info is not None:
                    self.add(recorder, case_id, node.name, node.failure_info)

    def add(self, recorder: Any, case_id: str, check: str, info: Any) -> None:
        failure = info.failure
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        status = response.status_code if response is not None else "no response"
        body = response.content.decode("utf-8", "replace")[:400] if response is not None else ""
        problem = problem_of(response) if response is not None else {}
        cause = problem.get("detail") or (failure.message.strip() or failure.title).splitlines()[0]
        key = (failure.operation or recorder.label, check, f"{status} {same_kind(str(cause))}")
        self.counts[key] += 1
        if key not in self.groups:
            sent = info.code_sample.replace(self.secret, "$KEY")[:800]
            self.groups[key] = [failure.title, failure.message, f"sent: {sent}", f"got: {body}"]

    def phases(self) -> str:
        return ", ".join(f"{name} {seconds:.0f}" for name, seconds in self.seconds.items())

    def report(self) -> str:
        lines = [f"{len(self.groups)} distinct failures (seed {SEED}):"]
        for (operation, check, cause), detail in sorted(self.groups.items()):
            lines.append(
                f"\n● {operation} — {check} — {cause}  [×{self.counts[(operation, check, cause)]}]"
            )
            lines += [
                f"    {line}" for text in detail for line in text.splitlines() if line.strip()
            ]
        lines += [f"\nerror: {error}" for error in self.errors]
        lines.append(f"\naccepted as documented refusals: {dict(self.accepted)}")
        lines.append(f"phases (seconds): {self.phases()}")
        return "\n".join(lines)


def run_schemathesis(app: ASGIApp, secret: str) -> tuple[Findings, set[str]]:
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "headers": {"Authorization": f"Bearer {secret}"},
            "checks": {
                "enabled": True,
                # A malformed If-Match names no version this service issued: 412, by RFC 9110.
                "negative_data_rejection": {
                    "expected-statuses": [400, 401, 403, 404, 406, 412, 413, 415, 422, 428]
                },
                # A write without If-Match is 428 Precondition Required (RFC 6585).
                "missing_required_header": {
                    "expected-statuses": [400, 401, 403, 406, 415, 422, 428]
                },
            },
            "generation": {"mode": "all", "database": "none", "max-examples": MAX_EXAMPLES},
            "cache": {"enabled": False},
            # The report names the values sent; the only secret is this run's key, masked below.
            "output": {"sanitization": {"enabled": False}},
        }
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    schema = schema.exclude(operation_id=NOT_RUN)
    findings = Findings(secret)

    @schema.hook
    def filter_failure(context: Any, failure: Failure, case: Any, response: Any) -> bool:
        reason = documented_refusal(failure, case, response)
        if reason is not None:
            findings.accepted[reason] += 1
        return reason is None

    expected = {result.ok().label for result in schema.get_all_operations()}
    started: dict[str, float] = {}
    deadline = time.monotonic() + CAP_SECONDS
    for event in from_schema(schema).execute():
        if time.monotonic() > deadline:
            findings.errors.append(f"stopped after {CAP_SECONDS} s: the run went wrong somewhere")
            break
        if isinstance(event, events.PhaseStarted):
            started[event.phase.name.value] = event.timestamp
        elif isinstance(event, events.PhaseFinished) and event.phase.name.value in started:
            name = event.phase.name.value
            findings.seconds[name] = event.timestamp - started[name]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            findings.errors.append(repr(event))
        elif isinstance(event, events.ScenarioFinished) and event.status != Status.SKIP:
            findings.record(event.recorder)
    return findings, expected


async def test_every_operation_answers_as_documented(app) -> None:  # type: ignore[no-untyped-def]
    """No 5xx, every status code, content type, header and body as documented, invalid input
    refused and valid input accepted, within a fixed budget and seed."""
    # A limited key would be refused before the run reached every operation.
    assert app.state.settings.rate_limit_per_minute == 0
    secret = await new_key(app, "admin")
    # Built once here: on a busy machine the first build outlasts the loader's 10 s timeout.
    app.openapi()
    bridged = served_on(asyncio.get_running_loop(), app)
    findings, expected = await asyncio.to_thread(run_schemathesis, bridged, secret)
    print(f"schema conformance, seed {SEED}: phases (seconds): {findings.phases()}")

    assert findings.operations == expected, (
        f"not exercised: {sorted(expected - findings.operations)}"
    )
    assert findings.checks[("negative_data_rejection", "success")], "no invalid request was tried"
    assert not findings.groups and not findings.errors, findings.report()
