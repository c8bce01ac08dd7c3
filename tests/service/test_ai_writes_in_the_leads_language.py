"""A lead whose `language` attribute names their own is written to, and checked, in it; the
others in the workspace's. Through the real Anthropic client against the fake Messages API,
on the in-memory twin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, writing_in_english
from tests.support.builders import quiet_contact, rule

WA_ID = "5511900000990"
STATIC = "Hi {first_name|there}, still applying?"
PORTUGUESE = "Oi Rudi, você ainda quer se inscrever? Estamos aqui para ajudar com o que precisar."
ENGLISH = "Hi Rudi, are you still thinking about applying? We are here to help with your form."


def written(engine: MemoryEngine, attributes: dict[str, str], answer: str) -> tuple[str, str]:
    """The text sent to a lead with `attributes` when the model answers `answer`, and the
    language line the model was asked to write in."""
    with FakeAnthropic(KEY) as fake:
        # Given an English workspace with an AI step, and a lead quiet for two hours
        writing_in_english(engine, fake)
        step = {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": STATIC,
            "ai": {"instructions": "Ask kindly whether they still want to apply."},
        }
        trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
        engine.deps.rules.save_rule(rule(trigger=trigger, steps=[step]))
        then = engine.clock.now() - timedelta(hours=2)
        quiet_contact(engine.deps, WA_ID, then, attributes=attributes)
        engine.sandbox.record_inbound(WA_ID, then)
        # When the tick sends the step and the model answers
        fake.reply_next(answer)
        engine.tick()
        [asked] = fake.requests
    [sent] = [r.body["text"]["body"] for r in engine.sandbox.requests if r.body is not None]
    assert asked.body is not None
    language = re.search(r"Language: [^;]+", str(asked.body))
    assert language is not None
    return sent, language.group()


@pytest.mark.parametrize(
    ("attributes", "answer", "sent", "language"),
    [
        # the lead's own language: asked for, and its text goes
        ({"language": "pt-BR"}, PORTUGUESE, PORTUGUESE, "Language: pt-BR"),
        # the same Portuguese text to a lead of the English workspace is refused
        ({}, PORTUGUESE, "Hi Rudi, still applying?", "Language: en"),
        # and an English text to the Portuguese-speaking lead is refused too
        ({"language": "pt-BR"}, ENGLISH, "Hi Rudi, still applying?", "Language: pt-BR"),
        # a blank attribute names no language
        ({"language": "  "}, ENGLISH, ENGLISH, "Language: en"),
    ],
    ids=["own", "workspace-refuses-pt", "own-refuses-en", "blank"],
)
def test_the_ai_writes_in_the_leads_own_language_else_the_workspaces(
    engine: MemoryEngine, attributes: dict[str, str], answer: str, sent: str, language: str
) -> None:
    assert written(engine, attributes, answer) == (sent, language)
