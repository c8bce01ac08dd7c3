"""Ready-made journeys for the common cases: a user installs one as a rule and edits it.

Each recipe is a rule body written for the default funnel (new, qualified, applied, paid,
enrolled). Installing it can rename its stages to the workspace's own, and installs it
switched off, so nobody messages a whole stage before reading what it says. Template names
are placeholders for the workspace's approved templates: once the catalogue is synced,
installing one picks the approved template of that name (see `fit_templates`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from followup.domain.rule import Rule, Step, TemplateParam, TemplateRef
from followup.domain.templates import Template, TemplateCatalogue


class Recipe(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    name: str
    description: str = Field(description="what it does and for whom, in a sentence or two")
    rule: Rule = Field(description="the rule it installs (switched off)")

    def stages(self) -> list[str]:
        """Every stage the recipe's rule names, in order of first mention."""
        named = [*self.rule.trigger_stages, *self.rule.exit.stages, *self.rule.goal.stages]
        return list(dict.fromkeys(named))


def _wait(amount: int, unit: str) -> dict[str, Any]:
    return {"amount": amount, "unit": unit}


def _step(wait: dict[str, Any], template: str, text: str, **extra: Any) -> dict[str, Any]:
    """Free text inside the 24 h window, else the approved template with the first name."""
    return {
        "wait": wait,
        "text": text,
        "template": {
            "name": template,
            "language": "en",
            "params": [{"field": "first_name", "default": "there"}],
        },
        **extra,
    }


def _recipe(
    recipe_id: str,
    name: str,
    description: str,
    trigger: dict[str, Any],
    steps: list[dict[str, Any]],
    **rule: Any,
) -> Recipe:
    body = {"id": recipe_id, "name": name, "active": False, "trigger": trigger, "steps": steps}
    return Recipe(
        id=recipe_id,
        name=name,
        description=description,
        rule=Rule.model_validate(body | rule),
    )


_LATER_THAN_NEW = ["qualified", "applied", "paid", "enrolled"]


@cache
def all_recipes() -> tuple[Recipe, ...]:
    """Every recipe, validated when first asked for, not when a handler loads this module."""
    return (
        _recipe(
            "apply-reminder-24h",
            "Apply reminder after 24 h",
            "A new lead asked about a programme and went quiet: a day later, invite them to apply.",
            {"stages": ["new"], "idle": _wait(24, "hours"), "max_idle": _wait(4, "days")},
            [
                _step(
                    _wait(0, "minutes"),
                    "apply_reminder",
                    "Hi {first_name|there}, did you get a chance to look at the application? "
                    "I can help you with it today.",
                )
            ],
            exit={"stages": _LATER_THAN_NEW},
        ),
        _recipe(
            "applied-not-paid-day3",
            "Applied but not paid, day 3",
            "The lead applied but has not paid three days later: a reminder, then a last call.",
            {"stages": ["applied"], "idle": _wait(3, "days")},
            [
                _step(
                    _wait(0, "minutes"),
                    "payment_reminder",
                    "Hi {first_name|there}, your application is in: the last step is the payment. "
                    "Any questions about it?",
                ),
                _step(
                    _wait(2, "days"),
                    "payment_last_call",
                    "Hi {first_name|there}, places are filling up: complete your payment to "
                    "keep yours.",
                ),
            ],
            exit={"stages": ["paid", "enrolled"]},
        ),
        _recipe(
            "qualified-day2",
            "Qualified, day 2",
            "A qualified lead has been quiet for two days: invite them to an interview.",
            {"stages": ["qualified"], "idle": _wait(2, "days")},
            [
                _step(
                    _wait(0, "minutes"),
                    "interview_invite",
                    "Hi {first_name|there}, would you like to book a short interview with a "
                    "counsellor this week?",
                )
            ],
            exit={"stages": ["applied", "paid", "enrolled"]},
        ),
        _recipe(
            "lead-nurture",
            "Lead nurture",
            "A new lead who is not ready yet: an introduction, a success story, an offer and a "
            "last call over three weeks, then a quarterly update for a year. A reply ends it.",
            {"stages": ["new"], "idle": _wait(1, "days")},
            [
                _step(
                    _wait(0, "minutes"),
                    "nurture_intro",
                    "Hi {first_name|there}, here is what "
                    "our students say they value most about the programme.",
                ),
                _step(
                    _wait(3, "days"),
                    "nurture_case_study",
                    "Hi {first_name|there}, this is how "
                    "one of last year's students found their first job.",
                ),
                _step(
                    _wait(4, "days"),
                    "nurture_offer",
                    "Hi {first_name|there}, this month's "
                    "intake comes with an early-registration offer.",
                ),
                _step(
                    _wait(7, "days"),
                    "nurture_last_call",
                    "Hi {first_name|there}, the offer ends this week: "
                    "shall I hold a place for you?",
                ),
                _step(
                    _wait(3, "months"),
                    "nurture_quarterly",
                    "Hi {first_name|there}, here is what is new this quarter.",
                    repeat={"every": _wait(3, "months"), "times": 3},
                ),
            ],
            exit={"stages": _LATER_THAN_NEW},
        ),
        _recipe(
            "reactivation-60d",
            "Reactivation after 60 days",
            "A lead who has said nothing for 60 days (and no more than 90) "
            "gets one friendly check-in.",
            {
                "stages": ["new", "qualified"],
                "idle": _wait(60, "days"),
                "max_idle": _wait(90, "days"),
            },
            [
                _step(
                    _wait(0, "minutes"),
                    "reactivation",
                    "Hi {first_name|there}, it has been a while: are you still thinking about "
                    "studying with us?",
                )
            ],
            exit={"stages": ["applied", "paid", "enrolled"]},
        ),
        _recipe(
            "subscription-renewal",
            "Subscription renewal reminder",
            "A customer with a `renewal_date` hears about the renewal 7 days before it, at 09:00 "
            "in their time zone, then again on the day at 09:00. A reply does not stop the second.",
            {
                "kind": "date",
                "attribute": "renewal_date",
                "offset": _wait(7, "days"),
                "before": True,
                "at": "09:00",
            },
            [
                _step(
                    _wait(0, "minutes"),
                    "renewal_upcoming",
                    "Hi {first_name|there}, your subscription renews on "
                    "{attributes.renewal_date}: nothing to do if your details are up to date.",
                ),
                {"kind": "wait", "until_attribute": "renewal_date"},
                {"kind": "wait", "until_time": "09:00"},
                _step(
                    _wait(0, "minutes"),
                    "renewal_today",
                    "Hi {first_name|there}, your subscription renews today. Thank you for staying!",
                ),
            ],
            exit={"on_reply": False},
        ),
        _recipe(
            "stopped-replying",
            "Stopped replying",
            "A counsellor answered and the lead went quiet: a nudge a day later, another two "
            "days after that. A reply ends it.",
            {"idle": _wait(1, "days"), "last_speaker": "agent", "max_idle": _wait(3, "days")},
            [
                _step(
                    _wait(0, "minutes"),
                    "checkin_after_agent",
                    "Hi {first_name|there}, did my last message answer your question?",
                    repeat={"every": _wait(2, "days"), "times": 1},
                )
            ],
        ),
        _recipe(
            "post-service",
            "After the service: a rating, then a referral or an urgent review",
            "Two hours after a `service_completed` event, ask for a rating. A day later, a "
            "rating of 4 or 5 (the `rating` attribute your survey sets) gets a referral "
            "request; a lower rating, or none, tags the contact `urgent-review` for a "
            "counsellor. A reply does not end it.",
            {"kind": "event", "name": "service_completed"},
            [
                _step(
                    _wait(2, "hours"),
                    "rating_ask",
                    "Hi {first_name|there}, how did we do? Reply with a rating from 1 to 5.",
                ),
                {"kind": "wait", "for": _wait(1, "days")},
                {
                    "kind": "branch",
                    "if": {"attribute": "rating", "op": "gte", "value": "4", "type": "number"},
                    "then": 5,
                    "else": 3,
                },
                {"kind": "action", "do": "add_tag", "tag": "urgent-review"},
                {"kind": "branch", "then": 6},  # the end: nothing more for a low rating
                _step(
                    _wait(0, "minutes"),
                    "referral_ask",
                    "Thank you, {first_name|there}! Do you know someone who would like the "
                    "same? Here is how to refer them.",
                ),
            ],
            exit={"on_reply": False},
        ),
        _recipe(
            "busy-follow-up",
            "Busy: follow up after a while",
            'The lead replied that they are busy ("lagi sibuk", "estou ocupado"): a nudge five '
            "minutes later, another fifteen minutes after that. A reply ends it.",
            {"kind": "intent", "intents": ["busy"]},
            [
                _step(
                    _wait(5, "minutes"),
                    "busy_follow_up",
                    "No problem, {first_name|there}: when would be a good time to talk?",
                ),
                _step(
                    _wait(15, "minutes"),
                    "busy_follow_up_again",
                    "Hi {first_name|there}, just let me know when suits you.",
                ),
            ],
        ),
        _recipe(
            "call-back-as-asked",
            "Call back at the time asked",
            'The lead asked to be contacted at a given time ("besok jam 10", "amanhã às 14h"): '
            "one message then, or at the next opening of the send window.",
            {"kind": "intent", "intents": ["call_back_at"]},
            [
                _step(
                    _wait(0, "minutes"),
                    "call_back",
                    "Hi {first_name|there}, as promised, here I am: is now a good time?",
                )
            ],
        ),
    )


def recipe(recipe_id: str) -> Recipe | None:
    return next((found for found in all_recipes() if found.id == recipe_id), None)


@dataclass(frozen=True)
class MissingTemplate:
    """A template a recipe's step needs that the synced catalogue has no approved copy of:
    its name and language, how many parameters the step gives, and the status of the copy
    the catalogue holds in that language (None when it holds none)."""

    step: int
    name: str
    language: str
    params: int
    status: str | None


def fit_templates(
    rule: Rule, catalogue: TemplateCatalogue, workspace: Iterable[Rule]
) -> tuple[Rule, list[MissingTemplate]]:
    """The recipe's rule with each placeholder template replaced by the approved one of the
    same name in the synced catalogue: in the recipe's language, else in another; with the
    step's parameters when it takes as many, else with those a `workspace` rule already
    fills it with. A step left without one is listed as missing. Before the first sync
    nothing is known, and nothing changes."""
    if not catalogue.known:
        return rule, []
    fills = _fills(workspace)
    steps: list[Any] = []
    missing: list[MissingTemplate] = []
    for n, step in enumerate(rule.steps):
        ref = step.template if isinstance(step, Step) else None
        if ref is None:
            steps.append(step)
            continue
        picked = _pick(ref, catalogue, fills)
        if picked is None:
            held = catalogue.find(ref.name, ref.language)
            missing.append(
                MissingTemplate(
                    n, ref.name, ref.language, len(ref.params), held.status if held else None
                )
            )
        steps.append(step.model_copy(update={"template": picked or ref}))
    return rule.model_copy(update={"steps": steps}), missing


def _fills(workspace: Iterable[Rule]) -> dict[tuple[str, str], list[TemplateParam]]:
    """How the workspace's rules fill each template they send (the first rule's way)."""
    found: dict[tuple[str, str], list[TemplateParam]] = {}
    for rule in workspace:
        for step in rule.steps:
            if isinstance(step, Step) and step.template is not None:
                found.setdefault((step.template.name, step.template.language), step.template.params)
    return found


def _pick(
    ref: TemplateRef,
    catalogue: TemplateCatalogue,
    fills: dict[tuple[str, str], list[TemplateParam]],
) -> TemplateRef | None:
    approved = [t for t in catalogue.templates if t.name == ref.name and t.status == "APPROVED"]
    approved.sort(key=lambda t: (t.language != ref.language, t.language))
    for template in approved:
        params = _params(ref, template, fills)
        if params is not None:
            update: dict[str, Any] = {"language": template.language, "params": params}
            if template.category in ("marketing", "utility"):
                update["category"] = template.category
            return ref.model_copy(update=update)
    return None


def _params(
    ref: TemplateRef, template: Template, fills: dict[tuple[str, str], list[TemplateParam]]
) -> list[TemplateParam] | None:
    if template.placeholders == len(ref.params):
        return ref.params
    known = fills.get(template.key)
    return known if known is not None and len(known) == template.placeholders else None
