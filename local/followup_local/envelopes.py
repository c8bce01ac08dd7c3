"""WhatsApp webhook deliveries as Meta sends them (through 360dialog), for local runs.

The simulator and the local sandbox speak to the engine only through these, so a local
run exercises the same webhook path as production.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

BUSINESS_NUMBER = {"display_phone_number": "6281234567890", "phone_number_id": "109876543210987"}
WABA_ID = "102290129340398"


def _delivery(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    value = {"messaging_product": "whatsapp", "metadata": BUSINESS_NUMBER, **value}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": field, "value": value}]}],
    }


def text_message(
    wa_id: str, text: str, at: datetime, message_id: str, name: str = ""
) -> dict[str, Any]:
    """The contact wrote `text`."""
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
        }
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
