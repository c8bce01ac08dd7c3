"""Opt-out: a keyword alone or a clear request to stop opts out, also closing a longer
reply, and a request naming what to stop also opening one; other sentences do not."""

from __future__ import annotations

import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from followup.domain.optout import BUILT_IN_KEYWORDS, is_opt_out

# The rule, labelled: (message, opts out?). English, Indonesian, Portuguese and Spanish.
LABELLED = [
    # a built-in keyword alone, however decorated
    ("STOP", True),
    (" Stop! ", True),
    ("Stop 🙏", True),
    ("(stop)", True),
    ("...STOP!!!", True),
    ("ＳＴＯＰ", True),
    ("BERHENTI.", True),
    ("parar.", True),
    ("Párar", True),
    ("Unsubscribe", True),
    ("cancel", True),
    ("Stop promotions", True),
    # short requests leads write, beside their longer twins
    ("Stop promos", True),
    ("stop the promos", True),
    ("stop msg", True),
    ("stop marketing messages", True),
    ("stop send message", True),
    ("no more promos", True),
    ("unsubscribe all", True),
    ("cancel my subscription", True),
    ("berhenti langganan", True),
    ("No más mensajes", True),
    ("Cancelar suscripción", True),
    ("quiero desuscribirme", True),
    ("stop send me the price list", False),
    ("cancel my subscription to the magazine?", False),
    ("no más preguntas, ¿cuánto cuesta?", False),
    # the marketing opt-out button as a template in another language labels it
    ("Hentikan promosi", True),
    ("Berhenti promosi", True),
    ("Stop promosi", True),
    ("Parar promoções", True),
    ("Detener promociones", True),
    ("Dejar de recibir promociones", True),
    ("🛑", True),
    ("🛑 stop 🛑", True),
    # a clear request, with politeness around it (English)
    ("please stop", True),
    ("Stop, thanks", True),
    ("stop sending me messages", True),
    ("Please stop messaging me", True),
    ("unsubscribe please", True),
    ("Don't message me again", True),
    ("do not contact me anymore", True),
    ("remove me from your list", True),
    ("I want to unsubscribe", True),
    ("no more messages please", True),
    ("opt out", True),
    ("Opt-out", True),
    ("Thanks, but stop", True),
    ("Stop,please", True),
    ("STOP.Thanks", True),
    ("STOP STOP", True),
    ("stop stop stop", True),
    ("🛑 please", True),
    ("please 🛑", True),
    ("stop sending me promos please", True),
    ("stop sending me promotions", True),
    ("stop sending messages to me", True),
    ("don't send me any more messages", True),
    ("do not send me any messages", True),
    ("never send us messages again", True),
    ("please opt me out", True),
    ("stop messaging this number", True),
    ("I do not want to receive any more messages from you", True),
    ("I don't want to receive messages anymore", True),
    ("i dont want any more messages", True),
    ("I don't want to receive these messages", True),
    ("I do not want your texts", True),
    ("Please remove my number", True),
    ("remove my number from your list", True),
    ("stop all", True),
    # Indonesian
    ("tolong berhenti", True),
    ("berhenti kirim pesan", True),
    ("Stop kirim pesan lagi ya kak", True),
    ("jangan kirim pesan lagi", True),
    ("jangan hubungi saya lagi", True),
    ("gak usah chat lagi", True),
    ("gausah wa saya lagi ya", True),
    ("berhenti berlangganan", True),
    ("saya tidak mau dihubungi lagi", True),
    # Portuguese
    ("parar de enviar", True),
    ("Pare de me mandar mensagens", True),
    ("para de mandar mensagem", True),
    ("não quero mais receber mensagens", True),
    ("Não me mande mais mensagens", True),
    ("Obrigado, mas não quero mais receber mensagens", True),
    ("por favor, pare", True),
    ("sair da lista", True),
    ("descadastrar", True),
    ("me tira dessa lista", True),
    ("quero sair da lista", True),
    ("quero me descadastrar", True),
    ("Gostaria de me descadastrar, obrigada", True),
    ("queria sair da lista", True),
    ("me exclui da lista por favor", True),
    ("me retire dessa lista", True),
    ("quero me descadastrar do curso", False),
    ("me exclui do grupo da turma?", False),
    ("gostaria de cancelar, qual o prazo de reembolso?", False),
    # Spanish
    ("BAJA", True),
    ("Baja 🙏", True),
    ("no me escribas más", True),
    ("No me escriban más, por favor", True),
    ("dejen de enviarme mensajes", True),
    ("deja de mandarme mensajes", True),
    ("no quiero recibir más mensajes", True),
    ("quiero darme de baja", True),
    ("dame de baja de la lista", True),
    ("elimínenme de la lista", True),
    ("sáquenme de su lista", True),
    ("ya no me manden mensajes", True),
    ("no me contacten más", True),
    ("baja", True),
    ("Baja.", True),
    ("baja por favor", True),
    ("dame de baja", True),
    ("me doy de baja", True),
    ("denme de baja", True),
    ("baja de la lista", True),
    ("Gracias, pero no me interesa. Dejen de escribirme", True),
    # a request to stop closing a longer reply, whatever came before it
    ("already paid, stop messaging me", True),
    ("not interested, stop", True),
    ("stop it", True),
    ("I paid. Stop messaging me. Thanks!", True),
    ("already paid\nSTOP", True),
    ("no thanks; unsubscribe", True),
    ("udah bayar, jangan chat lagi", True),
    ("udah transfer ya kak, berhenti kirim pesan", True),
    ("gak minat dan jangan hubungi saya lagi", True),
    ("já paguei, parem de mandar mensagem", True),
    ("não tenho interesse e não me mande mais mensagens", True),
    # a request to stop that names what to stop, opening a longer reply
    ("Stop messaging me, I already paid", True),
    ("stop sending me messages, I'm not interested", True),
    ("please stop texting me. I found another school", True),
    ("Hi, please stop texting me. I found another school", True),
    ("stop messaging me and don't call me either", True),
    ("Unsubscribe me from your list, I found another school", True),
    ("jangan chat lagi ya, udah bayar", True),
    ("berhenti kirim pesan, saya sudah daftar di tempat lain", True),
    ("parem de mandar mensagem, já paguei", True),
    ("não me mande mais mensagens. Já me matriculei", True),
    # a question asking how to stop the messages asks it in effect
    ("how do I stop these messages?", True),
    ("already paid, how can I stop receiving these messages?", True),
    ("gimana cara berhenti berlangganan?", True),
    ("como faço para parar de receber mensagens?", True),
    ("ya pagué, dejen de escribirme", True),
    ("no me interesa y no me escriban más", True),
    ("no me interesa y denme de baja", True),
    ("not interested and unsubscribe me", True),
    # normal replies: a keyword inside a sentence that is not a request to stop
    ("I don't want to receive messages about the morning class, only the evening one", False),
    ("remove my number 0811 and use this one", False),
    ("I don't want the course", False),
    ("gak usah kirim brosur lagi", False),
    ("gak usah chat", False),
    ("ga usah hubungi lagi", False),  # no need to call: not interested, no opt-out
    ("please don't stop", False),
    ("don't stop", False),
    ("stop by tomorrow?", False),
    ("Please stop by the office", False),
    ("Stop, I have a question", False),
    ("Stop.I have a question", False),
    ("stop stop by tomorrow?", False),
    ("don't 🛑", False),
    ("stop sending me promos, send me the price list", False),
    ("No more questions, thanks", False),
    ("Can I stop by the campus tomorrow?", False),
    ("can't stop thinking about the course", False),
    ("stopwatch", False),
    ("can I cancel my booking?", False),
    ("cancel my booking", False),
    ("I want to stop working first, then study", False),
    ("jangan berhenti", False),
    ("ada promosi bulan ini?", False),
    ("deja de recibir", False),
    ("detener el pago", False),
    ("Berhenti kerja dulu baru kuliah", False),
    ("kapan pendaftaran berhenti?", False),
    ("não quero perder a vaga", False),
    ("para mim está ótimo", False),
    ("vou parar no campus amanhã", False),
    ("cancelar minha matrícula?", False),
    ("¿cómo me doy de baja?", False),
    ("el precio baja en diciembre?", False),
    ("el precio sube y baja", False),
    ("la fiebre ya baja", False),
    ("sube y baja el dólar", False),
    ("quiero darme de baja del curso de inglés", False),
    ("no dejen de escribirme", False),
    ("no quiero perder mi lugar", False),
    ("para mí está bien", False),
    # a clause that is no request to stop, or one the reply goes on after
    ("ok, stop by tomorrow?", False),
    ("no, please don't stop", False),
    ("thanks, not now", False),
    ("Stop, I have a question, thanks", False),
    ("Stop and think about it", False),
    ("the classes start and stop", False),
    ("vou pagar e sair", False),
    ("I want to change my class, not cancel", False),
    ("please don't stop and don't cancel", False),
    ("busy now, don't text me now", False),
    ("udah bayar, jangan berhenti kirim info ya", False),
    ("já paguei, não parem de mandar", False),
    # a lone keyword or verb opening a reply that goes on, or a request the reply takes
    # back by asking for something to be sent
    ("STOP. what is the price?", False),
    ("Stop it, I have a question", False),
    ("cancel, I want the evening class instead", False),
    ("jangan kirim, saya ambil sendiri ke kantor", False),
    ("não me manda, eu passo aí amanhã", False),
    ("jangan kirim promo lagi, kirim jadwalnya aja", False),
    ("parem de mandar promoções, me manda só o horário", False),
    ("stop, I never asked for the evening class", False),
    ("cancel, I never registered for the evening class", False),
    ("cancel, I never got the invoice", False),
    # ... unless what follows is a complaint about being messaged at all
    ("STOP!!! I never signed up", True),
    ("Stop. Who gave you my number?", True),
    ("STOP, this is spam", True),
    ("unsubscribe. I didn't sign up for this", True),
    ("STOP!!! I never signed up, who gave you my number?", True),
    ("Stop, wrong number", True),
    ("BERHENTI, saya tidak pernah daftar", True),
    ("stop, dapat nomor saya dari mana?", True),
    ("jangan kirim, salah nomor", True),
    ("PARE. Nunca me cadastrei", True),
    ("Para, isso é spam", True),
    ("BAJA. ¿Quién te dio mi número?", True),
    # negated, conditional or not a request, opening a reply
    ("don't stop sending me updates", False),
    ("don't stop sending me updates, I'm interested", False),
    ("if you stop messaging me I'll never know", False),
    ("if you stop messaging me, I'll never know about the class", False),
    ("stop by tomorrow? I'm at the campus", False),
    ("can't stop thinking about the course, when does it start?", False),
    # a question about stopping something else, or with a lone verb, asks
    ("how do I stop the payment?", False),
    ("how do I cancel my booking?", False),
    ("how do I unsubscribe?", False),
    # "not now": busy, not an opt-out; a plain stop said now still is one
    ("Don't text me now", False),
    ("please don't message me right now, I'm driving", False),
    ("jangan telpon sekarang ya", False),
    ("jangan kirim pesan sekarang", False),
    ("Não me mande mensagem agora", False),
    ("no me escribas ahora, estoy manejando", False),
    ("jangan telpon saya", False),
    ("stop now", True),
    ("STOP now please", True),
    ("berhenti sekarang", True),
    ("pare agora", True),
    # chat's short spellings, and a request asked as a question
    ("jgn chat lagi", True),
    ("jgn chat sy lg", True),
    ("tolong jgn kirim pesan lg", True),
    ("udah jgn chat lagi ya", True),
    ("jangan ganggu sy lg", True),
    ("jgn wa2 lg", True),
    ("stop msging me", True),
    ("stop sending msgs", True),
    ("stop texting me bro", True),
    ("quit texting me", True),
    ("stop sending me whatsapp messages", True),
    ("para de me mandar msg", True),
    ("para de me mandar essas mensagens", True),
    ("não me manda mais msg", True),
    ("nao manda mais nada", True),
    ("Para!!", True),
    ("para por favor", True),
    ("para com isso", True),
    ("chega de mensagem", True),
    ("basta de mensajes", True),
    ("can you stop sending me messages", True),
    ("could you please stop texting me?", True),
    ("please can you stop sending these", True),
    ("bisa berhenti kirim pesan?", True),
    ("pode parar de me mandar mensagem?", True),
    ("pode me tirar dessa lista", True),
    ("me puedes dejar de mandar mensajes por favor", True),
    # ... and what only looks like one
    ("jgn lupa kirim jadwal", False),
    ("sy lg sibuk", False),
    ("mande para mim", False),
    ("para quando?", False),
    ("Para, tenho uma dúvida", False),
    ("para de mandar o boleto errado", False),
    ("nao manda mais o boleto?", False),
    ("chega de espera, quero pagar", False),
    ("can you stop by tomorrow", False),
    ("can you cancel?", False),
    ("can you stop the payment?", False),
    ("pode me tirar uma dúvida?", False),
    ("quit my job to study", False),
    ("ok", False),
    ("please", False),
    ("", False),
    ("   ", False),
    ("!!!", False),
    ("🙏", False),
]


@pytest.mark.parametrize(("message", "opts_out"), LABELLED)
def test_which_messages_opt_out(message: str, opts_out: bool) -> None:
    # Given the built-in keywords only / When the contact sends the message
    # Then it opts them out exactly when it is, or closes with, a keyword alone or a clear
    # request to stop, or opens with a request that names what to stop
    assert is_opt_out(message) is opts_out
    assert is_opt_out(message, []) is opts_out


def test_the_table_covers_four_languages_and_both_answers() -> None:
    assert len(LABELLED) >= 40
    assert {opts for _, opts in LABELLED} == {True, False}


def test_workspace_keywords_add_to_the_built_in_ones() -> None:
    # Given a workspace that configured "keluar" as its only opt-out keyword
    keywords = ["keluar"]

    # When contacts send it / Then it opts out, and the built-in keywords still do
    assert is_opt_out("Keluar!", keywords)
    assert is_opt_out("tolong keluar", keywords)
    assert is_opt_out("KELUAR 🙏", keywords)
    for builtin in BUILT_IN_KEYWORDS:
        assert is_opt_out(builtin, keywords)
        assert is_opt_out(builtin, [])
    assert not is_opt_out("Keluar")


def test_workspace_keywords_closing_a_longer_reply_opt_out_as_the_built_in_ones_do() -> None:
    # Given a workspace that configured "keluar" as its only opt-out keyword
    keywords = ["keluar"]

    # When a lead closes a longer reply with it / Then they are opted out
    assert is_opt_out("udah bayar, keluar", keywords)
    assert is_opt_out("udah bayar kak. Keluar aja", keywords)
    assert not is_opt_out("udah bayar, keluar")
    # And one the reply goes on after stays a normal reply
    assert not is_opt_out("keluar, ada pertanyaan dulu", keywords)


def test_multi_word_keyword_matches_with_any_inner_spacing() -> None:
    # Given a keyword of two words
    keywords = ["opt out"]

    # Then the phrase alone opts out whatever the spacing/case, a longer sentence does not
    assert is_opt_out("  OPT   out. ", keywords)
    assert not is_opt_out("how do I opt out", keywords)


def test_configured_keyword_with_accents_or_case_matches_plain_text() -> None:
    # Given a keyword configured with an accent and capitals
    keywords = ["Désinscrire"]

    # Then the plain spelling matches too
    assert is_opt_out("desinscrire", keywords)


# --- properties -----------------------------------------------------------------------------

# Letters whose upper/lower case round-trips (Turkish dotless i, for one, does not).
_LETTERS = string.ascii_letters + string.digits + "áàâãçéêíóôõúüñ"
words = st.text(alphabet=_LETTERS, min_size=1, max_size=10)
keywords = st.one_of(
    st.sampled_from(BUILT_IN_KEYWORDS),
    st.lists(words, min_size=1, max_size=3).map(" ".join),
)
decorations = st.text(alphabet=" \t\n.,!?¡¿…-*\"'()🙏👍🛑😊", max_size=5)


@st.composite
def recased(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(ch.upper() if up else ch.lower() for ch, up in zip(text, flips, strict=True))


@settings(deadline=None)
@given(keyword=keywords, before=decorations, after=decorations, data=st.data())
def test_any_keyword_alone_opts_out_whatever_its_case_and_surrounding_punctuation(
    keyword: str, before: str, after: str, data: st.DataObject
) -> None:
    # Given a configured keyword / When the contact sends it with any case and decoration
    message = before + data.draw(recased(keyword)) + after

    # Then they are opted out
    assert is_opt_out(message, [keyword])


@settings(deadline=None)
@given(
    keyword=keywords,
    other=st.lists(words, min_size=1, max_size=3),
    position=st.sampled_from(["before", "after", "both"]),
)
@example(keyword="STOP", other=["FA"], position="before")  # "xfa" would be "por favor"
def test_any_keyword_inside_a_longer_message_does_not_opt_out(
    keyword: str, other: list[str], position: str
) -> None:
    # Given a keyword embedded with at least one other word (not one of politeness, which
    # the "zq" keeps them from being: no polite word begins so)
    extra = " ".join(f"zq{word}" for word in other)
    message = {
        "before": f"{extra} {keyword}",
        "after": f"{keyword} {extra}!",
        "both": f"{extra} {keyword} {extra}?",
    }[position]

    # When the contact sends it / Then they stay subscribed
    assert not is_opt_out(message, [keyword])
