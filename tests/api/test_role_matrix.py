"""The role × endpoint matrix: every operation of the OpenAPI description, called by every kind
of caller, answers what the table says (docs/access-and-privacy.md shows the same table).

The callers: keys of each role (the supervisor and agent tied to agents of team A, the team of the
ticket every ticket operation is called on; "agent B" is an agent of team B, who does not see
it), no key, admin keys that are revoked, expired, rotated and still in their grace period,
rotated and past it, and customer tokens for the ticket's customer ("own") and another one.
Ticket ids outside a caller's view are 404, never 403, so they cannot be probed."""

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.db import Database, connection
from tests.api.conftest import client_for
from tests.api.factories import (
    compose_email,
    created,
    make_agent,
    make_customer,
    make_team,
    make_ticket,
    send_email,
)
from tests.api.test_access import app_with_access
from tests.fakes import FakeClock

_seq = itertools.count(1)

# The table (docs/access-and-privacy.md shows the same): rows are operation ids, columns callers.
TABLE = """
| operation | admin | supervisor | agent | agent B | integration | viewer | no key | revoked | expired | rotated, in grace | rotated, after grace | customer (own) | customer (other) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| healthz | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 |
| readyz | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 | 200 |
| tickets_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 200 | 200 |
| tickets_get | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 200 | 404 |
| interactions_list | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 200 | 404 |
| tickets_sla | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| ticket_links_list | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| ticket_participants_list | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| ticket_history | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| callbacks_list | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| reminders_get | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| tickets_create | 201 | 201 | 201 | 201 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| tickets_update | 200 | 200 | 200 | 404 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| tickets_split | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| ticket_links_create | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| tickets_merge | 200 | 200 | 200 | 404 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| ticket_participants_create | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| ticket_participants_delete | 204 | 204 | 204 | 404 | 204 | 403 | 401 | 401 | 401 | 204 | 401 | 403 | 403 |
| interactions_create | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| callbacks_create | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| reminders_update | 200 | 200 | 200 | 404 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| interactions_find | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| reminders_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| sla_events_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| customers_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| customers_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| teams_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| teams_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| agents_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| agents_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| calendars_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| calendars_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| sla_policies_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| sla_policies_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| sla_policies_what_if | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| priority_matrix_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| worker_status | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| customers_create | 201 | 201 | 201 | 201 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| customers_update | 200 | 200 | 200 | 200 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| customer_tokens_create | 201 | 403 | 403 | 403 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| customer_tokens_revoke | 200 | 403 | 403 | 403 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| customer_tokens_revoke_all | 200 | 403 | 403 | 403 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| teams_create | 201 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| teams_update | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| agents_create | 201 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| agents_update | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| api_keys_create | 201 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| api_keys_list | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| api_keys_rotate | 201 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| api_keys_revoke | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| calendars_create | 201 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| calendars_replace | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| sla_policies_create | 201 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| sla_policies_replace | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| priority_matrix_replace | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| audit_log_list | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| customers_export | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| customers_erase | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| backups_last | 404 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 404 | 401 | 403 | 403 |
| inbound_email_receive | 201 | 403 | 403 | 403 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| inbound_held_list | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| inbound_held_accept | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| inbound_held_reject | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| imports_ticket | 201 | 403 | 403 | 403 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| imports_tickets_batch | 200 | 403 | 403 | 403 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| escalations_create | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| ticket_escalations_list | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| escalations_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| escalations_acknowledge | 200 | 200 | 403 | 404 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| tickets_deescalate | 201 | 201 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| escalation_matrix_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| escalation_matrix_replace | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| routing_rules_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| routing_rules_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| routing_rules_create | 201 | 201 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| routing_rules_update | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| routing_rules_delete | 204 | 204 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 204 | 401 | 403 | 403 |
| events_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| events_stream | 400 | 400 | 400 | 400 | 400 | 400 | 401 | 401 | 401 | 400 | 401 | 400 | 400 |
| inbound_chat | 201 | 201 | 201 | 201 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| webhooks_create | 201 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| webhooks_list | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| webhooks_get | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| webhooks_update | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| webhooks_delete | 204 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 204 | 401 | 403 | 403 |
| webhook_deliveries_list | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| webhook_deliveries_redeliver | 200 | 403 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| surveys_create | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 201 | 404 |
| surveys_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| metrics_summary | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| metrics_timeseries | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| metrics_agents | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| prometheus_metrics | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| exports_tickets | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_scorecards_create | 201 | 201 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| qa_scorecards_list | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_scorecards_get | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_scorecards_update | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_prechecks | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_reviews_create | 201 | 201 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| qa_reviews_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_reviews_get | 200 | 200 | 200 | 404 | 404 | 404 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_reviews_dispute | 403 | 403 | 200 | 404 | 404 | 403 | 401 | 401 | 401 | 403 | 401 | 403 | 403 |
| qa_reviews_decide | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_assignments_create | 201 | 201 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| qa_assignments_list | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_assignments_get | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_schedules_create | 201 | 201 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| qa_schedules_get | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_schedules_stop | 204 | 204 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 204 | 401 | 403 | 403 |
| qa_calibrations_create | 201 | 201 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| qa_calibrations_get | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| qa_calibrations_close | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| metrics_qa | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_articles_create | 201 | 201 | 201 | 201 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| kb_articles_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 200 | 200 |
| kb_articles_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 200 | 200 |
| kb_articles_update | 200 | 200 | 200 | 200 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_revisions_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_revisions_get | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_revisions_restore | 200 | 200 | 200 | 200 | 200 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_revisions_diff | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_translations_list | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_search | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 200 | 200 |
| kb_searches_opened | 204 | 204 | 204 | 204 | 204 | 204 | 401 | 401 | 401 | 204 | 401 | 204 | 204 |
| kb_suggestions | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_links_create | 201 | 201 | 201 | 404 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 403 | 403 |
| kb_links_list | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| kb_metrics | 200 | 200 | 200 | 200 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| attachments_create | 201 | 201 | 201 | 201 | 201 | 403 | 401 | 401 | 401 | 201 | 401 | 201 | 201 |
| attachments_download | 200 | 200 | 200 | 404 | 200 | 200 | 401 | 401 | 401 | 200 | 401 | 200 | 404 |
| reports_audit | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| reports_audit_finding_rows | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| reports_audit_create | 202 | 202 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 202 | 401 | 403 | 403 |
| reports_audit_list | 200 | 200 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
| reports_audit_get | 200 | 404 | 403 | 403 | 403 | 403 | 401 | 401 | 401 | 200 | 401 | 403 | 403 |
"""


def _parse(table: str) -> tuple[list[str], dict[str, list[int]]]:
    lines = [line.strip().strip("|") for line in table.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.split("|")]
        rows[cells[0]] = [int(cell) for cell in cells[1:]]
    return header[1:], rows


CALLERS, MATRIX = _parse(TABLE)


@pytest.fixture(scope="module")
def app(db: Database):  # type: ignore[no-untyped-def]
    return app_with_access(db, rate_limit_per_minute=0)


@dataclass
class World:
    """What the operations are called on, made by the admin client."""

    admin: httpx.AsyncClient
    ids: dict[str, int] = field(default_factory=dict)
    db: Database | None = None
    secrets: dict[str, str | None] = field(default_factory=dict)
    app: Any = None


async def build(app: Any, admin: httpx.AsyncClient, db: Database, clock: FakeClock) -> World:
    w = World(admin, db=db, app=app)
    t0 = clock.now()
    hook = {"url": "https://hooks.example.com/m", "event_types": ["ticket.created"]}
    webhook = await created(await admin.post("/v1/webhooks", json=hook))
    team_a, team_b = await make_team(admin), await make_team(admin)
    agent_a = await make_agent(admin, team_id=team_a["id"])
    supervisor_a = await make_agent(admin, team_id=team_a["id"], role="supervisor")
    agent_b = await make_agent(admin, team_id=team_b["id"])
    spare = await make_agent(admin)
    own, other = await make_customer(admin), await make_customer(admin)
    ticket = await make_ticket(admin, team_id=team_a["id"], customer_id=own["id"])
    calendar = await created(
        await admin.post(
            "/v1/calendars",
            json={
                "name": "Matrix",
                "time_zone": "UTC",
                "hours": [{"day": "mon", "start": "09:00", "end": "17:00"}],
            },
        )
    )
    policy = await created(
        await admin.post("/v1/sla-policies", json=policy_body("Matrix", calendar["id"]))
    )
    async with connection(db) as conn:  # a reminder on the ticket, as the worker raises them
        reminder = await conn.fetchval(
            "INSERT INTO reminders (ticket_id, kind, team_id, due_at, status, created_at,"
            " version) VALUES ($1, 'follow_up', $2, now(), 'open', now(), 1) RETURNING id",
            ticket["id"],
            team_a["id"],
        )
    article = await created(
        await admin.post(
            "/v1/kb/articles",
            json={
                "title": "Printer jams",
                "body": "Open tray 2.",
                "language": "en",
                "status": "published",
                "visibility": "public",
            },
        )
    )
    # A file on a public reply of the ticket.
    attachment = await created(
        await admin.post("/v1/attachments", params={"filename": "log.txt"}, content=b"log")
    )
    await created(
        await admin.post(
            f"/v1/tickets/{ticket['id']}/interactions",
            json={
                "kind": "email",
                "direction": "outbound",
                "body": "attached",
                "attachment_ids": [attachment["id"]],
            },
        )
    )
    w.ids = {
        "article": article["id"],
        "attachment": attachment["id"],
        "ticket": ticket["id"],
        "team": team_a["id"],
        "agent": spare["id"],
        "customer": own["id"],
        "calendar": calendar["id"],
        "policy": policy["id"],
        "reminder": reminder,
        "supervisor": supervisor_a["id"],
        "webhook": webhook["id"],
        "agent A": agent_a["id"],
    }

    async def key(role: str, **fields: Any) -> dict[str, Any]:
        return await created(
            await admin.post("/v1/api-keys", json={"name": role, "role": role} | fields)
        )

    w.secrets = {
        "admin": dict(admin.headers)["authorization"].removeprefix("Bearer "),
        "supervisor": (await key("supervisor", agent_id=supervisor_a["id"]))["key"],
        "agent": (await key("agent", agent_id=agent_a["id"]))["key"],
        "agent B": (await key("agent", agent_id=agent_b["id"]))["key"],
        "integration": (await key("integration"))["key"],
        "viewer": (await key("viewer"))["key"],
        "no key": None,
    }
    revoked = await key("admin")
    await created(await admin.delete(f"/v1/api-keys/{revoked['id']}"))
    w.secrets["revoked"] = revoked["key"]
    grace = timedelta(seconds=app.state.desk.settings.key_rotation_grace_seconds)
    clock.set(t0 - 3 * grace)  # made long ago: expired, and rotated past its grace by now
    w.secrets["expired"] = (await key("admin", expires_at=(t0 - grace).isoformat()))["key"]
    past = await key("admin")
    await created(await admin.post(f"/v1/api-keys/{past['id']}/rotate"))
    w.secrets["rotated, after grace"] = past["key"]
    clock.set(t0)
    recent = await key("admin")
    await created(await admin.post(f"/v1/api-keys/{recent['id']}/rotate"))
    w.secrets["rotated, in grace"] = recent["key"]
    for name, customer in (("customer (own)", own), ("customer (other)", other)):
        minted = await created(await admin.post(f"/v1/customers/{customer['id']}/tokens"))
        w.secrets[name] = minted["token"]
    return w


def policy_body(name: str, calendar_id: int) -> dict[str, Any]:
    target = {"first_response_minutes": 60, "next_update_minutes": 60, "resolution_minutes": 60}
    return {
        "name": name,
        "position": 50,
        "targets": {p: target for p in ("critical", "high", "medium", "low")},
        "calendar_id": calendar_id,
    }


async def version_of(w: World, path: str) -> dict[str, str]:
    read = await w.admin.get(path)
    assert read.status_code == 200, read.text
    return {"If-Match": read.headers["ETag"]}


Call = Callable[[World, httpx.AsyncClient], Awaitable[httpx.Response]]


def _n() -> int:
    return next(_seq)


async def _throwaway_key(w: World) -> int:
    made = await created(await w.admin.post("/v1/api-keys", json={"name": "t", "role": "viewer"}))
    return int(made["id"])


async def _throwaway_customer(w: World) -> int:
    return int((await make_customer(w.admin))["id"])


async def _erase(w: World, c: httpx.AsyncClient) -> httpx.Response:
    # A customer of its own: erasing the shared one would change what other rows read.
    return await c.post(f"/v1/customers/{await _throwaway_customer(w)}/erase")


async def _survey(w: World, c: httpx.AsyncClient) -> httpx.Response:
    # A ticket of its own each time (team A's, the own customer's): one answer per ticket.
    ticket = await make_ticket(w.admin, team_id=w.ids["team"], customer_id=w.ids["customer"])
    return await c.post(f"/v1/tickets/{ticket['id']}/surveys", json={"kind": "csat", "score": 4})


_SCORECARD = {
    "name": "Matrix card",
    "sections": [{"key": "s", "label": "S", "criteria": [{"key": "ok", "label": "OK"}]}],
}
# Every criterion of the built-in checklist answered (a ticket without replies decides none).
_QA_ANSWERS: dict[str, int | None] = {
    "greeting": 1,
    "customer_name": 1,
    "empathy": 2,
    "no_jargon": 2,
    "answered_all": 1,
    "several_solutions": None,
    "self_help": 0,
    "time_estimate": 1,
    "positive_tone": 1,
    "anything_else": 1,
    "thanks": 1,
    "updated_daily": None,
    "resolution": 1,
    "first_response_sla": None,
    "tagged": 1,
}


async def _get_scorecard(w: World, c: httpx.AsyncClient) -> httpx.Response:
    made = await created(await w.admin.post("/v1/qa/scorecards", json=_SCORECARD))
    return await c.get(f"/v1/qa/scorecards/{made['id']}")


async def _update_scorecard(w: World, c: httpx.AsyncClient) -> httpx.Response:
    made = await created(await w.admin.post("/v1/qa/scorecards", json=_SCORECARD))
    path = f"/v1/qa/scorecards/{made['id']}"
    return await c.patch(path, json={"name": f"Card {_n()}"}, headers=await version_of(w, path))


async def _with_review(w: World, c: httpx.AsyncClient, suffix: str) -> httpx.Response:
    """A review of a team A ticket assigned to agent A (disputed by them for a decision)."""
    ticket = await make_ticket(w.admin, team_id=w.ids["team"], assignee_id=w.ids["agent A"])
    review = await created(
        await w.admin.post(f"/v1/tickets/{ticket['id']}/qa-reviews", json={"answers": _QA_ANSWERS})
    )
    path = f"/v1/qa/reviews/{review['id']}"
    reason = {"reason": "I disagree"}
    if suffix == "/dispute":
        return await c.post(f"{path}/dispute", json=reason)
    if suffix == "/decision":
        async with client_for_secret(w, "agent") as agent:
            await created(await agent.post(f"{path}/dispute", json=reason))
        return await c.post(f"{path}/decision", json={"decision": "upheld"})
    return await c.get(path)


def client_for_secret(w: World, caller: str) -> httpx.AsyncClient:
    assert w.app is not None
    return client_for(w.app, w.secrets[caller])


async def _get_assignment(w: World, c: httpx.AsyncClient) -> httpx.Response:
    # Drawn for team A: the supervisor's team, so they read it too.
    body = {"period": "day", "starts_on": "2026-01-05", "per_agent": 1, "team_id": w.ids["team"]}
    made = await created(await w.admin.post("/v1/qa/assignments", json=body))
    return await c.get(f"/v1/qa/assignments/{made['id']}")


async def _with_schedule(w: World, c: httpx.AsyncClient, stop: bool) -> httpx.Response:
    # For team A: the supervisor's team, so they read it too.
    body = {"period": "week", "per_agent": 1, "team_id": w.ids["team"]}
    made = await created(await w.admin.post("/v1/qa/schedules", json=body))
    path = f"/v1/qa/schedules/{made['id']}"
    return await (c.delete(path) if stop else c.get(path))


async def _with_calibration(w: World, c: httpx.AsyncClient, suffix: str) -> httpx.Response:
    made = await created(
        await w.admin.post(
            "/v1/qa/calibrations", json={"name": "m", "ticket_ids": [w.ids["ticket"]]}
        )
    )
    path = f"/v1/qa/calibrations/{made['id']}"
    return await (c.post(path + suffix) if suffix else c.get(path))


async def _other_ticket(w: World) -> int:
    return int((await make_ticket(w.admin, team_id=w.ids["team"]))["id"])


def _calls() -> dict[str, Call]:
    """One valid request per operation id: what every caller sends."""

    def t(w: World) -> str:
        return f"/v1/tickets/{w.ids['ticket']}"

    async def patch(w: World, c: httpx.AsyncClient, path: str, body: Any) -> httpx.Response:
        return await c.patch(path, json=body, headers=await version_of(w, path))

    async def put(w: World, c: httpx.AsyncClient, path: str, body: Any) -> httpx.Response:
        return await c.put(path, json=body, headers=await version_of(w, path))

    async def replace_calendar(w: World, c: httpx.AsyncClient) -> httpx.Response:
        path = f"/v1/calendars/{w.ids['calendar']}"
        body = {
            "name": "Matrix",
            "time_zone": "UTC",
            "hours": [{"day": "tue", "start": "09:00", "end": "17:00"}],
        }
        return await put(w, c, path, body)

    async def replace_matrix(w: World, c: httpx.AsyncClient) -> httpx.Response:
        cells = (await w.admin.get("/v1/priority-matrix")).json()["cells"]
        return await put(w, c, "/v1/priority-matrix", {"cells": cells})

    async def link(w: World, c: httpx.AsyncClient) -> httpx.Response:
        return await c.post(f"{t(w)}/links", json={"ticket_id": await _other_ticket(w)})

    async def merge(w: World, c: httpx.AsyncClient) -> httpx.Response:
        # A ticket of its own each time merged into the matrix's ticket, which stays open.
        return await c.post(f"{t(w)}/merge", json={"ticket_ids": [await _other_ticket(w)]})

    async def participant(w: World, c: httpx.AsyncClient) -> httpx.Response:
        return await c.post(f"{t(w)}/participants", json={"email": f"p{_n()}@example.com"})

    async def drop_participant(w: World, c: httpx.AsyncClient) -> httpx.Response:
        added = await created(
            await w.admin.post(f"{t(w)}/participants", json={"email": f"p{_n()}@example.com"})
        )
        return await c.delete(f"{t(w)}/participants/{added['customer_id']}")

    async def reminder(w: World, c: httpx.AsyncClient) -> httpx.Response:
        path = f"/v1/reminders/{w.ids['reminder']}"
        status = "done" if (await w.admin.get(path)).json()["status"] == "open" else "open"
        return await patch(w, c, path, {"status": status})

    async def revoke_token(w: World, c: httpx.AsyncClient, every: bool) -> httpx.Response:
        # A customer of its own: the matrix's customer tokens keep working.
        spare = await make_customer(w.admin)
        token = await created(await w.admin.post(f"/v1/customers/{spare['id']}/tokens"))
        if every:
            return await c.delete(f"/v1/customers/{spare['id']}/tokens")
        return await c.delete(f"/v1/customers/{spare['id']}/tokens/{token['token_id']}")

    note = {"kind": "note", "direction": "internal", "public": False, "body": "checked"}
    return {
        "healthz": lambda w, c: c.get("/healthz"),
        "readyz": lambda w, c: c.get("/readyz"),
        "tickets_create": lambda w, c: c.post(
            "/v1/tickets", json={"subject": "New", "team_id": w.ids["team"]}
        ),
        "tickets_list": lambda w, c: c.get("/v1/tickets"),
        "tickets_get": lambda w, c: c.get(t(w)),
        "tickets_update": lambda w, c: patch(w, c, t(w), {"tags": [f"t{_n()}"]}),
        "tickets_sla": lambda w, c: c.get(f"{t(w)}/sla"),
        "tickets_split": lambda w, c: c.post(f"{t(w)}/split", json={"subject": "Another"}),
        "ticket_links_create": link,
        "ticket_links_list": lambda w, c: c.get(f"{t(w)}/links"),
        "tickets_merge": merge,
        "ticket_participants_create": participant,
        "ticket_participants_list": lambda w, c: c.get(f"{t(w)}/participants"),
        "ticket_participants_delete": drop_participant,
        "interactions_create": lambda w, c: c.post(f"{t(w)}/interactions", json=note),
        "interactions_list": lambda w, c: c.get(
            f"{t(w)}/interactions", params={"public_only": "true"}
        ),
        "ticket_history": lambda w, c: c.get(f"{t(w)}/history"),
        "interactions_find": lambda w, c: c.get("/v1/interactions", params={"external_id": "m"}),
        "customers_create": lambda w, c: c.post(
            "/v1/customers", json={"name": "C", "email": f"c{_n()}@example.com"}
        ),
        "customers_list": lambda w, c: c.get("/v1/customers"),
        "customers_get": lambda w, c: c.get(f"/v1/customers/{w.ids['customer']}"),
        "customers_update": lambda w, c: patch(
            w, c, f"/v1/customers/{w.ids['customer']}", {"phone": f"+31 {_n()}"}
        ),
        "customer_tokens_create": lambda w, c: c.post(f"/v1/customers/{w.ids['customer']}/tokens"),
        "customer_tokens_revoke": lambda w, c: revoke_token(w, c, every=False),
        "customer_tokens_revoke_all": lambda w, c: revoke_token(w, c, every=True),
        "teams_create": lambda w, c: c.post("/v1/teams", json={"name": f"Team m{_n()}"}),
        "teams_list": lambda w, c: c.get("/v1/teams"),
        "teams_get": lambda w, c: c.get(f"/v1/teams/{w.ids['team']}"),
        "teams_update": lambda w, c: patch(
            w, c, f"/v1/teams/{w.ids['team']}", {"description": f"d{_n()}"}
        ),
        "agents_create": lambda w, c: c.post(
            "/v1/agents", json={"name": "A", "email": f"m{_n()}@desk.example.com"}
        ),
        "agents_list": lambda w, c: c.get("/v1/agents"),
        "agents_get": lambda w, c: c.get(f"/v1/agents/{w.ids['agent']}"),
        "agents_update": lambda w, c: patch(
            w, c, f"/v1/agents/{w.ids['agent']}", {"name": f"A{_n()}"}
        ),
        "api_keys_create": lambda w, c: c.post(
            "/v1/api-keys", json={"name": "k", "role": "viewer"}
        ),
        "api_keys_list": lambda w, c: c.get("/v1/api-keys"),
        "api_keys_rotate": lambda w, c: _with_key(w, c, "POST", "/rotate"),
        "api_keys_revoke": lambda w, c: _with_key(w, c, "DELETE", ""),
        "calendars_create": lambda w, c: c.post(
            "/v1/calendars",
            json={
                "name": f"C{_n()}",
                "time_zone": "UTC",
                "hours": [{"day": "mon", "start": "09:00", "end": "17:00"}],
            },
        ),
        "calendars_list": lambda w, c: c.get("/v1/calendars"),
        "calendars_get": lambda w, c: c.get(f"/v1/calendars/{w.ids['calendar']}"),
        "calendars_replace": replace_calendar,
        "sla_policies_create": lambda w, c: c.post(
            "/v1/sla-policies", json=policy_body(f"P{_n()}", w.ids["calendar"])
        ),
        "sla_policies_list": lambda w, c: c.get("/v1/sla-policies"),
        "sla_policies_get": lambda w, c: c.get(f"/v1/sla-policies/{w.ids['policy']}"),
        "sla_policies_what_if": lambda w, c: c.post(
            "/v1/sla-policies/what-if",
            json={
                "calendar": {
                    "name": "24x7",
                    "time_zone": "UTC",
                    "hours": [{"day": "mon", "start": "09:00", "end": "17:00"}],
                },
                "from": "2026-01-01T00:00:00Z",
                "to": "2026-12-31T00:00:00Z",
            },
        ),
        "sla_policies_replace": lambda w, c: put(
            w, c, f"/v1/sla-policies/{w.ids['policy']}", policy_body("Matrix", w.ids["calendar"])
        ),
        "priority_matrix_get": lambda w, c: c.get("/v1/priority-matrix"),
        "priority_matrix_replace": replace_matrix,
        "callbacks_create": lambda w, c: c.post(
            f"{t(w)}/callbacks", json={"requested_at": f"2030-03-04T14:{_n() % 60:02d}:00Z"}
        ),
        "callbacks_list": lambda w, c: c.get(f"{t(w)}/callbacks"),
        "reminders_list": lambda w, c: c.get("/v1/reminders"),
        "reminders_get": lambda w, c: c.get(f"/v1/reminders/{w.ids['reminder']}"),
        "reminders_update": reminder,
        "sla_events_list": lambda w, c: c.get("/v1/sla-events"),
        "worker_status": lambda w, c: c.get("/v1/worker/status"),
        "audit_log_list": lambda w, c: c.get("/v1/audit-log"),
        "customers_export": lambda w, c: c.get(f"/v1/customers/{w.ids['customer']}/export"),
        "customers_erase": _erase,
        # No backup has been taken in the test database: an admin learns that as a 404.
        "backups_last": lambda w, c: c.get("/v1/backups/last"),
        "inbound_email_receive": lambda w, c: send_email(c, compose_email()),
        "attachments_create": lambda w, c: c.post(
            "/v1/attachments", params={"filename": "f.txt"}, content=b"file"
        ),
        "attachments_download": lambda w, c: c.get(f"/v1/attachments/{w.ids['attachment']}"),
        "inbound_held_list": lambda w, c: c.get("/v1/inbound/held"),
        "inbound_held_accept": lambda w, c: _decide_held(w, c, "accept"),
        "inbound_held_reject": lambda w, c: _decide_held(w, c, "reject"),
        "imports_ticket": lambda w, c: c.post("/v1/imports/tickets", json=_imported()),
        "imports_tickets_batch": lambda w, c: c.post(
            "/v1/imports/tickets/batch", json={"items": [_imported()]}
        ),
        # ---- issue 19, routing and escalations ----
        "escalations_create": lambda w, c: c.post(
            f"{t(w)}/escalations",
            json={"kind": "hierarchical", "reason": "r", "to_agent_id": w.ids["supervisor"]},
        ),
        "ticket_escalations_list": lambda w, c: c.get(f"{t(w)}/escalations"),
        "escalations_list": lambda w, c: c.get("/v1/escalations"),
        "escalations_acknowledge": _acknowledge,
        "tickets_deescalate": _deescalate,
        "escalation_matrix_get": lambda w, c: c.get("/v1/escalation-matrix"),
        "escalation_matrix_replace": lambda w, c: put(w, c, "/v1/escalation-matrix", {"rules": []}),
        "routing_rules_list": lambda w, c: c.get("/v1/routing-rules"),
        "routing_rules_get": lambda w, c: _with_rule(w, c, "GET"),
        "routing_rules_create": lambda w, c: c.post(
            "/v1/routing-rules", json={"name": f"R{_n()}", "team_id": w.ids["team"]}
        ),
        "routing_rules_update": lambda w, c: _with_rule(w, c, "PATCH"),
        "routing_rules_delete": lambda w, c: _with_rule(w, c, "DELETE"),
        "events_list": lambda w, c: c.get("/v1/events"),
        # A stream does not end: a refused cursor shows who is let through (400) and who not;
        # the stream itself is tested over HTTP in tests/test_event_stream.py.
        "events_stream": lambda w, c: c.get("/v1/events/stream", params={"cursor": "x"}),
        "inbound_chat": lambda w, c: c.post("/v1/inbound/chat", json=_chat()),
        "webhooks_create": lambda w, c: c.post(
            "/v1/webhooks", json={"url": "https://h.example.com/", "event_types": ["sla.breach"]}
        ),
        "webhooks_list": lambda w, c: c.get("/v1/webhooks"),
        "webhooks_get": lambda w, c: c.get(f"/v1/webhooks/{w.ids['webhook']}"),
        "webhooks_update": lambda w, c: patch(
            w, c, f"/v1/webhooks/{w.ids['webhook']}", {"description": f"d{_n()}"}
        ),
        "webhooks_delete": _delete_webhook,
        "webhook_deliveries_list": lambda w, c: c.get(
            f"/v1/webhooks/{w.ids['webhook']}/deliveries"
        ),
        "webhook_deliveries_redeliver": _redeliver,
        "surveys_create": _survey,
        "surveys_list": lambda w, c: c.get("/v1/surveys"),
        "metrics_summary": lambda w, c: c.get("/v1/metrics/summary"),
        "metrics_timeseries": lambda w, c: c.get(
            "/v1/metrics/timeseries", params={"metric": "created"}
        ),
        "metrics_agents": lambda w, c: c.get("/v1/metrics/agents"),
        "prometheus_metrics": lambda w, c: c.get("/metrics"),
        "exports_tickets": lambda w, c: c.get("/v1/exports/tickets"),
        "qa_scorecards_create": lambda w, c: c.post("/v1/qa/scorecards", json=_SCORECARD),
        "qa_scorecards_list": lambda w, c: c.get("/v1/qa/scorecards"),
        "qa_scorecards_get": _get_scorecard,
        "qa_scorecards_update": _update_scorecard,
        "qa_prechecks": lambda w, c: c.get(f"{t(w)}/qa-prechecks"),
        "qa_reviews_create": lambda w, c: c.post(
            f"{t(w)}/qa-reviews", json={"answers": _QA_ANSWERS}
        ),
        "qa_reviews_list": lambda w, c: c.get("/v1/qa/reviews"),
        "qa_reviews_get": lambda w, c: _with_review(w, c, ""),
        "qa_reviews_dispute": lambda w, c: _with_review(w, c, "/dispute"),
        "qa_reviews_decide": lambda w, c: _with_review(w, c, "/decision"),
        "qa_assignments_create": lambda w, c: c.post(
            "/v1/qa/assignments",
            json={"period": "month", "starts_on": "2026-02-01", "per_agent": 1},
        ),
        "qa_assignments_list": lambda w, c: c.get("/v1/qa/assignments"),
        "qa_assignments_get": _get_assignment,
        "qa_schedules_create": lambda w, c: c.post(
            "/v1/qa/schedules", json={"period": "month", "per_agent": 1}
        ),
        "qa_schedules_get": lambda w, c: _with_schedule(w, c, stop=False),
        "qa_schedules_stop": lambda w, c: _with_schedule(w, c, stop=True),
        "qa_calibrations_create": lambda w, c: c.post(
            "/v1/qa/calibrations", json={"name": "m", "ticket_ids": [w.ids["ticket"]]}
        ),
        "qa_calibrations_get": lambda w, c: _with_calibration(w, c, ""),
        "qa_calibrations_close": lambda w, c: _with_calibration(w, c, "/close"),
        "metrics_qa": lambda w, c: c.get(
            "/v1/metrics/qa",
            params={"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"},
        ),
        "kb_articles_create": lambda w, c: c.post(
            "/v1/kb/articles", json={"title": "T", "body": "B", "language": "en"}
        ),
        "kb_articles_list": lambda w, c: c.get("/v1/kb/articles"),
        "kb_articles_get": lambda w, c: c.get(f"/v1/kb/articles/{w.ids['article']}"),
        "kb_articles_update": lambda w, c: patch(
            w, c, f"/v1/kb/articles/{w.ids['article']}", {"tags": [f"t{_n()}"]}
        ),
        "kb_revisions_list": lambda w, c: c.get(f"/v1/kb/articles/{w.ids['article']}/revisions"),
        "kb_revisions_get": lambda w, c: c.get(f"/v1/kb/articles/{w.ids['article']}/revisions/1"),
        "kb_revisions_restore": _restore,
        "kb_revisions_diff": lambda w, c: c.get(
            f"/v1/kb/articles/{w.ids['article']}/diff", params={"from": 1, "to": 1}
        ),
        "kb_translations_list": lambda w, c: c.get(
            f"/v1/kb/articles/{w.ids['article']}/translations"
        ),
        "kb_search": lambda w, c: c.get("/v1/kb/search", params={"q": "printer"}),
        "kb_searches_opened": _opened,
        "kb_suggestions": lambda w, c: c.get(f"{t(w)}/kb-suggestions"),
        "kb_links_create": _kb_link,
        "kb_links_list": lambda w, c: c.get(f"{t(w)}/kb-links"),
        "kb_metrics": lambda w, c: c.get("/v1/metrics/kb"),
        "reports_audit": lambda w, c: c.get("/v1/reports/audit", params=AUDIT_PERIOD),
        "reports_audit_finding_rows": lambda w, c: c.get(
            "/v1/reports/audit/findings/process.supervisors/rows", params=AUDIT_PERIOD
        ),
        "reports_audit_create": lambda w, c: c.post("/v1/reports/audit", json=AUDIT_PERIOD),
        "reports_audit_list": lambda w, c: c.get("/v1/reports/audit/stored"),
        "reports_audit_get": _audit_report,
    }


AUDIT_PERIOD = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}


async def _audit_report(w: World, c: httpx.AsyncClient) -> httpx.Response:
    """A report the admin keeps: the whole desk's, which a supervisor does not read."""
    made = await w.admin.post("/v1/reports/audit", json=AUDIT_PERIOD)
    assert made.status_code == 202, made.text
    return await c.get(made.headers["Location"])


async def _restore(w: World, c: httpx.AsyncClient) -> httpx.Response:
    path = f"/v1/kb/articles/{w.ids['article']}"
    return await c.post(f"{path}/revisions/1/restore", headers=await version_of(w, path))


async def _opened(w: World, c: httpx.AsyncClient) -> httpx.Response:
    # The caller's own search, then the hit it opened.
    searched = await c.get("/v1/kb/search", params={"q": "printer"})
    if searched.status_code != 200:
        return searched
    search_id = searched.json()["search_id"]
    return await c.post(
        f"/v1/kb/searches/{search_id}/opened", json={"article_id": w.ids["article"]}
    )


async def _kb_link(w: World, c: httpx.AsyncClient) -> httpx.Response:
    # A ticket of its own each time (team A's): a second link of the same article is a 200.
    ticket = await _other_ticket(w)
    return await c.post(f"/v1/tickets/{ticket}/kb-links", json={"article_id": w.ids["article"]})


def _chat() -> dict[str, Any]:
    return {
        "conversation_id": f"matrix-{_n()}",
        "customer": {"name": "Chatty", "email": "chatty@example.com"},
        "messages": [{"id": "m-1", "sent_at": "2026-01-01T09:00:00Z", "body": "hello"}],
    }


async def _delete_webhook(w: World, c: httpx.AsyncClient) -> httpx.Response:
    hook = {"url": "https://gone.example.com/", "event_types": ["sla.breach"]}
    made = await created(await w.admin.post("/v1/webhooks", json=hook))
    return await c.delete(f"/v1/webhooks/{made['id']}")


async def _redeliver(w: World, c: httpx.AsyncClient) -> httpx.Response:
    # A delivery given up on (as the worker marks them), of a ticket of its own.
    await _other_ticket(w)
    assert w.db is not None
    async with connection(w.db) as conn:
        delivery = await conn.fetchval(
            "UPDATE webhook_deliveries SET status = 'dead' WHERE id = (SELECT max(id) FROM"
            " webhook_deliveries WHERE subscription_id = $1) RETURNING id",
            w.ids["webhook"],
        )
    return await c.post(f"/v1/webhooks/{w.ids['webhook']}/deliveries/{delivery}/redeliver")


async def _decide_held(w: World, c: httpx.AsyncClient, decision: str) -> httpx.Response:
    # A message of its own each time: a stranger naming the (team A) ticket, held.
    mail = compose_email(sender="stranger@example.net", subject=f"Re: [#{w.ids['ticket']}]")
    held = await created(await send_email(w.admin, mail))
    assert held["outcome"] == "held", held
    return await c.post(f"/v1/inbound/held/{held['id']}/{decision}")


def _imported() -> dict[str, Any]:
    return {
        "external_id": f"import-{_n()}",
        "subject": "Imported",
        "created_at": "2020-01-01T09:00:00Z",
        "status_changes": [{"at": "2020-01-01T10:00:00Z", "status": "open"}],
    }


async def _acknowledge(w: World, c: httpx.AsyncClient) -> httpx.Response:
    ticket = await _other_ticket(w)
    made = await created(
        await w.admin.post(
            f"/v1/tickets/{ticket}/escalations",
            json={"kind": "hierarchical", "reason": "r", "to_agent_id": w.ids["supervisor"]},
        )
    )
    return await c.post(f"/v1/escalations/{made['id']}/acknowledge")


async def _deescalate(w: World, c: httpx.AsyncClient) -> httpx.Response:
    ticket = await make_ticket(w.admin, team_id=w.ids["team"], tier=2)
    return await c.post(f"/v1/tickets/{ticket['id']}/deescalate", json={"reason": "solved"})


async def _with_rule(w: World, c: httpx.AsyncClient, method: str) -> httpx.Response:
    rule = await created(
        await w.admin.post("/v1/routing-rules", json={"name": "r", "team_id": w.ids["team"]})
    )
    path = f"/v1/routing-rules/{rule['id']}"
    if method == "PATCH":
        return await c.patch(path, json={"position": 7}, headers=await version_of(w, path))
    return await c.request(method, path)


async def _with_key(w: World, c: httpx.AsyncClient, method: str, suffix: str) -> httpx.Response:
    return await c.request(method, f"/v1/api-keys/{await _throwaway_key(w)}{suffix}")


def spec_operations(app: Any) -> set[str]:
    return {
        operation["operationId"]
        for item in app.openapi()["paths"].values()
        for operation in item.values()
    }


def test_the_table_names_every_operation_and_every_caller(app) -> None:  # type: ignore[no-untyped-def]
    assert set(MATRIX) == spec_operations(app), "every operation has a row, and only those"
    assert set(MATRIX) == set(_calls()), "every row has a request"
    assert all(len(row) == len(CALLERS) for row in MATRIX.values())


async def test_every_operation_answers_every_caller_as_the_table_says(
    app, client: httpx.AsyncClient, db: Database, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    w = await build(app, client, db, clock)
    calls = _calls()
    wrong = []
    for operation, expected in MATRIX.items():
        for caller, status in zip(CALLERS, expected, strict=True):
            async with client_for(app, w.secrets[caller]) as c:
                answer = await calls[operation](w, c)
            if answer.status_code != status:
                wrong.append(f"{operation} as {caller}: {answer.status_code}, not {status}")
    assert not wrong, "\n".join(wrong)
