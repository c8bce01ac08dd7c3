"""WhatsApp webhook deliveries as Meta sends them (through 360dialog), for local runs.

The simulator and the local sandbox speak to the engine only through these, so a local
run exercises the same webhook path as production.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

BUSINESS_NUMBER = {"display_phone_number": "6281234567890", "phone_number_id": "109876543210987"}
SECOND_NUMBER = {"display_phone_number": "6281234567891", "phone_number_id": "109876543210988"}
"""A second sending number of the same business, for workspaces with several."""
WABA_ID = "102290129340398"


def _delivery(
    value: dict[str, Any], field: str = "messages", number: dict[str, str] = BUSINESS_NUMBER
) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp", "metadata": number, **value}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": field, "value": value}]}],
    }


def text_message(
    wa_id: str,
    text: str,
    at: datetime,
    message_id: str,
    name: str = "",
    number: dict[str, str] = BUSINESS_NUMBER,
) -> dict[str, Any]:
    """The contact wrote `text` to the business `number`."""
    return _delivery(
        {
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id,
                    "timestamp": str(int(at.timestamp())),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        },
        number=number,
    )


def call(
    wa_id: str, at: datetime, call_id: str, name: str = "", number: dict[str, str] = BUSINESS_NUMBER
) -> dict[str, Any]:
    """The contact calls the business `number` on WhatsApp: the call connecting."""
    return _delivery(
        {
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "calls": [
                {
                    "id": call_id,
                    "from": wa_id,
                    "to": number["display_phone_number"],
                    "event": "connect",
                    "direction": "USER_INITIATED",
                    "timestamp": str(int(at.timestamp())),
                }
            ],
        },
        field="calls",
        number=number,
    )


def status(
    wamid: str,
    state: str,
    at: datetime,
    recipient: str,
    followup_id: str | None,
    pricing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What happened to a message we sent: sent, delivered or read (with what it costs)."""
    entry: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(at.timestamp())),
        "recipient_id": recipient,
    }
    if followup_id:
        entry["biz_opaque_callback_data"] = followup_id
    if pricing:
        entry["pricing"] = {"pricing_model": "PMP", **pricing}
    return _delivery({"statuses": [entry]})


def pricing_for(body: dict[str, Any] | None) -> dict[str, Any]:
    """The price WhatsApp names for a send like `body`: free text is a free service
    message; a template is taken for marketing (the send does not say its category)."""
    if body is not None and body.get("type") == "text":
        return {"billable": False, "category": "service", "type": "free_customer_service"}
    return {"billable": True, "category": "marketing", "type": "regular"}


def http_event(document: dict[str, Any], secret: str, method: str = "POST") -> dict[str, Any]:
    """The API Gateway (HTTP API v2) event that carries a delivery to the webhook Lambda."""
    path = f"/webhooks/whatsapp/{secret}"
    return {
        "version": "2.0",
        "routeKey": f"{method} /webhooks/whatsapp/{{secret}}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "user-agent": "360dialog-webhook/1.0"},
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "360dialog-webhook/1.0",
            },
            "routeKey": f"{method} /webhooks/whatsapp/{{secret}}",
            "stage": "$default",
            "requestId": "local",
        },
        "pathParameters": {"secret": secret},
        "body": json.dumps(document),
        "isBase64Encoded": False,
    }


def _template_change(field: str, name: str, language: str, **value: Any) -> dict[str, Any]:
    """A template webhook: its value names the template, not a number or a contact."""
    template = {
        "message_template_id": zlib.crc32(f"{name}/{language}".encode()),
        "message_template_name": name,
        "message_template_language": language,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "time": value.pop("time"),
                "changes": [{"field": field, "value": template | value}],
            }
        ],
    }


def template_status(
    name: str,
    language: str,
    event: str,
    at: datetime,
    reason: str = "NONE",
    disable_date: datetime | None = None,
) -> dict[str, Any]:
    """Meta approved, rejected, paused, disabled or flagged a template."""
    value: dict[str, Any] = {"event": event, "reason": reason, "time": int(at.timestamp())}
    if disable_date is not None:
        value["disable_info"] = {"disable_date": int(disable_date.timestamp())}
    return _template_change("message_template_status_update", name, language, **value)


def template_quality(
    name: str, language: str, previous: str, new: str, at: datetime
) -> dict[str, Any]:
    """Meta rated a template's quality again (GREEN, YELLOW, RED, UNKNOWN)."""
    return _template_change(
        "message_template_quality_update",
        name,
        language,
        previous_quality_score=previous,
        new_quality_score=new,
        time=int(at.timestamp()),
    )


def template_category(
    name: str, language: str, previous: str, new: str, at: datetime, *, impending: bool = False
) -> dict[str, Any]:
    """Meta moves (`impending`) or moved a template to another category."""
    moved = {"correct_category": new} if impending else {"new_category": new}
    return _template_change(
        "template_category_update",
        name,
        language,
        previous_category=previous,
        time=int(at.timestamp()),
        **moved,
    )
