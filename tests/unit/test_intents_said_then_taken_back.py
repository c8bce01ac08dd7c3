"""A reply that says a thing and then takes it back is read for what it ends up saying.

A payment said to be made and then to have failed is not done: ending the reminders of a
lead who still has to pay, and suggesting "paid" to staff, loses the sale. A refusal the
lead denies ("who said I'm not interested?") or limits to one option while taking another
("gak minat yang online, maunya offline") drops a keen lead if read as a refusal. A busy
that is over ("I'm no longer busy") asks for no nudge later. A short "wrong number" is
someone else's, and so is a longer one that plainly says so ("I think you have the wrong
number, I don't know any Budi"); a lead who speaks of a wrong number, or asks, is still
the lead.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from followup.domain.intents import classify

JAKARTA = ZoneInfo("Asia/Jakarta")
TUESDAY_9AM = datetime(2026, 11, 24, 9, 0, tzinfo=JAKARTA)


def intent_of(text: str) -> Intent:
    return classify(text, TUESDAY_9AM, JAKARTA).intent


@pytest.mark.parametrize(
    "text",
    [
        "I paid but the payment failed",
        "I paid but it didn't go through",
        "udah bayar tapi gagal",
        "sudah transfer tapi ditolak",
        "já paguei mas deu erro",
        "paguei mas o pix não caiu",
    ],
)
def test_a_payment_said_to_have_failed_is_not_done(text: str) -> None:
    assert intent_of(text) is not Intent.DONE


@pytest.mark.parametrize(
    "text",
    [
        "already paid, no error",
        "sudah bayar tanpa error",
        "udah bayar, gak ada error kok",
        "já paguei, sem erro",
        "I registered yesterday, the first try failed but now it's done",
        "udah transfer, sempat gagal tapi udah berhasil",
    ],
)
def test_a_payment_with_no_failure_or_one_mended_is_done(text: str) -> None:
    assert intent_of(text) is Intent.DONE


@pytest.mark.parametrize(
    "text",
    [
        "who said I'm not interested?",
        "siapa bilang gak minat?",
        "eu não disse que não tenho interesse",
        "not interested in the weekend class, weekday is fine",
        "gak minat yang online, maunya offline",
        "não tenho interesse no curso online, só presencial",
    ],
)
def test_a_refusal_denied_or_traded_for_another_option_is_no_refusal(text: str) -> None:
    assert intent_of(text) is not Intent.NOT_INTERESTED


@pytest.mark.parametrize(
    "text",
    [
        "not interested in the course",
        "I'm not interested in this",
        "not interested in the course, so no",
        "gak minat yang online",
        "não tenho interesse no curso",
    ],
)
def test_a_refusal_limited_to_an_option_with_none_taken_is_still_a_refusal(text: str) -> None:
    assert intent_of(text) is Intent.NOT_INTERESTED


@pytest.mark.parametrize(
    "text",
    [
        "I'm no longer busy",
        "no longer busy, you can call now",
        "não estou mais ocupado, pode ligar",
    ],
)
def test_a_busy_that_is_over_is_not_busy(text: str) -> None:
    assert intent_of(text) is not Intent.BUSY


@pytest.mark.parametrize("text", ["I'm busy", "lagi sibuk kak", "estou ocupado agora"])
def test_a_busy_lead_is_still_busy(text: str) -> None:
    assert intent_of(text) is Intent.BUSY


@pytest.mark.parametrize(
    "text",
    [
        "sorry, wrong number",
        "maaf kak, salah sambung",
        "salah nomor",
        "número errado",
        "é engano",
        "you have the wrong person",
        "sorry, wrong number. who is this?",
    ],
)
def test_a_message_that_reached_someone_else_says_so(text: str) -> None:
    assert intent_of(text) is Intent.WRONG_NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "Sorry I think you have the wrong number, I don't know any Budi and never signed up "
        "for a course",
        "Sorry, wrong number. I don't know any Budi and I never signed up for anything",
        "wrong number. who is Budi? I never signed up for any course",
        "maaf, salah sambung. saya bukan Budi dan tidak pernah daftar kursus apapun",
        "Maaf kak ini salah sambung ya, saya tidak kenal Budi dan gak pernah daftar",
        "Desculpa, número errado. Não conheço nenhum Budi e nunca me inscrevi em curso",
        "acho que vc mandou mensagem pro número errado, não conheço nenhum Budi",
    ],
)
def test_a_longer_message_that_plainly_says_it_reached_someone_else_says_so(
    text: str,
) -> None:
    assert intent_of(text) is Intent.WRONG_NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "is this the wrong number?",
        "not the wrong number, I'm Rudi",
        "maaf salah kirim kak",
        "I think I wrote the wrong number on the form, please use my other one",
        "is this the wrong number to call for admissions?",
        "is this the wrong number to call for admissions",
        "I gave the wrong number on the form, my new one is 0812...",
        "wrong number on the form, my new one is 081234567890",
        "saya salah nomor waktu isi formulir, nomor baru saya 081234567890 ya kak",
        "salah nomor, nomor baru saya 081234567890",
        "coloquei o número errado no formulário, meu número novo é 11 91234-5678",
        "I don't think you have the wrong number, I just forgot I signed up for the course",
        "you have the wrong number on file for me, please call my office line instead",
    ],
)
def test_a_lead_speaking_of_a_wrong_number_is_no_stranger(text: str) -> None:
    assert intent_of(text) is not Intent.WRONG_NUMBER
