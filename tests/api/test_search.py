"""Text search over tickets: stemmed words in the ticket's language, fragments in any script,
interaction bodies too, best matches first."""

import httpx

from tests.api.factories import log, make_ticket


async def _found(client: httpx.AsyncClient, q: str, **params: str) -> list[int]:
    response = await client.get("/v1/tickets", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_words_match_in_the_ticket_s_own_language(client: httpx.AsyncClient) -> None:
    english = await make_ticket(client, subject="Printers keep jamming", language="en")
    dutch = await make_ticket(client, subject="De printers lopen steeds vast", language="nl-BE")
    await make_ticket(client, subject="VPN drops", language="en")
    assert await _found(client, "jammed printer") == [english["id"]]  # both words, stemmed
    assert await _found(client, "vast lopen") == [dutch["id"]]  # stemmed in Dutch: lopen ~ lop
    assert set(await _found(client, "printer")) == {english["id"], dutch["id"]}


async def test_text_without_spaces_is_found_by_a_fragment(client: httpx.AsyncClient) -> None:
    thai = await make_ticket(client, subject="เครื่องพิมพ์เสียบ่อยมาก", language="th")
    await make_ticket(client, subject="เครือข่ายล่ม", language="th")
    assert await _found(client, "พิมพ์") == [thai["id"]]


async def test_interaction_bodies_are_searched(client: httpx.AsyncClient) -> None:
    ticket = await make_ticket(client, subject="Cannot log in")
    await make_ticket(client, subject="Cannot log in either")
    await log(client, ticket["id"], body="Reset the Kerberos keytab on the gateway")
    assert await _found(client, "kerberos") == [ticket["id"]]


async def test_best_matches_come_first_and_pages_follow(client: httpx.AsyncClient) -> None:
    weak = await make_ticket(client, subject="Laptop slow", description="also the monitor flickers")
    strong = await make_ticket(client, subject="Monitor flickers", description="monitor flickers")
    for n in range(3):
        await make_ticket(client, subject=f"Monitor {n} flickers sometimes")
    first = await client.get("/v1/tickets", params={"q": "monitor flickers", "limit": 2})
    page = first.json()
    assert page["items"][0]["id"] == strong["id"]
    seen = [item["id"] for item in page["items"]]
    while page["next_cursor"]:
        page = (
            await client.get(
                "/v1/tickets",
                params={"q": "monitor flickers", "limit": 2, "cursor": page["next_cursor"]},
            )
        ).json()
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == 5 and seen[-1] == weak["id"]


async def test_relevance_without_a_search_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/tickets", params={"sort": "relevance"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.sort"


async def test_search_combines_with_filters(client: httpx.AsyncClient) -> None:
    mail = await make_ticket(client, subject="Mailbox full", channel="email")
    await make_ticket(client, subject="Mailbox full", channel="phone")
    assert await _found(client, "mailbox", channel="email") == [mail["id"]]
