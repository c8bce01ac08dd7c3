"""The sandbox page: each demo lead's WhatsApp chat, a box to answer as them, and an
outbox of the SMS and emails the engine sent (as moto's SNS and SES recorded them).

What a lead types reaches the engine through the real webhook, in Meta's envelope,
exactly as 360dialog would post it; each accepted send is reported `delivered` the
same way. The chats are the engine's own conversation lines. `GET /sandbox/messages`
lists what the sandbox was sent, as JSON.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from followup.adapters.tables import FollowUpItem, MessageItem
from followup.domain.conversation import Direction, Message
from followup.domain.errors import problem_message
from followup.services.contacts import find_contact
from followup.services.timeline import sent_line
from followup.wiring import runtime
from followup_local import envelopes
from followup_local.engine import REGION
from followup_local.outbox import emails, sms

if TYPE_CHECKING:
    from followup_local.devstack import DevStack

PAGE = Path(__file__).with_name("sandbox.html")


class Reply(BaseModel):
    wa_id: str = Field(pattern=r"^\d{6,20}$")
    text: str = Field(min_length=1, max_length=4096)


class Caller(BaseModel):
    wa_id: str = Field(pattern=r"^\d{6,20}$")


class SandboxPage:
    def __init__(self, stack: DevStack) -> None:
        self._stack = stack
        self._reported: set[str] = set()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/sandbox", self._page),
            Route("/sandbox/messages", self._messages),
            Route("/sandbox/chats", self._chats),
            Route("/sandbox/outbox", self._outbox),
            Route("/sandbox/reply", self._reply, methods=["POST"]),
            Route("/sandbox/call", self._call, methods=["POST"]),
            Route("/sandbox/templates", self._template, methods=["POST"]),
        ]

    async def _page(self, _: Request) -> Response:
        return HTMLResponse(PAGE.read_text())

    async def _messages(self, _: Request) -> Response:
        return JSONResponse(self._stack.sandbox.messages())

    async def _chats(self, _: Request) -> Response:
        return JSONResponse(await run_in_threadpool(self.chats))

    async def _outbox(self, _: Request) -> Response:
        sent = await run_in_threadpool(lambda: sms(REGION) + emails(REGION))
        return JSONResponse([asdict(item) for item in sent])

    async def _reply(self, request: Request) -> Response:
        try:
            reply = Reply.model_validate_json(await request.body())
        except ValidationError as error:
            return _invalid(error)
        status = await run_in_threadpool(self.reply, reply.wa_id, reply.text)
        return JSONResponse({"webhook_status": status}, status_code=200 if status == 200 else 502)

    async def _call(self, request: Request) -> Response:
        try:
            caller = Caller.model_validate_json(await request.body())
        except ValidationError as error:
            return _invalid(error)
        status = await run_in_threadpool(self.call, caller.wa_id)
        return JSONResponse({"webhook_status": status}, status_code=200 if status == 200 else 502)

    async def _template(self, request: Request) -> Response:
        """Change a template as Meta would (`{name, language, status | quality | category}`)
        and tell the engine through the webhook."""
        try:
            change = json.loads(await request.body())
            document = self._stack.sandbox.templates.change(change)
        except (ValueError, KeyError, TypeError) as error:
            problem = [{"field": "body", "message": f"not a known template change: {error}"}]
            return JSONResponse({"error": {"code": "invalid", "details": problem}}, 422)
        status = await run_in_threadpool(
            lambda: httpx.post(self._webhook_url, json=document, timeout=30).status_code
        )
        return JSONResponse({"webhook_status": status}, status_code=200 if status == 200 else 502)

    def chats(self) -> list[dict[str, Any]]:
        """Per lead with a conversation: name, and its lines in time order, newest chat first.

        Read from the engine's own conversation lines (stored, or built from the sent
        follow-ups), so the page survives a restart and shows what the engine saw, agents'
        messages included.
        """
        deps = runtime.deps()
        stored = [Message.model_validate_json(item.doc) for item in MessageItem.scan()]
        told = {line.followup_id for line in stored if line.followup_id}
        contact_ids = {item.contact_id for item in FollowUpItem.scan()}
        built = (
            sent_line(followup)
            for contact_id in sorted(contact_ids)
            for followup in deps.followups.followups_of(contact_id)
            if followup.id not in told
        )
        lines: dict[str, list[dict[str, Any]]] = {}
        every = [*stored, *(line for line in built if line is not None)]
        for line in sorted(every, key=lambda line: line.placed):
            lines.setdefault(line.contact_id, []).append(
                {
                    "from": "lead" if line.direction is Direction.INBOUND else "business",
                    "speaker": line.speaker.value,
                    "at": line.at.astimezone(UTC).isoformat(),
                    "text": line.text,
                }
            )
        chats: list[dict[str, Any]] = []
        for contact_id, conversation in lines.items():
            found = deps.contacts.contact(contact_id)
            if found is None or found.item.wa_id is None:
                continue
            chats.append(
                {"wa_id": found.item.wa_id, "name": found.item.name, "messages": conversation}
            )
        return sorted(chats, key=lambda chat: str(chat["messages"][-1]["at"]), reverse=True)

    def reply(self, wa_id: str, text: str) -> int:
        """The lead writes: post Meta's envelope to the webhook; the webhook's HTTP status."""
        now = self._stack.clock.now()
        found = find_contact(runtime.deps(), wa_id, None)
        document = envelopes.text_message(
            wa_id,
            text,
            now,
            f"wamid.sandbox.{secrets.token_hex(8)}",
            found.item.name if found else "",
        )
        self._stack.sandbox.record_inbound(wa_id, now)
        return httpx.post(self._webhook_url, json=document, timeout=30).status_code

    def call(self, wa_id: str) -> int:
        """The lead calls the business on WhatsApp: post Meta's `calls` envelope to the
        webhook (a call opens the 24 h window, as a message does); the webhook's status."""
        now = self._stack.clock.now()
        found = find_contact(runtime.deps(), wa_id, None)
        document = envelopes.call(
            wa_id, now, f"wacid.sandbox.{secrets.token_hex(8)}", found.item.name if found else ""
        )
        self._stack.sandbox.record_inbound(wa_id, now)
        return httpx.post(self._webhook_url, json=document, timeout=30).status_code

    def report_deliveries(self) -> None:
        """Each accepted send is `delivered` to the lead's phone, told through the webhook."""
        for sent in self._stack.sandbox.sent():
            wamid = sent.wamid
            if wamid is None or wamid in self._reported or sent.body is None:
                continue
            document = envelopes.status(
                wamid,
                "delivered",
                self._stack.clock.now(),
                sent.body.get("to", ""),
                sent.followup_id,
                envelopes.pricing_for(sent.body),
            )
            if httpx.post(self._webhook_url, json=document, timeout=30).status_code == 200:
                self._reported.add(wamid)

    @property
    def _webhook_url(self) -> str:
        return f"{self._stack.base_url}/webhooks/whatsapp/{self._stack.path_secret}"


def _invalid(error: ValidationError) -> JSONResponse:
    """422 naming each field the sandbox's request got wrong."""
    problems = [
        {"field": ".".join(map(str, e["loc"])), "message": problem_message(e)}
        for e in error.errors()
    ]
    return JSONResponse({"error": {"code": "invalid", "details": problems}}, 422)
