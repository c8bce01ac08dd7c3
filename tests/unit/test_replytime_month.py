"""A part of the month asked for is a day: the end of the month ("akhir bulan", "end of the
month", "fim do mês", "fin de mes") its last day, its middle ("mid-month", "pertengahan
bulan") the 15th, and next month or its start ("bulan depan", "early next month",
"início do mês que vem", "el mes que viene") the 1st of next month; at 09:00 or the hour
said. A part of this month whose day's hour is past is next month's; a part of a month
named ("mid december", "awal januari"; a month asked for alone, "call me in january",
"em janeiro", its start) is this year's while to come, next year's for a month gone by,
and none once this month's is past. Payday asked for ("pas gajian", "on payday") is the
month's end, after it ("abis gajian") the 1st of next month; payday come or waited for
("udah gajian", "gajian dulu") names no day. Getting paid is payday too ("when I get
paid", "quando eu receber o salário", "cuando cobre"), and "when" opening it asks
nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected

END_OF_NOVEMBER = "2026-11-30T09:00"
FIRST_OF_DECEMBER = "2026-12-01T09:00"
MID_DECEMBER = "2026-12-15T09:00"
FIRST_OF_JANUARY = "2027-01-01T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "nanti akhir bulan aja kak, pas gajian", END_OF_NOVEMBER),
        (NEW_YORK, "call me at the end of the month", END_OF_NOVEMBER),
        (SAO_PAULO, "me chama no fim do mês", END_OF_NOVEMBER),
        (SAO_PAULO, "final do mês às 14h", "2026-11-30T14:00"),
        (NEW_YORK, "a fin de mes", END_OF_NOVEMBER),
        (JAKARTA, "bulan depan aja", FIRST_OF_DECEMBER),
        (JAKARTA, "awal bulan depan ya kak", FIRST_OF_DECEMBER),
        (NEW_YORK, "early next month", FIRST_OF_DECEMBER),
        (NEW_YORK, "try me next month", FIRST_OF_DECEMBER),
        (SAO_PAULO, "início do mês que vem", FIRST_OF_DECEMBER),
        (SAO_PAULO, "mês que vem", FIRST_OF_DECEMBER),
        (NEW_YORK, "el mes que viene", FIRST_OF_DECEMBER),
    ],
)
def test_a_part_of_the_month_asked_for_is_its_day(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they ask for the end of the month, or next month
    # Then the call back is the month's last day, or the 1st of next month
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me mid-month", MID_DECEMBER),
        (JAKARTA, "pertengahan bulan aja", MID_DECEMBER),
        (NEW_YORK, "mid next month pls", MID_DECEMBER),
        (SAO_PAULO, "meados do mês que vem", MID_DECEMBER),
        (NEW_YORK, "mid december", MID_DECEMBER),
        (JAKARTA, "minggu pertama desember", FIRST_OF_DECEMBER),
        (NEW_YORK, "first week of december", FIRST_OF_DECEMBER),
        (JAKARTA, "awal januari aja kak", FIRST_OF_JANUARY),
        (SAO_PAULO, "início de janeiro", FIRST_OF_JANUARY),
        (NEW_YORK, "end of november", END_OF_NOVEMBER),
        (NEW_YORK, "end of may", "2027-05-31T09:00"),
        (NEW_YORK, "call me in january", FIRST_OF_JANUARY),
        (SAO_PAULO, "em janeiro", FIRST_OF_JANUARY),
        (JAKARTA, "bulan januari aja", FIRST_OF_JANUARY),
        (NEW_YORK, "in december is better", FIRST_OF_DECEMBER),
    ],
)
def test_a_part_of_a_month_or_of_one_named_is_its_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they ask for the middle of the month, or a part of a month they name (or a
    # month alone: its start)
    # Then the call back is that day of it: the middle of November is past, May's next year
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "nanti pas gajian aja kak", END_OF_NOVEMBER),
        (JAKARTA, "kalo udah gajian kak", END_OF_NOVEMBER),
        (NEW_YORK, "on payday at 3pm", "2026-11-30T15:00"),
        (SAO_PAULO, "me liga no dia do pagamento", END_OF_NOVEMBER),
        (JAKARTA, "abis gajian ya kak", FIRST_OF_DECEMBER),
        (NEW_YORK, "call me after payday", FIRST_OF_DECEMBER),
        (SAO_PAULO, "depois que eu receber o salário", FIRST_OF_DECEMBER),
    ],
)
def test_payday_asked_for_is_the_months_end_and_after_it_next_months_first(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they ask for payday, or after it
    # Then the call back is the month's last day, or the 1st of next month
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    "text", ["udah gajian nih kak, mau daftar", "belum bayar kak, gajian dulu", "gajian kapan?"]
)
def test_payday_come_waited_for_or_asked_about_is_no_day(text: str) -> None:
    assert detected(JAKARTA, text)[1] is None


def test_the_middle_of_the_month_before_it_is_this_months() -> None:
    # Given a lead writing at 09:00 on 10 November
    # When they ask for the middle of the month
    # Then the call back is on 15 November
    now = datetime(2026, 11, 10, 9, 0)
    assert detected(JAKARTA, "tengah bulan aja", now) == (Intent.CALL_BACK_AT, "2026-11-15T09:00")


def test_a_part_of_this_month_named_once_past_is_no_day() -> None:
    # Given a lead writing on 24 November
    # When they ask for early November
    # Then no call back is booked (not a year later)
    assert detected(NEW_YORK, "early november")[1] is None


def test_the_end_of_a_month_already_at_its_end_is_next_months() -> None:
    # Given a lead writing at 10:00 on the last day of November
    # When they ask for the end of the month
    # Then the call back is the last day of December
    now = datetime(2026, 11, 30, 10, 0)
    assert detected(JAKARTA, "akhir bulan aja", now) == (Intent.CALL_BACK_AT, "2026-12-31T09:00")


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "bulan lalu saya sudah bayar"),
        (NEW_YORK, "last month I was sick"),
        (SAO_PAULO, "mês passado eu paguei"),
        (NEW_YORK, "the course starts next month?"),
        (JAKARTA, "kelasnya mulai pertengahan desember"),
        (NEW_YORK, "I was born in january"),
        (NEW_YORK, "my exam is in january"),
        (NEW_YORK, "in november"),
    ],
)
def test_a_month_gone_by_or_when_something_starts_names_no_day(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "quando eu receber o salário", END_OF_NOVEMBER),
        (SAO_PAULO, "quando cair o salário eu pago", END_OF_NOVEMBER),
        (NEW_YORK, "when I get paid", END_OF_NOVEMBER),
        (NEW_YORK, "I will pay after I get paid", FIRST_OF_DECEMBER),
        (MEXICO_CITY, "cuando cobre", END_OF_NOVEMBER),
        (MEXICO_CITY, "llámame cuando me paguen", END_OF_NOVEMBER),
        (MEXICO_CITY, "después de que cobre", FIRST_OF_DECEMBER),
    ],
)
def test_getting_paid_opening_with_when_is_payday_not_a_question(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they say "when I get paid" (or after it), in a message that may open with "when"
    # Then the call back is the month's last day or next month's 1st (it was a question, or
    # nothing)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "quando começa a aula"),
        (NEW_YORK, "when does the class start"),
        (MEXICO_CITY, "cuando empieza el curso"),
    ],
)
def test_when_asking_of_something_else_is_still_a_question(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text) == (Intent.QUESTION, None)


@pytest.mark.parametrize(
    ("zone", "text"),
    [(JAKARTA, "januari aja kak"), (NEW_YORK, "january works"), (SAO_PAULO, "janeiro pode ser")],
)
def test_a_month_opening_the_message_and_asked_for_is_its_first(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they open with a month and ask for it ("januari aja")
    # Then the call back is its 1st (it was none)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, FIRST_OF_JANUARY)


@pytest.mark.parametrize(
    ("zone", "text"), [(JAKARTA, "januari saya ujian"), (NEW_YORK, "january was tough")]
)
def test_a_month_opening_a_message_that_asks_nothing_is_no_day(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "recebo dia 5, pago dia 6", "2026-12-06T09:00"),
        (NEW_YORK, "I get paid on the 15th, will pay on the 16th", "2026-12-16T09:00"),
        (JAKARTA, "gajian tanggal 25, bayar tanggal 26 ya kak", "2026-11-26T09:00"),
        (NEW_YORK, "I get paid on the 15th", "2026-12-15T09:00"),
        (NEW_YORK, "call me on the 3rd or the 4th", "2026-12-03T09:00"),
    ],
)
def test_the_day_paid_then_the_day_to_pay_is_the_day_to_pay(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name the day they are paid, then the day they will pay
    # Then the call back is the day they will pay (it was their payday); a payday alone,
    # or two days offered, stays the first
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me after the 10th", "2026-12-11T09:00"),
        (NEW_YORK, "after the 30th", "2026-12-01T09:00"),
        (NEW_YORK, "after december 3rd", "2026-12-04T09:00"),
        (JAKARTA, "setelah tanggal 20 aja", "2026-12-21T09:00"),
        (SAO_PAULO, "depois do dia 10", "2026-12-11T09:00"),
        (MEXICO_CITY, "después del 10 te pago", "2026-12-11T09:00"),
        (NEW_YORK, "not before the 10th", "2026-12-10T09:00"),
        (SAO_PAULO, "a partir do dia 10", "2026-12-10T09:00"),
    ],
)
def test_after_a_date_is_the_day_after_it(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be called after a date
    # Then the call back is the day after it (it was that date); "not before" and "from"
    # a date keep the date
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("now", "text", "local"),
    [
        (datetime(2026, 12, 31, 22, 0), "call me at 10", "2027-01-01T10:00"),
        (datetime(2026, 12, 31, 22, 0), "telpon saya jam 10 ya", "2027-01-01T10:00"),
        (datetime(2026, 12, 31, 22, 0), "me liga às 21h", "2027-01-01T21:00"),
        (datetime(2026, 11, 30, 22, 0), "call me at 10", "2026-12-01T10:00"),
        (datetime(2026, 12, 31, 8, 0), "call me at 10", "2026-12-31T10:00"),
    ],
)
def test_an_hour_past_on_the_last_day_of_a_month_or_year_is_the_next_mornings(
    now: datetime, text: str, local: str
) -> None:
    assert detected(JAKARTA, text, now) == (Intent.CALL_BACK_AT, local)
