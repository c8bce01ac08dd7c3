"""A contact asked for now ("call me now", "telpon sekarang aja", "me liga agora", "call
me asap", "hubungi saya secepatnya"), asked for with nothing else ("call me", "telpon
aja kak", "me liga", "can you call me?", "pode me ligar?", "call me today", "me liga
hoje"; also with the lead saying they
are free: "I'm not busy, call me", "tô livre, pode ligar"), said free now ("I'm free
now", "skrg bisa kak", "agora posso"), or at any time ("call me whenever", "telpon kapan
aja", "qualquer hora"; not "anytime" alone, which may answer a thanks), is a call back a
quarter of an hour from now; at any time but on days, a part of one or an hour ("anytime
except tomorrow", "kapan aja asal jangan besok", "anytime except tomorrow at 3"), or
free but then ("I'm free except between 12 and 1"), never on what it excepts. One turned
down ("don't call me now", "no need to call now", "ga usah telpon sekarang", "não me
liga agora") is no time: the lead is busy."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected

SOON = "2026-11-24T09:15"


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "call me now"),
        (NEW_YORK, "can you call me now?"),
        (NEW_YORK, "call me asap"),
        (JAKARTA, "telpon sekarang aja kak"),
        (JAKARTA, "hubungi saya secepatnya"),
        (SAO_PAULO, "me liga agora"),
        (NEW_YORK, "llámame ahora"),
        (NEW_YORK, "please call me back"),
        (JAKARTA, "telpon aja kak"),
        (SAO_PAULO, "me liga"),
        (NEW_YORK, "call me today"),
        (NEW_YORK, "please call me today"),
        (JAKARTA, "telpon saya hari ini"),
        (SAO_PAULO, "me liga hoje"),
        (MEXICO_CITY, "llámame hoy"),
        (NEW_YORK, "can you call me?"),
        (JAKARTA, "bisa telpon aku?"),
        (SAO_PAULO, "pode me ligar?"),
        (NEW_YORK, "call me whenever"),
        (NEW_YORK, "call me anytime"),
        (NEW_YORK, "any time is fine"),
        (JAKARTA, "telpon kapan aja"),
        (JAKARTA, "kapan aja kak"),
        (SAO_PAULO, "qualquer hora"),
        (NEW_YORK, "ok call me"),
        (NEW_YORK, "yes I'm interested, call me"),
        (SAO_PAULO, "sim, tenho interesse, me liga"),
        (JAKARTA, "minat kak, telpon aja"),
        (MEXICO_CITY, "sí, tengo interés, llámame"),
        (NEW_YORK, "I'm free now"),
        (NEW_YORK, "I'm available now if you want to call"),
        (NEW_YORK, "now works"),
        (JAKARTA, "skrg bisa kak"),
        (JAKARTA, "sekarang aja telpon"),
        (SAO_PAULO, "agora posso"),
        (SAO_PAULO, "já pode ligar"),
        (NEW_YORK, "ahora sí puedo"),
    ],
)
def test_a_contact_asked_for_now_is_a_call_back_soon(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be contacted now
    # Then the call back is a quarter of an hour from now
    assert detected(zone, text) == (Intent.CALL_BACK_AT, SOON)


@pytest.mark.parametrize(
    ("zone", "text", "said_at", "wanted"),
    [
        (NEW_YORK, "anytime except tomorrow", (9, 0), SOON),
        (NEW_YORK, "any time but not tomorrow", (9, 0), SOON),
        (NEW_YORK, "call me whenever but not on friday", (9, 0), SOON),
        (NEW_YORK, "anytime except the weekend", (9, 0), SOON),
        (NEW_YORK, "anytime except tomorrow morning", (9, 0), SOON),
        (NEW_YORK, "any day except monday", (9, 0), SOON),
        (SAO_PAULO, "qualquer dia menos segunda", (9, 0), SOON),
        (JAKARTA, "kapan aja asal jangan besok", (9, 0), SOON),
        (JAKARTA, "kapan aja kecuali sabtu atau minggu", (9, 0), SOON),
        (SAO_PAULO, "qualquer hora menos amanhã", (9, 0), SOON),
        (SAO_PAULO, "qualquer hora, menos no sábado", (9, 0), SOON),
        # what it excepts begins now: the end of it, else the next morning it spares
        (NEW_YORK, "call me anytime except today", (9, 0), "2026-11-25T09:00"),
        (NEW_YORK, "anytime except tuesday", (9, 0), "2026-11-25T09:00"),
        (NEW_YORK, "anytime except today or tomorrow", (9, 0), "2026-11-26T09:00"),
        (JAKARTA, "telpon kapan aja asal jangan hari ini ya", (9, 0), "2026-11-25T09:00"),
        (NEW_YORK, "anytime except this morning", (9, 0), "2026-11-24T12:00"),
        (JAKARTA, "kapan aja asal jangan malam", (20, 0), "2026-11-25T09:00"),
        (NEW_YORK, "anytime except tomorrow", (23, 0), "2026-11-24T23:15"),
        (NEW_YORK, "anytime except tomorrow", (23, 45), "2026-11-26T09:00"),
        # an hour excepted, of a day or of every day
        (NEW_YORK, "anytime except tomorrow at 3", (9, 0), SOON),
        (NEW_YORK, "anytime except at 3", (14, 0), "2026-11-24T14:15"),
        (NEW_YORK, "call me whenever, but not at 3pm", (14, 50), "2026-11-24T16:00"),
        (JAKARTA, "kapan aja asal jangan jam 3", (14, 50), "2026-11-24T16:00"),
        (SAO_PAULO, "qualquer hora menos às 15h", (14, 50), "2026-11-24T16:00"),
        (NEW_YORK, "anytime except tomorrow at 3", (14, 50), "2026-11-24T15:05"),
        (NEW_YORK, "anytime except tomorrow at 3 or 4", (9, 0), SOON),
        (NEW_YORK, "anytime except at 3 or 4", (14, 50), "2026-11-24T17:00"),
        (JAKARTA, "kapan aja asal jangan jam 3 atau 4", (14, 50), "2026-11-24T17:00"),
    ],
)
def test_a_contact_at_any_time_but_on_some_days_is_never_on_them(
    zone: ZoneInfo, text: str, said_at: tuple[int, int], wanted: str
) -> None:
    # Given a lead writing on Tuesday at `said_at`
    # When they ask to be contacted at any time but on days, a part of one or an hour
    # Then the call back is soon, or at the first time that is not excepted
    assert detected(zone, text, at(*said_at)) == (Intent.CALL_BACK_AT, wanted)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "don't call me now"),
        (NEW_YORK, "no need to call me now"),
        (JAKARTA, "jangan telpon sekarang"),
        (JAKARTA, "ga usah telpon sekarang"),
        (SAO_PAULO, "não me liga agora"),
        (NEW_YORK, "no me llames ahora"),
    ],
)
def test_a_contact_turned_down_for_now_is_busy(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say not to contact them now
    # Then they are busy, with no time booked
    assert detected(zone, text) == (Intent.BUSY, None)


def test_early_morning_said_twice_is_the_morning() -> None:
    assert detected(JAKARTA, "pagi2 aja") == (Intent.CALL_BACK_AT, "2026-11-25T09:00")


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I'm not free now"),
        (NEW_YORK, "now is not good"),
        (JAKARTA, "skrg gak bisa kak"),
        (SAO_PAULO, "agora não posso"),
        (NEW_YORK, "I was free now and then"),
    ],
)
def test_not_free_now_is_no_call_back_soon(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say they are not free now
    # Then no call back is booked
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "sorry I missed your call, I'm free now"),
        (NEW_YORK, "I was in a meeting, free now"),
        (NEW_YORK, "missed your call, can talk now"),
        (JAKARTA, "maaf tadi gak angkat, sekarang bisa kak"),
        (SAO_PAULO, "desculpa, não vi a ligação, agora posso"),
        (MEXICO_CITY, "perdón no vi tu llamada, ya estoy libre"),
    ],
)
def test_free_now_after_what_kept_the_lead_is_a_call_back_soon(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say what kept them, or that they missed the call, then that they are free
    # now
    # Then the call back is a quarter of an hour from now (it was nothing, or busy)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, "2026-11-24T09:15")


@pytest.mark.parametrize(
    "text", ["call me maybe", "call me if there's a discount", "anytime", "thanks! anytime"]
)
def test_a_contact_asked_on_a_condition_is_no_time(text: str) -> None:
    assert detected(NEW_YORK, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "said_at", "wanted"),
    [
        (NEW_YORK, "I'm free except between 12 and 1", (9, 0), SOON),
        (NEW_YORK, "I'm free except between 12 and 1", (12, 0), "2026-11-24T13:00"),
        (NEW_YORK, "I'm free all day except 2-3", (9, 0), SOON),
        (NEW_YORK, "I'm free except at 3", (14, 50), "2026-11-24T16:00"),
        (NEW_YORK, "I'm free except tomorrow", (9, 0), SOON),
        (JAKARTA, "aku free kecuali jam 12", (11, 50), "2026-11-24T13:00"),
        (SAO_PAULO, "tô livre menos às 15h", (14, 50), "2026-11-24T16:00"),
    ],
)
def test_the_lead_free_but_at_some_hours_is_never_called_then(
    zone: ZoneInfo, text: str, said_at: tuple[int, int], wanted: str
) -> None:
    # Given a lead writing on Tuesday at `said_at`
    # When they say they are free but at some hours or on a day
    # Then the call back is soon, or as what is excepted ends (it was the hour excepted,
    # or the day excepted)
    assert detected(zone, text, at(*said_at)) == (Intent.CALL_BACK_AT, wanted)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I'm not busy, call me"),
        (NEW_YORK, "call me, I'm not busy"),
        (NEW_YORK, "I'm free, call me"),
        (NEW_YORK, "I'm home now, call me"),
        (NEW_YORK, "sorry I missed your call, call me"),
        (JAKARTA, "aku gak sibuk, telpon skrg aja"),
        (JAKARTA, "telpon aja kak, aku ga sibuk"),
        (JAKARTA, "aku lagi free, telpon aja"),
        (SAO_PAULO, "to livre, pode ligar"),
        (SAO_PAULO, "pode me ligar, to livre"),
        (SAO_PAULO, "não estou ocupado, pode ligar"),
        (MEXICO_CITY, "ya estoy libre, llámame"),
        (MEXICO_CITY, "márcame, no estoy ocupado"),
    ],
)
def test_a_call_asked_for_by_a_lead_who_says_they_are_free_is_now(
    zone: ZoneInfo, text: str
) -> None:
    # When the lead asks for a call and says they are free (it was read as nothing)
    # Then the call back is a quarter of an hour from now
    assert detected(zone, text) == (Intent.CALL_BACK_AT, SOON)


@pytest.mark.parametrize(
    ("zone", "text", "read"),
    [
        (NEW_YORK, "I'm busy, call me", (Intent.BUSY, None)),
        (NEW_YORK, "I'm not free, call me tomorrow", (Intent.CALL_BACK_AT, "2026-11-25T09:00")),
        (NEW_YORK, "I'm home, call me at 5", (Intent.CALL_BACK_AT, "2026-11-24T17:00")),
        (NEW_YORK, "don't call me, I'm not free", (Intent.OTHER, None)),
    ],
)
def test_a_call_asked_for_with_more_than_being_free_is_read_as_before(
    zone: ZoneInfo, text: str, read: tuple[Intent, str | None]
) -> None:
    assert detected(zone, text) == read
