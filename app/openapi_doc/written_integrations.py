"""The API reference's written text for what gateways and consumers use (events and webhooks,
inbound email and chat, imports, exports): summaries, realistic examples (a Thai chat and import)
and field descriptions, merged into app/openapi_doc/written.py's tables."""

from typing import Any

# A summary for every operation.
SUMMARIES: dict[str, str] = {
    "events_stream": "Follow the event feed live (Server-Sent Events), resuming by Last-Event-ID; "
    "a customer token: its tickets' public events",
    "inbound_held_list": "List held mail: messages that named a ticket their sender is not on",
    "inbound_held_accept": "Accept a held message into the ticket it answers, or as a new ticket",
    "inbound_held_reject": "Reject a held message (its content is erased at once)",
    "inbound_email_receive": "Hand in an email the gateway received",
    "imports_ticket": "Import a ticket with its past from another help desk",
    "imports_tickets_batch": "Import up to 100 tickets, each on its own",
    "events_list": "Follow ticket events in commit order",
    "webhooks_create": "Subscribe a URL to events",
    "webhooks_list": "List webhook subscriptions",
    "webhooks_get": "Read one webhook subscription",
    "webhooks_update": "Change a webhook subscription",
    "webhooks_delete": "Delete a webhook subscription",
    "webhook_deliveries_list": "List a subscription's deliveries and their attempts",
    "webhook_deliveries_redeliver": "Send a delivered or dead delivery again",
    "inbound_chat": "Hand in a chat conversation (all of it, or its new messages)",
    "exports_tickets": "Export tickets changed since a cursor (NDJSON or CSV)",
}

# A field's example in one schema, where the name alone says too little.
SCHEMA_FIELDS: dict[str, dict[str, Any]] = {
    "CustomerRef": {"id": 318},
    "DeliveryOut": {"id": 9031},
    "EventOut": {"id": 55120},
    "WebhookOut": {"id": 2},
    "WebhookCreated": {"id": 2},
    "ChatMessage": {"id": "msg-1", "body": "สวัสดีค่ะ เครื่องพิมพ์ไม่ทำงานตั้งแต่เช้า"},
    "ChatMessageOut": {"id": "msg-1"},
    "ChatConversation": {"subject": "เครื่องพิมพ์ไม่ทำงาน", "language": "th"},
    "InboundEmailOut": {
        "id": 2210,
        "subject": "Re: VPN drops every few minutes [#4711]",
        "attachments": [
            {"filename": "vpn-client.log", "content_type": "text/plain", "size": 18432}
        ],
    },
    "ImportItemResult": {"problem": None, "status": 201},
}

# Whole examples for schemas whose fields do not tell the story one by one (or that other
# files give a plainer example of).
SCHEMAS: dict[str, Any] = {
    "TicketImportBatch": {
        "items": [
            {
                "source": "zendesk",
                "external_id": "ZD-90412",
                "subject": "เครื่องพิมพ์ชั้น 2 กระดาษติด",
                "language": "th",
                "channel": "email",
                "customer": {"name": "สมชาย ใจดี", "email": "somchai@example.co.th"},
                "created_at": "2026-02-20T02:15:00Z",
                "status_changes": [{"at": "2026-02-20T04:00:00Z", "status": "resolved"}],
            }
        ]
    },
    "TicketImport": {
        "source": "zendesk",
        "external_id": "ZD-90411",
        "subject": "เครื่องพิมพ์ชั้น 2 กระดาษติดทุกหน้า",
        "language": "th",
        "channel": "email",
        "customer": {"name": "สมชาย ใจดี", "email": "somchai@example.co.th"},
        "created_at": "2026-02-19T03:12:00Z",
        "status_changes": [
            {"at": "2026-02-19T03:40:00Z", "status": "open"},
            {"at": "2026-02-20T09:05:00Z", "status": "resolved"},
        ],
        "interactions": [
            {
                "kind": "email",
                "direction": "inbound",
                "author_type": "customer",
                "body": "เครื่องพิมพ์กระดาษติดทุกหน้าค่ะ",
                "occurred_at": "2026-02-19T03:12:00Z",
                "external_id": "zd-comment-1",
            },
            {
                "kind": "email",
                "direction": "outbound",
                "author_type": "agent",
                "author_name": "Niran",
                "body": "ช่างจะเปลี่ยนชุดดึงกระดาษให้พรุ่งนี้ครับ",
                "occurred_at": "2026-02-19T03:40:00Z",
            },
        ],
    },
    "ChatConversation": {
        "conversation_id": "line-th-88123",
        "customer": {"name": "Malee Srisuk", "email": "malee@example.co.th"},
        "subject": "เครื่องพิมพ์ไม่ทำงาน",
        "language": "th",
        "messages": [
            {
                "id": "msg-1",
                "sent_at": "2026-03-02T02:10:00Z",
                "author": "customer",
                "body": "สวัสดีค่ะ เครื่องพิมพ์ไม่ทำงานตั้งแต่เช้า",
            },
            {
                "id": "msg-2",
                "sent_at": "2026-03-02T02:12:30Z",
                "author": "agent",
                "author_name": "Niran",
                "body": "รับทราบครับ ขอหมายเลขเครื่องด้วยครับ",
            },
        ],
    },
    "ImportedInteraction": {
        "kind": "call",
        "direction": "inbound",
        "author_type": "customer",
        "body": "Customer called: the printer on floor 2 jams again.",
        "occurred_at": "2026-02-19T07:02:00Z",
        "duration_seconds": 240,
        "external_id": "zd-call-77",
    },
}

# Request bodies that are not one schema (a choice of two, an optional body).
REQUESTS: dict[str, Any] = {
    "inbound_held_accept": {"into": "ticket"},
    "inbound_email_receive": "From: Femke de Vries <femke.devries@example.nl>\r\n"
    "To: support@desk.example.nl\r\n"
    "Subject: Re: VPN drops every few minutes [#4711]\r\n"
    "Message-ID: <CAF=8xq3@mail.example.nl>\r\n"
    "In-Reply-To: <hd.4711.90211.p3emfarpozya24ys@helpdesk.example.nl>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "De VPN valt nog steeds weg, ook na de herstart.\r\n\r\n"
    "> Welke versie van de VPN-client gebruikt u?\r\n",
}

# Responses that are not JSON.
RESPONSES: dict[str, Any] = {
    "events_stream": "retry: 3000\n\n"
    "id: ZXZlbnRzLWZlZWQ6MTIzNDU2OjU1MTIw\n"
    "event: interaction.added\n"
    'data: {"id": 55120, "type": "interaction.added", "ticket_id": 4711, '
    '"occurred_at": "2026-03-02T09:31:12Z", "data": {"ticket_id": 4711, "kind": "email", '
    '"direction": "outbound", "public": true, "author_type": "agent"}}\n\n'
    ": heartbeat\n\n",
    "exports_tickets": '{"id": 4711, "status": "open", "priority": "high", "channel": "phone", '
    '"team_id": 3, "created_at": "2026-03-02T09:14:07Z"}\n',
}

# What a field means in one schema, where its name is not enough.
SCHEMA_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "EventOut": {"type": "The event's type (`ticket.created`, …).", "id": "The event's id."},
    "ImportedInteraction": {"kind": "call, email, chat, note, callback or sms."},
}
