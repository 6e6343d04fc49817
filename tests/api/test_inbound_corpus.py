"""Every message of the real-mail corpus through POST /v1/inbound/email: none is a 500, each is
recorded once, people's mail opens tickets and machines' mail opens none."""

import httpx

from app.domain.mail import parse
from tests.api.factories import send_email
from tests.domain.test_mail_corpus import EXPECTED, FILES, MAIL


async def test_every_corpus_message_is_received_once_and_machines_open_no_ticket(
    client: httpx.AsyncClient,
) -> None:
    outcomes, first_of = {}, {}
    for name in FILES:
        raw = (MAIL / name).read_bytes()
        # Three zbateson files share one Message-ID: after the first, they are its retries.
        message_id = parse(raw).message_id
        answer = await send_email(client, raw)
        expected = 200 if message_id in first_of else 201
        assert answer.status_code == expected, (name, answer.text)
        again = await send_email(client, raw)
        assert (again.status_code, again.json()["id"]) == (200, answer.json()["id"]), name
        first_of.setdefault(message_id, name)
        outcomes[name] = answer.json()
    for name, received in outcomes.items():
        if first_of[received["message_id"]] != name:
            continue
        automatic = EXPECTED[name][2]
        assert received["kind"] == (automatic or "message"), name
        if automatic:
            assert (received["outcome"], received["interaction_id"]) == ("recorded", None), name
        else:
            assert received["outcome"] in ("created", "appended"), name
            assert received["interaction_id"] is not None, name
    people = [n for n in first_of.values() if EXPECTED[n][2] is None]
    tickets = (await client.get("/v1/tickets", params={"limit": 200})).json()["items"]
    assert len(tickets) == sum(outcomes[n]["outcome"] == "created" for n in people) > 20
    assert {t["channel"] for t in tickets} == {"email"}


async def test_a_corpus_attachment_is_listed_on_the_interaction(client: httpx.AsyncClient) -> None:
    received = (await send_email(client, (MAIL / "mikel-attachment_pdf.eml").read_bytes())).json()
    assert received["attachments"] == [
        {"filename": "broken.pdf", "content_type": "application/pdf", "size": 1026}
    ]
    [message] = (await client.get(f"/v1/tickets/{received['ticket_id']}/interactions")).json()[
        "items"
    ]
    assert message["body"].endswith("Attachments: broken.pdf (application/pdf, 1026 bytes)")
