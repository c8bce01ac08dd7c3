"""A polite no and nothing else ("thanks but no", "obrigado mas não", "makasih kak tapi
engga", "ga kak makasih", "gracias pero no") turns the offer down, as "no thanks" does;
a no or a thanks alone, and a no that goes on to ask for a time, do not. "I'll let you
know", "next time", "lain kali", "kapan2", "outro dia", "mais tarde hoje" (later, not
the afternoon), "eu te aviso", "in a bit", "give me a minute", "daqui a pouco", "I'll call
you back", "te retorno depois" put the talk off, as "nanti saya kabari" does."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "thanks but no"),
        (SAO_PAULO, "obrigado mas não"),
        (SAO_PAULO, "obrigada, mas não"),
        (JAKARTA, "makasih kak tapi engga"),
        (JAKARTA, "ga kak makasih"),
        (JAKARTA, "ndak kak makasih"),
        (NEW_YORK, "gracias pero no"),
    ],
)
def test_a_polite_no_alone_is_not_interested(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text) == (Intent.NOT_INTERESTED, None)


@pytest.mark.parametrize(
    ("zone", "text", "read"),
    [
        (NEW_YORK, "no", (Intent.OTHER, None)),
        (JAKARTA, "makasih kak", (Intent.OTHER, None)),
        (NEW_YORK, "thanks but no, call me tomorrow", (Intent.CALL_BACK_AT, "2026-11-25T09:00")),
    ],
)
def test_a_no_or_thanks_alone_or_a_no_asking_a_time_is_no_refusal(
    zone: ZoneInfo, text: str, read: tuple[Intent, str | None]
) -> None:
    assert detected(zone, text) == read


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I'll let you know"),
        (NEW_YORK, "will let you know"),
        (NEW_YORK, "maybe another time"),
        (NEW_YORK, "next time"),
        (JAKARTA, "lain kali ya kak"),
        (JAKARTA, "kapan2 aja"),
        (JAKARTA, "nanti2 aja"),
        (SAO_PAULO, "outro dia"),
        (SAO_PAULO, "mais tarde hoje"),
        (SAO_PAULO, "vou ver com meu marido e te falo"),
        (SAO_PAULO, "eu te aviso"),
        (NEW_YORK, "in a bit"),
        (NEW_YORK, "give me a minute"),
        (NEW_YORK, "one sec"),
        (SAO_PAULO, "daqui a pouco"),
        (SAO_PAULO, "um minuto"),
        (NEW_YORK, "I'll call you back"),
        (NEW_YORK, "I will text you back"),
        (SAO_PAULO, "depois eu te ligo"),
        (SAO_PAULO, "eu te ligo"),
        (SAO_PAULO, "te retorno depois"),
        (SAO_PAULO, "depois a gente se fala"),
    ],
)
def test_putting_it_off_is_busy(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text) == (Intent.BUSY, None)
