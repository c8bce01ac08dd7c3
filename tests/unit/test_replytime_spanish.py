"""Spanish replies read as the other languages' are: a date with its month named ("el 5
de diciembre") or a day of the month after a word that asks for one ("llámame el 15",
"hasta el 15", "después del 10"), a half or a quarter hour ("a las 10 y media", "a las 5
menos cuarto"), a day refused with its article ("el sábado no puedo"), a day excepted
("cualquier día menos el lunes"), an hour said roughly ("como a las 3", "a eso de las
4"), noon ("a mediodía"), after lunch ("después de comer") and a part of the day in the
plural ("por las noches", "solo en las tardes"). Each was read as today's hour, a
question or nothing, or booked the day refused."""

from __future__ import annotations

import pytest

from followup.domain.intent import Intent
from tests.support.replies import NEW_YORK, detected


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("el 5 de diciembre a las 10", "2026-12-05T10:00"),
        ("el 10 de marzo", "2027-03-10T09:00"),
        ("a las 10 y media", "2026-11-24T10:30"),
        ("a las 4 y cuarto", "2026-11-24T16:15"),
        ("a las 5 menos cuarto", "2026-11-24T16:45"),
        ("no puedo el sábado, el lunes sí", "2026-11-30T09:00"),
        ("cualquier día menos el lunes", "2026-11-24T09:15"),
        ("como a las 3", "2026-11-24T15:00"),
        ("como a las 7 de la noche", "2026-11-24T19:00"),
        ("como a las 3 de la tarde", "2026-11-24T15:00"),
        ("mañana como a las 3", "2026-11-25T15:00"),
        ("a eso de las 4", "2026-11-24T16:00"),
        ("después de comer", "2026-11-24T13:00"),
        ("a mediodía", "2026-11-24T12:00"),
        ("llámame el 15", "2026-12-15T09:00"),
        ("a la 1", "2026-11-24T13:00"),
        ("mañana a la 1", "2026-11-25T13:00"),
        ("como a la 1", "2026-11-24T13:00"),
        ("estoy de vacaciones hasta el 15", "2026-12-15T09:00"),
        ("después del 10 te pago", "2026-12-11T09:00"),
    ],
)
def test_a_spanish_reply_books_the_time_it_asks_for(text: str, local: str) -> None:
    # Given a lead writing in Spanish at 09:00 on Tuesday
    # When they name a date, a half or quarter hour, an hour roughly ("como a las 3"),
    # noon or after lunch, or a day besides one refused
    # Then the call back is then
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, local)


def test_a_spanish_day_refused_with_its_article_is_not_booked() -> None:
    # When a lead says they cannot on Saturday, with its article
    # Then no call back is booked (it was Saturday at 09:00)
    assert detected(NEW_YORK, "el sábado no puedo")[1] is None


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("por las noches", "2026-11-24T19:00"),
        ("llámame por las tardes", "2026-11-24T15:00"),
        ("solo en las tardes", "2026-11-24T15:00"),
    ],
)
def test_a_spanish_part_of_the_day_in_the_plural_is_asked_for(text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for the afternoons or the evenings, perhaps "only"
    # Then the call back is that part of today (it was none)
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, local)


def test_a_spanish_part_of_the_day_the_lead_works_in_is_not_the_one_asked_for() -> None:
    assert detected(NEW_YORK, "trabajo por las tardes, llámame en la mañana") == (
        Intent.CALL_BACK_AT,
        "2026-11-25T09:00",
    )


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("estoy ocupado hasta las 5", "2026-11-24T17:00"),
        ("estoy en una reunión hasta las 11", "2026-11-24T11:00"),
        ("salgo del trabajo a las 6", "2026-11-24T18:00"),
        ("la semana que entra", "2026-11-30T09:00"),
        ("en un par de horas", "2026-11-24T11:00"),
        ("en un par de días", "2026-11-26T09:00"),
        ("después de la comida", "2026-11-24T13:00"),
    ],
)
def test_spanish_ways_of_saying_when_the_lead_is_free_are_read(text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say in Spanish until when they are kept, when they leave work, next week,
    # a couple of hours or days, or after lunch
    # Then the call back is then (each was busy with no time, or nothing)
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize("text", ["me interesa el 2", "el 2 es mejor"])
def test_a_spanish_number_after_el_alone_is_no_day(text: str) -> None:
    # When a lead names a number after "el" with no word asking for a day ("el 2" may be a
    # plan)
    # Then no call back is booked
    assert detected(NEW_YORK, text)[1] is None


def test_spanish_not_busy_until_an_hour_books_nothing() -> None:
    assert detected(NEW_YORK, "no estoy ocupado hasta las 5")[1] is None
