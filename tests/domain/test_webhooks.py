"""Webhook rules: signatures a Standard Webhooks verifier accepts, backoff with jitter, and the
addresses a delivery may reach."""

import time
from random import Random

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.domain import webhooks as rules


def test_a_signature_verifies_with_the_standard_webhooks_library() -> None:
    secret = rules.new_secret()
    body = b'{"type":"ticket.created","data":{"ticket_id":1}}'
    now = int(time.time())
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(now),
        "webhook-signature": rules.signature(secret, "evt_1", now, body),
    }
    assert Webhook(secret).verify(body, headers)["type"] == "ticket.created"
    with pytest.raises(WebhookVerificationError):
        Webhook(rules.new_secret()).verify(body, headers)  # another secret
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)  # another body


def test_a_secret_must_be_whsec_and_base64() -> None:
    assert len(rules.secret_key(rules.new_secret())) == 24
    for bad in ("abc", "whsec_!!!", "whsec_c2hvcnQ="):
        with pytest.raises(ValueError):
            rules.secret_key(bad)


def test_retry_delays_grow_stay_capped_and_vary() -> None:
    rng = Random(1)
    delays = [rules.retry_delay(n, base=5, cap=600, rng=rng) for n in range(1, 12)]
    for n, d in enumerate(delays, start=1):
        ceiling = min(600, 5 * 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling
    assert max(delays) <= 600 and delays[-1] > delays[0]
    again = [rules.retry_delay(3, base=5, cap=600, rng=rng) for _ in range(20)]
    assert len(set(again)) > 1  # jitter: receivers are not retried in lockstep


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.8", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_internal_addresses_are_refused(address: str, what: str) -> None:
    refusal = rules.address_refusal(address, ())
    assert refusal is not None and what in refusal


def test_a_public_address_or_an_allowed_network_may_be_reached() -> None:
    assert rules.address_refusal("93.184.216.34", ()) is None
    allowed = rules.parse_networks(["127.0.0.0/8"])
    assert rules.address_refusal("127.0.0.1", allowed) is None
    assert rules.address_refusal("10.0.0.1", allowed) is not None
