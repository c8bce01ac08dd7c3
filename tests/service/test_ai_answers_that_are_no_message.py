"""What the model answers is not always a message: a refusal, a preamble for whoever asked,
a blank left to fill in, a quotation of the message, a forbidden phrase with its accents or
broken by punctuation.
Through the real Anthropic client against the fake Messages API, on the in-memory twin:
the lead gets the step's own text (or the message without its quotes), and the follow-up
says which guardrail refused the answer."""

from __future__ import annotations

import pytest

from followup.domain.followup import FollowUp
from followup.domain.settings import AiSettings
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, lead_quiet_before_an_ai_step, writing_in_english

WA_ID = "6281100000880"
STATIC_SENT = "Hi Rudi, still applying?"
WRITTEN = "Hi Rudi, are you still thinking about applying for the MBA this intake?"


def sent_for(
    engine: MemoryEngine, answer: str, forbidden: list[str] | None = None
) -> tuple[list[str], FollowUp]:
    """The texts a lead quiet for two hours is sent when the model answers `answer`, and
    their follow-up."""
    with FakeAnthropic(KEY) as fake:
        # Given an English workspace with an AI step, and a lead quiet for two hours
        deps = engine.deps
        writing_in_english(engine, fake)
        ai = AiSettings(language="en", forbidden_phrases=forbidden or [])
        deps.rules.save_settings(deps.rules.settings().model_copy(update={"ai": ai}))
        deps.catalog.invalidate()
        lead = lead_quiet_before_an_ai_step(engine, WA_ID)
        # When the tick sends the step and the model answers
        fake.reply_next(answer)
        engine.tick()
    sent = [r.body["text"]["body"] for r in engine.sandbox.requests if r.body is not None]
    [followup] = deps.followups.followups_of(lead.id)
    return sent, followup


@pytest.mark.parametrize(
    ("answer", "guardrail"),
    [
        ("I'm sorry, but I can't help with that.", "refusal"),
        ("Maaf, saya tidak bisa membantu dengan permintaan itu.", "refusal"),
        ("Hi [Name], are you still thinking about applying for the MBA?", "placeholder"),
        ("Hi {first_name}, are you still thinking about applying for the MBA?", "placeholder"),
        ("Hi <name>, are you still thinking about applying for the MBA?", "placeholder"),
        (f"Here is the message:\n\n{WRITTEN}", "preamble"),
        (f"Sure! Here's a friendly follow-up:\n{WRITTEN}", "preamble"),
    ],
    ids=["refusal", "refusal-id", "square", "curly", "angle", "preamble", "sure-heres"],
)
def test_an_answer_that_is_no_message_is_not_sent(
    engine: MemoryEngine, answer: str, guardrail: str
) -> None:
    sent, followup = sent_for(engine, answer)
    # Then the step's own text goes, and the follow-up names the guardrail
    assert sent == [STATIC_SENT]
    assert followup.ai is not None
    assert (followup.ai.fallback_reason, followup.ai.guardrail) == ("guardrail", guardrail)
    assert followup.ai.cost_usd > 0


@pytest.mark.parametrize(
    "answer",
    [f'"{WRITTEN}"', f"“{WRITTEN}”", f"  “{WRITTEN}”\n"],
    ids=["straight", "curly", "curly-spaced"],
)
def test_a_message_in_quotes_is_sent_without_them(engine: MemoryEngine, answer: str) -> None:
    sent, followup = sent_for(engine, answer)
    assert sent == [WRITTEN]
    assert followup.ai is not None
    assert followup.ai.used


def test_quotations_inside_the_message_are_kept(engine: MemoryEngine) -> None:
    answer = '"Later" is fine, Rudi: are you still thinking about the "Evening MBA"?'
    sent, _ = sent_for(engine, answer)
    assert sent == [answer]


@pytest.mark.parametrize(
    ("forbidden", "answer"),
    [
        ("gratis", "Hi Rudi, your first class is GRÁTIS this week, are you still applying?"),
        ("grátis", "Hi Rudi, your first class is gratis this week, are you still applying?"),
        ("gratis", "Hi Rudi, your first class is ｇｒａｔｉｓ this week, are you still applying?"),
        ("guarantee", "Hi Rudi, we guar-antee your seat in the MBA, are you still applying?"),
        ("guarantee", "Hi Rudi, we g.u.a.r.a.n.t.e.e your seat, are you still applying?"),
        ("guarantee", "Hi Rudi, we G U A R A N T E E your seat, are you still applying?"),
    ],
    ids=["accent-in-text", "accent-in-phrase", "full-width", "hyphen", "dots", "spelled-out"],
)
def test_a_forbidden_phrase_is_found_whatever_its_accents_or_marks_inside(
    engine: MemoryEngine, forbidden: str, answer: str
) -> None:
    sent, followup = sent_for(engine, answer, [forbidden])
    assert sent == [STATIC_SENT]
    assert followup.ai is not None
    assert followup.ai.guardrail == "forbidden_phrase"
