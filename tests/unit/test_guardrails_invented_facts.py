"""An AI text carries no price, discount, link or phone number other than those given, and
keeps the ones given even when it writes them another way."""

from __future__ import annotations

import pytest

from followup.domain.guardrails import Guardrail, Target, check


def _failed(text: str, source: str) -> Guardrail | None:
    refusal = check(text, target=Target.TEXT, source=source)
    return refusal.guardrail if refusal else None


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        # 1.5 million given, 15 million written
        ("The registration fee is Rp 1,5 juta.", "The fee is Rp 15 juta.", Guardrail.PRICE),
        ("The registration fee is Rp 1,5 juta.", "The fee is Rp1.500.000.", None),
        ("The registration fee is Rp 1,5 juta.", "Biaya pendaftarannya 1,5 jt saja.", None),
        # 1,500 dollars given, 15 dollars written
        ("The registration fee is $1,500.", "The fee is only $15.00!", Guardrail.PRICE),
        ("The registration fee is $1,500.", "The fee is $1,500.00.", None),
        ("The registration fee is $1,500.", "The fee is 1500 dollars.", None),
        # 350 thousand given, 350 rupiah written
        ("The registration fee is 350 ribu.", "The fee is Rp 350.", Guardrail.PRICE),
        ("The registration fee is 350 ribu.", "The fee is Rp 350.000.", None),
        ("The registration fee is 350 ribu.", "Only 350k to register this week.", None),
        # a year given, written as a price
        ("Remind them the 2025 intake closes on Friday.", "Only Rp 2025 today.", Guardrail.PRICE),
        # ten thousand reais given, ten million written
        ("A matrícula custa R$ 10 mil.", "A matrícula custa R$ 10 milhões.", Guardrail.PRICE),
        ("A matrícula custa R$ 10 mil.", "A matrícula custa R$ 10.000,00.", None),
        ("A mensalidade é R$ 1.299,90.", "A mensalidade é de R$ 1299,90.", None),
        # a deal's amount, given as a bare number
        ("amount 1500000", "The registration fee is Rp 1.500.000.", None),
        # pesos, dollars, billions and the currencies of other markets, given or not
        ("Ask whether they still want the MBA.", "Son solo 500 pesos al mes.", Guardrail.PRICE),
        ("Ask whether they still apply.", "La matrícula: 2 millones de pesos.", Guardrail.PRICE),
        ("Ask whether they still apply.", "Cuesta solo 900 dólares.", Guardrail.PRICE),
        ("Ask whether they still apply.", "Biayanya cuma 3 miliar.", Guardrail.PRICE),
        ("Ask whether they still apply.", "Only ₹500 to register.", Guardrail.PRICE),
        ("Ask whether they still apply.", "Tuition is 1.500 MXN.", Guardrail.PRICE),
        ("La colegiatura es de 2 millones de pesos.", "Son 2.000.000 de pesos.", None),
        ("La colegiatura es de 2 millones de pesos.", "Son 20 millones de pesos.", Guardrail.PRICE),
    ],
)
def test_a_price_is_kept_only_when_its_value_was_given(
    source: str, text: str, expected: Guardrail | None
) -> None:
    assert _failed(text, source) is expected


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        # 10 % given, 30 % written: 30 is only the day of the month
        (
            "Early registrants get a 10% discount until 30 June.",
            "Register now and get a 30% discount!",
            Guardrail.DISCOUNT,
        ),
        (
            "Early registrants get a 10% discount until 30 June.",
            "Register by 30 June and get a 10% discount!",
            None,
        ),
        # 10 % given, 90 % written: 90 is a number of students
        (
            "Offer the 10% early-bird discount. Classes hold 90 students.",
            "Good news: you get a 90% discount if you register today.",
            Guardrail.DISCOUNT,
        ),
        ("Registrants save 10 persen this week.", "Daftar minggu ini, hemat 10%!", None),
        ("Registrants save 2,5% this week.", "Register this week and save 2.5 percent.", None),
    ],
)
def test_a_discount_is_kept_only_when_its_percentage_was_given(
    source: str, text: str, expected: Guardrail | None
) -> None:
    assert _failed(text, source) is expected


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        # another domain, a prefix of the one given
        ("Register at https://school.com/pay-now", "Register at school.co today", Guardrail.URL),
        # another page of it
        ("Register at https://school.com/pay-now", "Pay at https://school.com/p", Guardrail.URL),
        (
            "Register at https://school.com/pay-now",
            "Pay at https://school.com/pay-now-later",
            Guardrail.URL,
        ),
        (
            "Register at https://school.com/pay-now",
            "Pay at https://school.com.evil.io/pay-now",
            Guardrail.URL,
        ),
        ("Register at https://school.com/pay-now", "Pay at https://school.com/pay-now/ ok", None),
        ("Register at https://school.com/pay-now", "Pay at school.com/pay-now.", None),
        ("Register at https://school.com/pay-now", "Pay at www.school.com/pay-now!", None),
        ("Register at https://school.com/pay-now", "Pay (http://School.com/pay-now)", None),
        ("Register at https://school.com/pay-now/", "Pay at https://school.com/pay-now ok", None),
    ],
)
def test_a_link_is_kept_only_when_its_host_and_path_were_given(
    source: str, text: str, expected: Guardrail | None
) -> None:
    assert _failed(text, source) is expected


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("Ask whether they still apply.", "Call us on 0812.3456.7890", Guardrail.PHONE),
        ("Ask whether they still apply.", "Call us on +62.812.345.678", Guardrail.PHONE),
        ("Their counsellor is on 0812.3456.7890.", "Call us on 0812 3456 7890", None),
        ("Their counsellor is on 0812 3456 7890.", "Call us on 0812.3456.7890", None),
        ("The fee is Rp 1.500.000.000.", "The fee is 1.500.000.000 rupiah", None),
        ("Ask whether they still apply.", "The class starts 15.12.2026, see you!", None),
    ],
)
def test_a_phone_number_written_with_dots_is_kept_only_when_given(
    source: str, text: str, expected: Guardrail | None
) -> None:
    assert _failed(text, source) is expected
