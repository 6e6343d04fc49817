"""Input chosen to break things: every answer is a 4xx problem, never a 500."""

import base64
import json

import httpx
import pytest

from tests.api.factories import make_ticket

HUGE = str(2**70)


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", f"/v1/tickets/{HUGE}"),
        ("GET", "/v1/tickets/-1"),
        ("GET", f"/v1/tickets/{HUGE}/history"),
        ("GET", f"/v1/tickets/{HUGE}/interactions"),
        ("GET", f"/v1/tickets/{HUGE}/sla"),
        ("GET", f"/v1/tickets/{HUGE}/links"),
        ("GET", f"/v1/tickets/{HUGE}/callbacks"),
        ("GET", f"/v1/customers/{HUGE}"),
        ("GET", f"/v1/teams/{HUGE}"),
        ("GET", f"/v1/agents/{HUGE}"),
        ("GET", f"/v1/calendars/{HUGE}"),
        ("GET", f"/v1/sla-policies/{HUGE}"),
        ("GET", f"/v1/tickets?team_id={HUGE}"),
        ("GET", f"/v1/reminders?assignee_id={HUGE}"),
        ("GET", f"/v1/sla-events?ticket_id={HUGE}"),
        ("DELETE", f"/v1/api-keys/{HUGE}"),
    ],
)
async def test_out_of_range_ids_are_4xx(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "x", "customer_id": 2**70},
        {"subject": "x", "tags": ["a" * 10_000]},
        {"subject": "x", "tags": "vpn"},
        {"subject": ["x"]},
        {"subject": "x", "created_at": "2026-13-40T00:00:00Z"},
        {"subject": "x", "created_at": "0001-01-01T00:00:00+14:00"},
        {"subject": "\u0000"},
        {"subject": "x", "tags": ["ok", "nul\u0000"]},
        {"subject": "x", "customer": {"name": "A\u0000", "email": "a@example.com"}},
        {"subject": "x", "customer": {"name": "A", "email": "ünïcødé@exämple.com"}},
        {"subject": "x", "language": "english please"},
        [],
        "just a string",
        None,
    ],
)
async def test_odd_ticket_bodies_are_4xx_or_accepted(
    client: httpx.AsyncClient, body: object
) -> None:
    response = await client.post("/v1/tickets", json=body)
    assert response.status_code in (201, 400, 409, 413, 422), response.text


async def test_non_utf8_body_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/tickets",
        content=b'{"subject": "\xff\xfe"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("if_match", ['"99999999999999999999"', "*", 'W/"1"', '"1", "2"', ""])
async def test_odd_if_match_values(client: httpx.AsyncClient, if_match: str) -> None:
    ticket = await make_ticket(client)
    response = await client.patch(
        f"/v1/tickets/{ticket['id']}", json={"subject": "y"}, headers={"If-Match": if_match}
    )
    assert response.status_code in (200, 412, 428), response.text


async def test_nulls_on_patch(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client, team_id=None)
    path = f"/v1/tickets/{ticket['id']}"
    for field in ("team_id", "assignee_id", "customer_id", "category", "language"):
        current = (await client.get(path)).json()["version"]
        response = await client.patch(
            path, json={field: None}, headers={"If-Match": f'"{current}"'}
        )
        assert response.status_code == 200, (field, response.text)
    for field in ("status", "impact", "urgency", "type", "tier", "tags", "channel", "subject"):
        current = (await client.get(path)).json()["version"]
        response = await client.patch(
            path, json={field: None}, headers={"If-Match": f'"{current}"'}
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "path",
    [
        "/v1/tickets?tag=%00",
        "/v1/customers?email=%00",
        "/v1/customers?organization=a%00b",
        "/v1/tickets?created_after=0001-01-01T00:00:00%2B14:00",
        "/v1/sla-events?since=0001-01-01T00:00:00%2B14:00",
        "/v1/reminders?due_before=9999-12-31T23:59:59-14:00",
    ],
)
async def test_hostile_query_strings_are_4xx(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (200, 422), response.text


async def test_a_callback_at_the_end_of_time_is_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    ticket = (await client.post("/v1/tickets", json={"subject": "x"})).json()
    response = await client.post(
        f"/v1/tickets/{ticket['id']}/callbacks", json={"requested_at": "9999-12-31T23:50:00Z"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "requested_at"


def _cursor(listing: str, key: list[object]) -> str:
    raw = json.dumps({"s": listing, "k": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("path", "listing", "key"),
    [
        ("/v1/tickets", "-created_at", ["2026-03-02T09:00:00+00:00", 10**30]),
        ("/v1/sla-events", "sla-events", [10**30]),
        ("/v1/sla-events?order=commit", "sla-events-feed", [10**30, 1]),
        ("/v1/customers", "customers", [10**30]),
        ("/v1/reminders", "reminders", ["2026-03-02T09:00:00+00:00", 10**30]),
        ("/v1/tickets/{id}/history", "history", [10**30]),
        ("/v1/tickets/{id}/interactions", "interactions", ["2026-03-02T09:00:00+00:00", 10**30]),
    ],
)
async def test_crafted_cursors_with_huge_ids_are_400_naming_the_cursor(
    client: httpx.AsyncClient, path: str, listing: str, key: list[object]
) -> None:
    ticket = (await client.post("/v1/tickets", json={"subject": "x"})).json()
    url = path.replace("{id}", str(ticket["id"]))
    sep = "&" if "?" in url else "?"
    response = await client.get(f"{url}{sep}cursor={_cursor(listing, key)}")
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "cursor"


async def test_text_of_whitespace_only_is_refused_where_one_character_is_needed(
    client: httpx.AsyncClient,
) -> None:
    """The schema says so (a pattern of one character not white space), and the answer names
    the field and says why."""
    for body, field in [
        ({"subject": " \t "}, "subject"),
        ({"subject": "x", "tags": ["ok", "\u3000"]}, "tags.1"),
    ]:
        response = await client.post("/v1/tickets", json=body)
        assert response.status_code == 422, response.text
        error = response.json()["errors"][0]
        assert (error["field"], error["message"]) == (field, "must not be blank")
    response = await client.post("/v1/routing-rules", json={"name": " ", "conditions": {}})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "name"


async def test_free_text_is_stored_without_its_surrounding_white_space(
    client: httpx.AsyncClient,
) -> None:
    """Checked as sent (the schema's lengths and patterns), stored stripped."""
    ticket = await make_ticket(client, subject="\u3000 Printer on fire \n", tags=[" vpn\u0085"])
    assert (ticket["subject"], ticket["tags"]) == ("Printer on fire", ["vpn"])
    response = await client.post("/v1/tickets", json={"subject": " " + "x" * 500})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "subject"


async def test_a_patterned_value_is_matched_as_json_schema_reads_its_pattern(
    client: httpx.AsyncClient,
) -> None:
    """`$` is the end of the text (not before a final newline, as in Python), and `\\s` is
    spelled out as the white space it means: what the schema refuses, the service refuses."""
    for language in ("en\n", " en", "en\u0085"):
        response = await client.post("/v1/tickets", json={"subject": "x", "language": language})
        assert response.status_code == 422, (language, response.text)
        assert response.json()["errors"][0]["field"] == "language"
    conversation = {
        "conversation_id": "\u0085c-1",
        "customer": {"email": "ada@example.com"},
        "messages": [{"id": "m-1", "sent_at": "2026-03-02T09:00:00Z", "body": "Hi"}],
    }
    response = await client.post("/v1/inbound/chat", json=conversation)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "conversation_id"
