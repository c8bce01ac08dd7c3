"""What a lead's reply means, by rules: keywords in Indonesian, Portuguese, Spanish and English.

`classify` reads one inbound text and answers one intent, its confidence and its source
(`rules`). The first rule that holds wins, in this order:

1. a message that is only an opt-out (`optout.is_opt_out`, checked before this runs)
   answers `other` with no confidence: opting out is its own path, never read as "not
   interested" or anything else. One that says more before its closing request to stop
   ("already paid, stop messaging me") or after its opening one ("stop messaging me, I
   already paid") is read as a whole by the rules below; the webhook acts on that
   reading but plans no follow-up for a message that asks to stop;
2. `wrong_number`: the message reached someone else, in a sentence that asks nothing: a
   short one naming a wrong number ("sorry, wrong number", "salah sambung", "é engano",
   "número equivocado", "no soy Juan"), or one of any length that says so plainly
   ("Sorry I think you have the wrong number, I don't know any Budi and never signed up
   for a course"); not one that says it is none ("bukan salah sambung", "no es el número
   equivocado"), asks ("is this the wrong number to call for admissions?") or gives the
   lead's own number in its place ("I gave the wrong number on the form, my new one is
   0812...");
3. `done`: paid, transferred, booked, enrolled ("sudah bayar", "já fiz o pix", "ya
   pagué", "just booked"), in a sentence that neither negates it ("belum bayar", "ainda
   não paguei", "todavía no hice la transferencia", "haven't paid"; a "no" straight before
   "já" or "udah" answers: "não já paguei", "gak udah bayar") nor asks it ("sudah bayar
   belum", "¿ya pagué?", "already paid?", "is my seat booked?"); another sentence may ask
   something else ("Sudah bayar. Kapan mulai?");
4. `not_interested`: "gak tertarik", "não tenho interesse", "no me interesa", "no
   thanks", or done elsewhere ("sudah daftar di tempat lain", "ya me inscribí en otra
   escuela", "already enrolled elsewhere"); a "no need" ("ga perlu, makasih", "não
   precisa, obrigado", "no hace falta, gracias", "no need to follow up anymore") only
   when the lead asks nowhere to proceed: "no need to call, just send me the form", "ga
   perlu brosur, langsung daftar aja" and "não precisa ligar, me manda o link" are not,
   nor is a courtesy spared ("no need to apologise", "não precisa agradecer"), nor a
   "no need" limited in time ("I'm busy, no need to call now", "ga usah telpon dulu",
   "não precisa ligar hoje"), which is `busy` unless it is for good ("ga usah hubungi
   lagi", "não precisa mais ligar", "no need to call from now on", "udah ga perlu") or
   the message refuses besides ("no need to text me today, please remove my number",
   "no need now, I already got a job", "ga perlu skrg, nanti aja klo butuh", "jgn
   hubungi sy lg", "or ever"), but not when it says it is no refusal ("bukan ga minat,
   lagi sibuk aja", "it's not that I'm not interested") nor offers a chat if the
   counsellor needs anything ("kalau perlu apa2 chat aja"); a
   go-ahead on a condition ("nanti saya chat aja kalau butuh", "I'll sign up if I'm ever
   interested") is none, a polite "kalau bisa" or "if you can" no condition, nor an "if
   you're busy" ("no need to call if you're busy, just send me the form");
5. `call_back_at`: a day or an hour the lead names ("bsk aja jam 10", "amanhã às 14h",
   "llámame mañana a las 10", "next Monday morning"), resolved by
   `replytime.requested_time` in the contact's zone; a question naming a time without
   asking to be contacted stays a question, and a day the message refuses, in one
   clause, is none ("I'm busy tomorrow", "besok aku kerja", "mañana no puedo":
   `replytime.refuses_day`);
6. `busy`: "lagi sibuk", "agora não dá", "estoy en una reunión", "in a meeting", "later",
   unless negated ("I'm not busy", "gak sibuk kok", "no estoy ocupado"; a "no" that
   answers before a comma negates nothing: "Não, estou ocupado", "Nggak, lagi sibuk") or
   said of the counsellor in a condition ("if you're busy", "kalau kakak sibuk", "si
   estás ocupado", or naming no one in a request to go ahead: "se estiver ocupado, manda
   o link"); and
   a "no need" limited in time ("no need to call today", "skrg ga perlu", "ga usah telp
   dlu", "por enquanto não precisa", "no hace falta que me llames hoy");
7. `question`: a question mark or a message that opens with a question word;
8. `other`, confidence 0: nothing recognised; the rules never guess.

Confidence says how much a rule's kind of evidence is worth, not a measured probability:
0.9 for explicit phrases (`wrong_number`, `done`, `not_interested`), 0.85 for a named
time, 0.8 for busy words, 0.7 for a question (a question mark is weak evidence), 0 for
`other`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo

from followup.domain.intent import Detected, Intent
from followup.domain.localtime import to_utc
from followup.domain.optout import is_opt_out, normalise, said_besides
from followup.domain.replytime import (
    ANSWERING_NO,
    HOME_FROM_WORK,
    PAYDAY,
    TOMORROW_EN,
    UNTIL_DAY,
    SaidNo,
    answered_no_to,
    asks_only_a_time,
    days_named,
    hour_refused,
    hour_said_no_to,
    names_an_hour,
    opens_with_no,
    part_named,
    plain_words,
    refuses_day,
    requested_time,
    said_no_to,
    says_cannot,
    span_named,
)


def _any(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b")


_SUDAH = r"(?:sudah|sdh|udah|udh|dah|uda|barusan|baru)"
_DONE = _any(
    _SUDAH + r" (?:saya |aku |sy )?(?:bayar|dibayar|bayarkan|dibayarkan|transfer|ditransfer|"
    r"transferkan|tf|trf|lunas|daftar|terdaftar|lunasin|lunasi|dilunasi|melunasi|booking|book|"
    r"join|gabung|checkout|co|beli|order|dp)",
    r"(?:bukti|sudah|udah) (?:tf|transfer|bayar)",
    r"pembayaran(?:nya)? " + _SUDAH + r" (?:saya |sy |aku |kami )?(?:lakukan|dilakukan|"
    r"masuk|beres|selesai|lunas|diterima)",
    r"(?:ja )?(?:paguei|transferi|comprei|agendei|marquei|matriculei|inscrevi)",
    r"(?:ja )?(?:me )?(?:inscrevi|matriculei|cadastrei)",
    # enrolled said as a state: "já estou inscrito", "ya estoy inscrita" (not "no estoy")
    r"(?<!nao )(?<!no )(?:ja |ya )?(?:estou|estamos|to|estoy) (?:ja |ya )?"
    r"(?:inscrit|matriculad|cadastrad|registrad|anotad)[oa]s?\b",
    r"(?:ja )?(?:fiz|mandei|enviei|efetuei|realizei) (?:o |a |meu |minha )?"
    r"(?:pix|pagamento|transferencia|inscricao|matricula|compra)",
    r"(?:pix|pagamento|compra|inscricao|matricula) "
    r"(?:feito|feita|realizado|realizada|confirmado|confirmada)",
    r"(?:ta|esta|tudo) pago",
    r"acabei de (?:pagar|transferir|fazer o pix|me inscrever|me matricular)",
    r"(?:ja )?quitei",
    r"(?:o )?pagamento (?:ja )?foi (?:feito|realizado|efetuado|confirmado)",
    r"(?:segue|mandei|enviei) o comprovante",
    r"(?:already|just|i|ive|i have|we|weve) (?:already |just )?(?:paid|booked|enrolled|registered|"
    r"signed up|bought|purchased|transferred|paid it)",
    r"(?:already|just|ive|i have|weve|we have) (?:already |just )?applied",
    r"(?<!not )already (?:pay|transfer|tf|trf)\b",
    r"^(?:all |already )?done(?: already)?$",
    r"(?<!get )(?<!got )(?<!gets )(?<!getting )(?<!gotten )"
    r"paid (?:already|it|in full|today|yesterday|(?:via|by|with|through) \w+)",
    r"(?:i )?(?:sent|made|did) the (?:transfer|payment|deposit)",
    r"(?:payment|transfer|money|deposit) (?:done|sent|made|completed|complete|is done)",
    r"(?:fee|fees|payment|invoice|bill|tuition|deposit) (?:has been|have been|was|is) "
    r"(?:already )?(?:paid|settled)",
    r"(?:payment|transfer|deposit) (?:has been|was) (?:already )?(?:made|completed|sent)",
    r"(?<!not )(?<!havent )(?<!never )(?<!yet )completed (?:the|my) (?:payment|transfer)",
    r"^(?:done )?(?:paid|transferred)$",
    # not someone else's: "I'm not the one who signed up"
    r"(?<!who )(?<!that )(?:all )?(?:booked|enrolled|registered|signed up)(?: already)?",
    r"ya (?:lo |la |te |le |les )?(?:pague|pagamos|transferi|deposite|reserve|reservamos|compre|"
    r"abone)",
    r"acabo de (?:pagar|transferir|depositar|inscribirme|registrarme)",
    r"ya (?:esta|quedo) (?:pagado|pagada|liquidado|liquidada)",
    r"ya (?:me |nos )?(?:inscribi|inscribimos|registre|registramos|matricule|anote)",
    r"(?<!no )(?:ya )?(?:hice|hicimos|realice) (?:la |el |un |una )?"
    r"(?:transferencia|pago|deposito|reserva|inscripcion)",
    r"ya (?:mande|envie) (?:la |el )?(?:transferencia|pago|comprobante)",
    r"(?<!no )(?:te|le|les) (?:mande|envie|pase) (?:la |el )?(?:transferencia|comprobante)",
    r"(?:pago|deposito|reserva|inscripcion) (?:hecho|hecha|realizado|realizada|confirmado|"
    r"confirmada)",
)
_STILL_OWED = _any(
    r"(?<!other )half(?! (?:an?|past|hour)\b)|rest (?:next|on|tomorrow|later|by|in)\b"
    r"|(?<!paid )(?<!pay )(?<!paid off )(?:the (?:other half|rest|remaining|remainder|balance)"
    r"|(?<!paid the )(?:first|1st) installment)(?! (?:is |was )?(?:paid|done|sent))",
    r"(?:havent|have not|not|didnt|did not) (?:paid|pay)(?: it)?(?: yet)?|still owe",
    r"(?<!bayar )(?<!lunas )(?:setengah|separuh|sisanya|sisa (?:pembayaran|bayar)|pelunasan"
    r"|cicilan pertama)(?! (?:udah|sudah|sdh|udh|dah) )",
    r"(?<!paguei )(?:metade|o resto|o restante|a primeira parcela)",
    r"nao (?:paguei|fiz o pagamento|transferi)|(?:belum|blm) (?:bayar|transfer|tf|lunas)",
    r"no (?:he|hemos) pagado|(?:todavia|aun) no (?:he )?pag\w*|(?<!ya )no pague\b",
    r"apparently not|i (?:havent|have not)(?: yet)?$|(?:this one|this month|this module) not"
    r" yet",
    r"falta(?:m)? (?:pagar|a mensalidade|as mensalidades|a parcela|o resto|o restante|o valor)",
    r"(?<!pague )(?:la mitad|el resto|lo que falta|(?:la|lo) pago|te pago|el primer pago)",
)
"""What is still owed, said with a payment or a booking made: "I paid half, rest next
week", "registered already but haven't paid", "dp dulu, sisanya minggu depan", "paguei
metade", "já paguei a matrícula, falta a mensalidade", "ya pagué la inscripción, la
colegiatura la pago el viernes", and a booking made with nothing paid yet ("já me
inscrevi mas não paguei", "ya me inscribí pero no he pagado", "belum bayar tapi udah
daftar"). Not the rest paid ("paid the rest", "sisanya udah
transfer")."""
_WRONG_NUMBER = _any(
    r"wrong (?:number|person|contact|guy|girl)|(?:you have|youve got|you got) the wrong|"
    r"not the (?:right|person you)",
    r"salah (?:sambung|nomor|nomer|no|orang)|(?:ini )?bukan nomor (?:dia|nya)",
    r"numero errado|pessoa errada|contato errado|(?:e|eh|foi|isso e) engano",
    r"numero equivocado|(?:se|te) equivoc\w* de (?:numero|persona)|"
    r"^(?:hola )?no soy (?!de\b|yo\b|el\b|la\b|un\b|una\b)\w+$",
)
"""The message reached someone else: "wrong number", "salah sambung", "número errado",
"é engano", "número equivocado", "no soy Juan" (not "no soy de aquí"), said in a short
message: a longer one may speak of a wrong number ("I wrote the wrong number on the form,
use this one") from the lead's own."""
_WRONG_NUMBER_WORDS = 8
"""The most words a message that only mentions a wrong number has, to be read as one."""
_WRONG_NUMBER_STATED = _any(
    r"(?:you have|you have got|youve got|youve|you got|u have|u got) (?:the|a) wrong "
    r"(?:number|person|contact)(?! (?:for me|on file|saved|in your|on record))",
    r"(?:you|u) (?:texted|messaged|called|reached|contacted|wrote to|are texting|are messaging"
    r"|sent (?:this|it|this message|a message) to) (?:the |a )?wrong (?:number|person)",
    r"salah sambung|(?:anda|kamu|km|kakak|mas|mbak) salah (?:nomor|nomer|orang|sambung)",
    r"(?:voce|vc|vcs|voces|ce) (?:\w+ ){0,3}(?:pro|pra|para o|para a|no|na) "
    r"(?:numero errado|pessoa errada|contato errado)",
)
"""Says to the sender that they reached someone else, whatever the message's length: "I
think you have the wrong number", "you texted the wrong person", "salah sambung", "vc
mandou mensagem pro número errado"; not that the lead's record holds a wrong number
("you have the wrong number on file for me")."""
_WRONG_NUMBER_CLAUSE = re.compile(
    r"(?:(?:sorry|so sorry|hi|hello|hey|maaf|mohon maaf|desculpa|desculpe|oi|ola|i think"
    r"|acho que|kak|ka|mas|mbak|pak|bu) )*"
    r"(?:(?:this is|its|it is|thats|that is|ini|isso e|e|eh|foi) )?(?:a |the )?"
    r"(?:wrong (?:number|person)|salah (?:sambung|nomor|nomer|orang)|numero errado"
    r"|pessoa errada|engano|numero equivocado)"
    r"(?: (?:sorry|kak|ka|ya|mate|sir|maam|bro|deh|nih|amigo|amiga))*"
)
"""A clause that only says it is the wrong number, with a greeting or an apology around
it ("Sorry, wrong number.", "maaf kak ini salah sambung ya", "Desculpa, número errado"):
said so, whatever else the message goes on to say."""
_OWN_NUMBER = _any(
    r"my (?:new|right|correct|other) (?:number|one|no)",
    r"(?:nomor|nomer|no|nmr) (?:baru|yang benar|yg bener|yang bener|yg benar)",
    r"(?:novo numero|numero novo|numero certo|numero correto)",
)
"""The lead gives their own number in its place ("my new one is 0812...", "nomor baru
saya", "meu número novo"): the wrong number was theirs, not ours."""
_NEGATORS = frozenset(
    {"nao", "ainda", "belum", "blm", "blum", "tidak", "gak", "ga", "nggak", "ngga", "enggak"}
    | {"ngak", "kagak", "bukan"}
    | {"not", "never", "havent", "hasnt", "didnt", "dont", "yet"}
)
_ALREADY = frozenset({"ja", "sudah", "sdh", "udah", "udh", "dah", "uda"})
"""The word for "already" that a negator before it does not negate: "não já paguei", "gak
udah bayar" answer "no" and say it is done, as "Não, já paguei" does. English "I'm not
already registered" is a negation, and a Spanish "no" negates nothing alone ("no ya
pagué")."""
_ANSWERS = _NEGATORS | {"no", "nope", "nah"}
"""Words that, alone before a comma or a period, answer what the counsellor asked: "Não,
estou ocupado", "No, estoy ocupado", "Nggak, lagi sibuk", "Nope, not yet. Busy now"."""
_ANSWER_CLAUSE = re.compile(r"\s*([^,;:.!?\n]+)[,.!]+")
"""A clause closed by a comma, a period or an exclamation mark."""
_ASKED = re.compile(r"\b(?:belum|blm|or not|ou nao)\b")
_FAILED = _any(
    r"failed|fails|declined|rejected|bounced|(?:didnt|did not|doesnt|wont) go through|error",
    r"gagal|ditolak|eror|error",
    r"deu erro|nao caiu|nao entrou|nao passou|recusad[oa]|recusou|falhou|estornad[oa]",
)
"""A payment said to have failed after it was said to be made: "I paid but it failed",
"udah bayar tapi gagal", "paguei mas o pix não caiu"."""
_WITHOUT = frozenset({"no", "without", "zero", "tanpa", "ada", "sem", "nenhum"})
"""A word before a failure that says there was none ("already paid, no error")."""
_WORKED_AFTER = _any(
    r"(?:but|tapi|tp|mas|then|terus|trus|depois) (?:now |then |sekarang |skrg |agora |ja )?"
    r"(?:it |its |it is |sudah |udah |ja )?(?:worked|went through|succeeded|is done|done|ok|"
    r"berhasil|sukses|masuk|deu certo|foi|caiu)"
)
"""A failure mended after it: "the first try failed but now it's done", "sempat gagal
tapi udah berhasil"."""
_SENTENCES = re.compile(r"[^.!?\n]+[.!?]*")
"""A message's sentences, each with the marks that end it: "Sudah bayar. Kapan mulai?"
tells it is done, and asks something else."""

_THANKS = r"thanks|thank you|thx|makasih|makasi|terima kasih|trims|obrigad[oa]|valeu|gracias"
_NO = "|".join(sorted(ANSWERING_NO - {"jangan", "jgn"}, key=len, reverse=True))
_NOT_INTERESTED = _any(
    r"(?:tidak|tdk|gak|ga|gk|nggak|ngga|ngak|kagak|enggak|engga|ndak|kurang|udah gak|sudah tidak|"
    r"udah ga) (?:tertarik|minat|berminat)",
    r"(?:gak|ga|gk|nggak|ngga|tidak|engga) (?:dulu|jadi)",
    r"(?:skip|pass) (?:dulu|aja)",
    r"nao (?:tenho|tenho mais|tenho nenhum) (?:interesse|intresse)|sem (?:interesse|intresse)|"
    r"nao me interessa",
    r"nao (?:quero|preciso|vou querer)(?: mais)?(?: nao| obrigad[oa]| nada)?$",
    r"nao vou (?:fazer|comprar|contratar|me inscrever|me matricular)(?: nao| obrigad[oa])?$",
    r"nao obrigad[oa]|nao valeu|to fora|desisti|deixa pra la|nao vai rolar",
    r"not (?:really )?(?:interested|intrested)|no longer (?:interested|intrested)|no thanks|"
    r"no thank you|nah thanks",
    r"not for me|ill pass|i will pass|ill have to pass|dont need it",
    # a decision, not one for now: not "I decided not to join yet", "mudei de ideia, quero"
    r"(?:i )?decided not to (?:join|enroll|register|sign up|go ahead|buy|do it|take it)"
    r"(?! (?:yet|now|right now|this (?:month|week|year)))",
    # a change of mind ending the message: not "I changed my mind, I want to join"
    r"(?:changed my mind|mudei de ideia|cambie de opinion)"
    r"(?: (?:sorry|thanks|thank you|obrigad[oa]|desculpa|desculpe|perdon|gracias))?$",
    r"(?:i )?(?:dont|do not) want (?:it|this|that)(?: thanks| thank you)?$",
    r"(?:ga|gak|gk|nggak|ngga|tidak|engga) mau(?: kak| ka| ya)?$",
    r"no (?:me |nos )?interes(?:a|an|e)|no estoy interesad[oa]|no tengo (?:ningun )?interes|"
    r"no (?:muchas )?gracias",
    r"(?:ya )?no (?:lo )?(?:quiero|necesito)(?: nada)?(?: gracias)?$",
    # never to be called again: "please don't call me again", "jangan telpon saya lagi"
    # (Portuguese's "não me liga" reads as "dont call me"); not "... again today"
    r"(?:dont|do not|never) (?:call|ring|phone|contact|text|message) (?:me |us )?"
    r"(?:again|anymore|any more|mais|de novo)(?! (?:today|now|this week|hoje|agora))",
    r"jangan (?:telpon|telp|tlp|telepon|hubungi|chat|wa) (?:saya |aku |sy |gue |gw )?lagi",
    r"(?:nao|nunca mais) me (?:liga|ligue|ligar|ligem|chama|procure|procura) (?:mais|de novo)"
    r"|nunca mais me (?:liga|ligue|ligar|ligem|procure)",
    r"no me (?:vuelvas|vuelvan) a (?:llamar|contactar|escribir)"
    r"|no me (?:llames|llamen|contactes|contacten|escribas) (?:mas|nunca mas)",
    # a polite no and nothing else: "thanks but no", "obrigado mas não", "ga kak makasih"
    rf"^(?:{_THANKS})(?: kak| ka)? (?:but|tapi|tp|mas|pero) (?:{_NO})(?: kak| ka| dulu| ya)?$",
    rf"^(?:{_NO})(?: kak| ka)? (?:{_THANKS})(?: kak| ka| ya)?$",
)
_NO_NEED = _any(
    r"(?:gak|ga|gk|nggak|ngga|ngak|kagak|tidak|tdk|engga) (?:usah|butuh|perlu)|gausah|gaperlu"
    r"|gakusah",
    r"nao precisa",
    r"no need",
    r"no hace falta|no es necesario",
)
""""No need": a refusal ("ga perlu, makasih", "não precisa, obrigado", "no need to follow
up anymore") unless the lead asks to proceed (`_GOING_AHEAD`), only means to spare the
counsellor a courtesy (`_COURTESY`) or puts it off (`_FOR_NOW`)."""
_FOR_NOW = _any(
    r"now|rn|atm|today|at the moment|this week",
    r"dulu|dl|dlu|sekarang|skrg|skrng|skg|hari ini|hr ini|saat ini|minggu ini",
    r"agora|agr|por enquanto|hoje|hj|no momento|esta semana|essa semana",
    r"ahora|ahorita|hoy|por ahora|por el momento|en este momento",
)
"""A time limit in the clause of a "no need": "I'm busy, no need to call now", "lagi
sibuk, ga usah telpon dulu ya" (or "dl", "dlu"), "tô ocupado, não precisa ligar agora"
put the call off; they refuse nothing."""
_NO_LONGER = r"(?:udah|sudah|sdh|udh|dah|uda) (?:gak|ga|gk|nggak|ngga|tidak|tdk|engga) "
_FOR_GOOD = _any(
    r"again|anymore|any more|from now on|from today|ever|any other day|or later|nor later",
    r"(?:lagi|lg)(?! (?:sibuk|repot|meeting|rapat|kerja|nyetir|di|ada|kelas))|"
    r"mulai (?:sekarang|skrg|hari ini|saat ini)|seterusnya|selamanya|"
    r"(?:dan|atau|ato|maupun) nanti|" + _NO_LONGER + r"(?:usah|butuh|perlu)",
    r"mais(?! tarde)|de novo|nunca|a partir de (?:agora|hoje)|de agora em diante|"
    r"(?:nem|ou) depois|hoje em dia",
    r"otra vez|a partir de (?:ahora|hoy)|de ahora en adelante|desde ahora|ni (?:manana|luego)",
)
"""What makes a "no need" one for good, whatever time it names: "ga usah hubungi lagi",
"não precisa mais ligar", "no need to call from now on", "sekarang udah ga perlu" (no
longer), "não precisa agora nem depois", "no need today or any other day", "hoje em dia
não precisa" (these days). A "lagi" before a busy word is "now" ("lagi sibuk"), not
"again"; a "mais tarde" is "later"."""
_SETTLED = _any(
    r"(?:sudah|sdh|udah|udh|dah|uda) (?:keterima|diterima|dapet (?:kerja|kampus|sekolah|tempat)|"
    r"dapat (?:kerja|kampus|sekolah|tempat)|mutusin|memutuskan)",
    r"ja (?:resolvi|decidi|escolhi|fechei com outr[oa]|achei (?:outr[oa]|um|uma)|"
    r"consegui (?:um|uma|outr[oa]))|decidi nao|(?:arrumei|consegui) (?:um )?(?:emprego|trabalho)",
    r"(?:already|just) (?:got|found|have|accepted|started) (?:a |an |another |my |the )?"
    r"(?:job|place|school|course|program|college|university|spot)|"
    r"another offer|(?:an )?offer (?:from|at) (?:another|a different|somewhere)|offer elsewhere|"
    r"found what i (?:needed|wanted|was looking for)|decided (?:not to|against)",
)
"""Settled without us, or decided against: "sy udh keterima kerja", "já resolvi", "já
fechei com outra", "I already got a job", "I got another offer", "I've decided not to
enroll". Being at work ("sy udh kerja") or an offer letter not said to be from elsewhere
("I just got the offer letter") settles nothing."""
_IF_NEEDED = re.compile(
    r"\b(?:kalau|kalo|klo|kl|jika|if|se|caso) (?:saya |aku |sy |gw |i |eu )?(?:ever )?"
    r"(?:butuh|perlu|need|precisar|precise|im interested|interested|tertarik|minat)\b"
)
_LEAD_WILL_CONTACT = _any(
    r"(?:saya|aku|sy|gw|gue|aq) (?:yang )?(?:chat|wa|hubungi|kabari|kabarin|kontak|daftar|japri|"
    r"dm|telp|telpon|tlp|email|balik|hubungin)|(?:nanti|ntar|nti) (?:aja|saja)",
    r"eu (?:te |lhe )?(?:chamo|ligo|falo|aviso|procuro|retorno|mando|entro|me inscrevo|volto)|"
    r"(?:te|lhe) (?:chamo|ligo|procuro|aviso)|entro em contato",
    r"(?:ill|i will|i can) (?:reach out|call|text|message|contact|get in touch|let you know|"
    r"sign up|get back|email|come back|be in touch|enroll|register)",
)
"""A contact only "if I need it", the lead's to make ("nanti aja klo butuh", "se precisar
eu chamo", "if I need it I'll reach out"), tells that it is not needed now or later; an
offer to the counsellor ("kalau perlu apa2 chat aja", "se precisar de algo me manda
mensagem") is no such thing."""
_DO_NOT_CONTACT = _any(
    r"(?:jgn|jangan|jng|jan) (?:di)?(?:hubungi|hubungin|telp|telpon|telepon|tlp|chat|wa|sms|"
    r"kontak|ganggu|spam)",
    r"nao (?:me )?(?:liga|ligue|ligar|chama|chame|manda mensagem|mande mensagem|procura|procure|"
    r"contata|contate|perturba|perturbe)",
    r"(?:dont|do not|never) (?:call|text|message|contact|email|ping|bother|whatsapp) (?:me|us)",
    r"no (?:me )?(?:llames|llamen|llame|escribas|escriban|escriba|contactes|contacten|molestes|"
    r"molesten|busques|busquen)",
)
"""A "don't call me": a refusal besides a "no need" for now when it has no time limit or
is for good ("jgn hubungi sy lg", "não me liga mais", "don't call me again")."""
_NOR_LATER = _any(
    r"(?:or|nor) (?:ever|any other day)",
    r"(?:amanha|depois) (?:tambem|tb|tbm) nao|nem (?:amanha|depois)",
    r"(?:besok|nanti|kapan2) (?:juga )?(?:ga|gak|gk|nggak|tidak|tdk)(?: usah| perlu)?",
)
"""A later clause that makes a "no need" for now one for good: "no need to call today. or
tomorrow. or ever", "não precisa ligar hoje. amanhã também não"."""
_COURTESY = re.compile(
    r" (?:to )?(?:minta maaf|maaf|khawatir|sungkan|apologi[sz]e|say sorry|be sorry|thank|"
    r"worry|agradecer|se desculpar|pedir desculpas?|se preocupar|disculpar(?:se|te)?|"
    r"pedir (?:perdon|disculpas)|preocupar(?:se|te)?)\b"
)
"""What follows a "no need" that spares a courtesy: "ga usah minta maaf", "no need to
apologise", "não precisa agradecer", "no hace falta disculparse" refuse nothing."""
_NAMES = r"(?:link|form|formulir|rek|rekening|norek|invoice|tagihan|brosur|kontrak)(?:nya)?"
_GOING_AHEAD = _any(
    r"langsung (?:daftar|bayar|transfer|tf|gabung|ikut|join|order|beli|checkout|kirim)",
    r"(?:kirim|kirimin|kirimkan|share|daftarin|daftar) (?:aja|saja)",
    r"(?:kirim|kirimin|kirimkan|minta) (?:(?:no|nomor|nomer) )?" + _NAMES,
    r"(?:wa|chat|whatsapp|japri|dm|email) (?:aja|saja)",
    r"(?:saya|aku|sy|gw|gue) (?:mau|jadi|pengen|pingin|ingin|mo|akan) (?:daftar|bayar|transfer|"
    r"tf|gabung|ikut|join|order|beli|ambil|checkout)",
    r"(?:me|so) (?:manda|mande|envia|envie|passa|passe|chama|inscreve)|pode (?:me )?(?:inscrever|"
    r"matricular|mandar|enviar|passar)|(?:quero|vou) (?:me )?(?:inscrever|matricular|fechar|pagar)",
    r"(?:manda|mande|envia|envie|passa|passe)(?: (?:ai|aqui|pra mim))? (?:o|a|os|as|um|uma)",
    r"(?:quero|vou) (?:fazer|fechar) (?:a|o|minha|meu) (?:matricula|inscricao|pagamento|pix|"
    r"compra|contrato)",
    r"(?:just|only|please|pls|can you|could you) (?:send|email|text|whatsapp|message|share|"
    r"forward|sign me|book me|enroll me|register me)",
    r"(?<!to )(?<!need )(?:send (?:me|us|over|it|the)|go ahead)|sign me up|book me|"
    r"(?:message|text|email|whatsapp|dm|ping) me|"
    r"(?:ill|i will|im going to|i am going to) (?:pay|sign|enroll|register|book|take it|buy)|"
    r"i want to (?:sign|enroll|register|join|book|pay|buy)",
    r"(?:mandame|mandeme|mandenme|enviame|envieme|envienme|pasame|paseme|pasenme) "
    r"(?:el|la|los|las|un|una|info|informacion)|(?:quiero|voy a) (?:inscribirme|pagar|reservar)"
    r"|me (?:quiero|voy a) inscribir",
)
"""Asking to proceed: "just send me the form", "kirim formnya aja", "saya mau daftar",
"manda o link", "pode mandar o boleto", "mándame el link", "I will pay today", "message
me here". Right after the "no need" it is the thing not needed ("ga usah kirim link", "no
need to message me"), and negated it asks nothing ("saya gak mau daftar")."""
_IF = re.compile(
    r"\b(?:kalau|kalo|klo|kl|if|(?<!no )caso|se eu|se precisar|quando eu|whenever|"
    r"when im ready)\b"
)
_POLITE = re.compile(
    r"\b(?:(?:kalau|kalo|klo|kl) (?:bisa|boleh)|if (?:you can|you could|possible|you dont mind)|"
    r"se (?:puder|possivel))\b"
)
"""A "kalau bisa", "if you can", "se puder" asks politely; it sets no condition."""
_IF_YOU_ARE_BUSY = re.compile(
    r"\b(?:if|kalau|kalo|klo|kl|jika|se|si|(?<!no )caso)"
    r"(?P<you> (?:you|youre|u|kakak|kakaknya|kak|kk|anda|kamu|km|mas|mbak|vc|voce|voces|ce"
    r"|tu|usted|ustedes|estas|estan|estes|esten))?"
    r"(?: (?:are|re|r|ever|too|so|very|really|lagi|lg|sedang|estiver|estiverem|esteja|"
    r"estejam|tiver|tiverem|muito|meio|esta|este|muy))*"
    r" (?:sibuk|repot|meeting|rapat|ocupad[oa]s?|em reuniao|sem tempo|busy|swamped|"
    r"in a meeting)\b"
)
"""A condition on the counsellor being busy: "if you're busy", "kalau kakak sibuk", "se
vocês estiverem ocupados"; or naming no one ("kalau lagi sibuk", "se estiver ocupado")
in a message that asks to go ahead without the call ("ga usah telpon kalau lagi sibuk,
kirim formnya aja"). It tells nothing of the lead being busy, and sets no condition on
going ahead. Naming no one and asking nothing, it is the lead's own busy ("kalo lagi
sibuk gini aku jarang pegang hp", "se estiver ocupada não atendo"), as it is when they
name themselves ("if I'm busy", "kalau saya sibuk", "se eu estiver ocupado") or a time
("kalau sekarang lagi sibuk"). A "no caso" is "in the case of", no condition."""
_CLAUSES = re.compile(r"[^,;:.!?\n]+")
_WORD = r"[^\W_]+(?:['’-][^\W_]+)*"
_PLAIN = re.compile(rf"{_WORD}(?:\s+{_WORD})*")
"""Words and spaces only: no mark that may part a clause as a comma does ("busy - tomorrow")."""
_ENDS = re.compile(r"^[\W_]+|[\W_]+$")
"""What a clause may start or end with besides words: spaces, emoji, quotes."""
_OBJECT = frozenset({"to", "for", "the", "a", "me", "us", "o", "de", "pra", "lagi", "mais"})
"""Words that may stand between a "no need" and what is not needed ("no need to send me")."""
_OR = frozenset({"or", "nor", "atau", "ato", "ou", "maupun"})
"""Words that add to what is not needed ("no need to call or message me")."""
_NOT_REALLY = re.compile(
    r"\b(?:bukan|bukannya|nao e que|its not that|not that|who said|never said (?:i|im|that)|"
    r"didnt say (?:i|im|that)|siapa (?:yang )?bilang|quem (?:disse|falou)|"
    r"nao (?:disse|falei) que|no es que|quien dijo|no dije que)\b"
)
"""What says the refusal after it is none: "bukan ga minat", "it's not that I'm not
interested", and the lead denying they said it ("who said I'm not interested?", "siapa
bilang gak minat?", "eu não disse que não tenho interesse")."""
_NARROWED = re.compile(
    r" (?:in|on|for|with|about|yang|sama|untuk|utk|buat|no|na|nos|nas|do|da|em|pelo|pela|com)\b"
)
"""Right after a refusal, what limits it to one option: "not interested in the weekend
class", "gak minat yang online", "não tenho interesse no curso online"."""
_INSTEAD = _any(
    r"(?:is|are|would be|sounds|seems) (?:fine|ok|okay|good|great|better|perfect)|"
    r"works(?: for me| better)?|i(?:d| would)? prefer|id rather|i would rather|instead|"
    r"(?:but|im) interested in",
    r"maunya|mau nya|pengennya|pinginnya|lebih (?:suka|minat|tertarik|cocok)|mending|"
    r"minatnya|tertariknya|tapi (?:mau|minat|tertarik)",
    r"prefiro|apenas|mas (?:quero|tenho interesse)|pode ser|seria melhor",
)
"""A later clause taking another option: "weekday is fine", "maunya offline", "prefiro
presencial" (and "só presencial", told by its accent: an English "so" is no such
thing)."""
_ELSEWHERE = _any(
    r"di ?tempat lain|di (?:kampus|sekolah|lembaga|bimbel) lain|ke tempat lain",
    r"elsewhere|somewhere else|(?:another|a different|other) (?:school|place|course|college"
    r"|university|program)",
    r"(?:kursus|les|bimbel|lpk|kampus|sekolah) lain|di \w+ lain",
    r"em outro lugar|em outra (?:escola|faculdade|instituicao)|em outro curso|outro curso"
    r"|outra (?:escola|faculdade)",
    r"en otra (?:escuela|academia|universidad|institucion|parte)|en otro (?:lugar|lado|sitio"
    r"|instituto|curso|colegio)|en otra$|con otr[ao] (?:escuela|academia|universidad"
    r"|institucion|instituto|curso|colegio)",
)
"""Enrolled, paid or booked somewhere else: a lead lost, not a sale."""

_OCCUPIED = (
    r"sibuk|(?:lagi|lg|lgi|sedang|sdg|masih) (?:meeting|rapat|kerja|nyetir|di jalan|dijalan"
    r"|repot|ada acara|kelas|kuliah|ngajar|makan|ujian|les|dinas|di kantor|sholat|solat"
    r"|otw|perjalanan|jemput|ngurus|di rs|di rumah sakit|di kelas)",
    r"belum sempat|blm sempet|belum sempet",
    r"ocupad[oa]|agora nao (?:posso|da|consigo)|to no trabalho|em reuniao|to dirigindo",
    r"(?:to|estou|tou) (?:em aula|na aula|numa reuniao|em uma reuniao|no almoco|almocando"
    r"|trabalhando|no trabalho|no servico|na faculdade|no onibus|no hospital|dirigindo)"
    r"|numa reuniao",
    r"sem tempo|correria",
    r"(?:ahora|ahorita) no (?:puedo|es buen momento)|(?:ahora|ahorita) no$"
    r"|no por ahora|no puedo (?:hablar|atender|contestar)"
    r"|en (?:una )?reunion|en junta|manejando|sin tiempo|no tengo tiempo (?:ahorita|ahora)"
    r"|(?:estoy|ando) (?:en (?:clase|el trabajo|la escuela|la universidad|el hospital)"
    r"|trabajando|comiendo)",
    r"busy|in a meeting|driving|cant talk|can not talk|bad time|no time|swamped|at work",
    r"fully booked|booked (?:solid|up|all day|the whole day)",
    r"(?:in class|en clase) (?:rn|now|right now|atm|at the moment|ahora)|^(?:in class|en clase)$"
    r"|(?:im |i am )?working (?:rn|now|right now|atm|at the moment)$",
    r"(?:im|i am) (?:in class|at lunch|having lunch|on a call|in a call|at school|on the road"
    r"|at the hospital|in the hospital)",
)
"""The lead says what keeps them from talking now: busy, in a meeting, at work."""
_BUSY_NOW_SAID = re.compile(
    r"(?:(?:im|i am|i m) )?(?:busy|in a meeting|at work|driving|on a call|in class|at lunch)"
    r"(?: (?:right now|now|rn|atm|at the moment|today))?"
    r"|(?:(?:saya|sy|aku|aq|gw|gue) )?(?:sibuk|(?:lagi|lg|lgi|sedang|sdg) "
    r"(?:sibuk|meeting|rapat|kerja|nyetir|di jalan|kelas|kuliah|ngajar|di kantor))"
    r"(?: (?:kak|ka|kk|mas|mbak|bang|sis|nih|ya|dulu|skrg|sekarang))*"
    r"|(?:(?:eu )?(?:to|tou|estou) )?(?:ocupad[oa]|em reuniao|numa reuniao|no trabalho"
    r"|em aula|dirigindo)(?: (?:agora|no momento|hoje))?"
    r"|(?:(?:yo )?(?:estoy|ando) )?(?:ocupad[oa]|en (?:una )?reunion|en el trabajo|en clase"
    r"|manejando)(?: (?:ahora|ahorita|en este momento|hoy))?"
)
"""A clause that only says the lead is busy now ("I'm busy right now", "lagi sibuk kak",
"tô ocupado agora"), not for good ("always busy", "sibuk terus") nor more than that
("too busy for this", "ocupada e não vou fazer")."""
_SAYS_NO = re.compile(
    r"(?:i )?(?:dont|do not|wont|will not) (?:want|need|do) (?:it|this|that)"
    r"|(?:i )?(?:dont|do not) want to|(?:i )?(?:wont|will not) be doing (?:it|this|that)"
    r"|(?:ga|gak|gk|nggak|ngga|tidak|tdk) (?:mau|jadi|jd)(?: ikut| daftar| kak| ya)*"
    r"|(?:eu )?nao (?:quero|vou fazer|vou)(?: (?:o curso|nao|obrigad[oa]))*"
    r"|(?:yo )?no (?:lo )?(?:quiero|voy a hacer)(?: (?:gracias|nada))*"
)
"""A clause that only says no ("don't want it", "ga mau", "não quero")."""
_BUSY = _any(
    *_OCCUPIED,
    r"nanti|nnti|ntar|entar|sebentar|bentar|nanti2|ntar2|kapan2|kapan kapan|lain kali"
    r"|lain waktu",
    r"next time|another time|some other time|outra hora|outro dia|otro dia|otra ocasion"
    r"|(?:fica|deixa|deixar|deixo) (?:pra|para) (?:a )?proxima",
    r"depois (?:eu )?(?:te )?(?:falo|respondo|vejo|retorno|chamo|ligo)|mais tarde",
    r"(?:e|ai|dai|eu) te (?:falo|aviso|retorno|ligo|dou (?:um )?retorno)",
    r"te (?:retorno|ligo|chamo|respondo) depois|(?:depois )?a gente se fala|falamos depois",
    r"(?:luego|despues) (?:te |le |les )?(?:escribo|llamo|marco|aviso|contesto|respondo"
    r"|hablamos)"
    r"|mas tarde|al rato",
    r"later|not now|not right now|not at the moment|not atm|nows not a good time"
    r"|get back to you|ttyl|(?:ill|i will|will) let you know"
    r"|(?:ill|i will|will) (?:call|text|message|ring) (?:you|u) back",
    r"in a (?:bit|while|minute|sec)|give me (?:a|one) (?:minute|min|sec|second|moment)"
    r"|one (?:sec|second|moment)|daqui a pouco|daqui a pouquinho|(?:um|1) (?:minuto|momento)"
    r"|en un rato|un momento",
    r"(?:jangan|jgn|ga|gak|nggak|tidak|bukan|bkn) (?:sekarang|skrg)|(?:jangan|jgn) dulu",
    r"agora nao$",
    r"(?:dont|do not) (?:call|text|message|ring) (?:me )?(?:now|right now|agora|ahora)"
    r"|(?:jangan|jgn) (?:telpon|telp|tlp|hubungi|wa|chat|sms)(?: (?:aku|saya))? (?:sekarang|skrg)"
    r"|no me (?:llames|escribas) ahora",
)
"""Busy, or putting the talk off ("nanti", "later", "not at the moment", "jangan sekarang",
"mais tarde", "agora não", "más tarde", "luego te escribo", "I'll let you know", "I'll
call you back", "te retorno depois", "vou ver com meu marido e te falo", "don't call me
now", "jangan telpon sekarang", "não me liga agora")."""
_WHEN_WORD = (
    rf"(?:today|{TOMORROW_EN}|tonight|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|next|this|week|morning|afternoon|evening|noon|on|in"
    r"|at \d{1,2}(?:[:.]\d{2})?(?: ?(?:am|pm))?|\d{1,2}(?:[:.]\d{2})? ?(?:am|pm)|\d{1,2}[:.]\d{2})"
)
"""A word of a time proposed; an hour with its am/pm, its minutes or "at" ("would 10
tomorrow work?" is no hour the replies' times read)."""
_ID_WHEN_WORD = (
    r"(?:besok|bsk|lusa|hari ini|nanti|senin|selasa|rabu|kamis|jumat|sabtu|hari minggu|pagi"
    r"|siang|sore|malam|malem|jam|jm|pukul|pkl|\d{1,2}(?:[:.]\d{2})?)"
)
_CONTACT = _any(
    r"call|ring|phone|text|message|msg|remind|reach|contact|talk|chat|ping|try|what about|"
    r"how about|works|ok|okay",
    # another time proposed: "can we do thursday?", "can you do 3pm?", "can we move it to
    # friday?"
    rf"(?:can|could|shall|should) (?:we|you|u) do (?:it )?{_WHEN_WORD}",
    r"(?:make it|move it|push it|switch it|change it|reschedule(?: it)?|postpone(?: it)?)"
    rf"(?: (?:to|till|until|for))? {_WHEN_WORD}",
    # a time proposed, the whole message asking whether it suits: "would tomorrow 10am
    # work?", not "is tomorrow good for the class?"
    rf"^(?:would|does|will|could|can|is) (?:{_WHEN_WORD} ){{1,6}}(?:be )?"
    r"(?:work|suit you|fine|good|better)(?: for (?:you|u))?$",
    # "besok jam 10 gimana?", not "besok jam 10 gimana kelasnya?"
    rf"^(?:kalau |kalo |klo |kl )?(?:{_ID_WHEN_WORD} )*(?:jam|jm|pukul|pkl) \d{{1,2}}"
    r"(?:[:.]\d{2})?(?: (?:pagi|siang|sore|malam|malem))? (?:gimana|gmn|gmna|bagaimana)"
    r"(?: (?:kak|ka|kk|mas|mba|mbak|pak|bu|bang|sis))?$",
    # a day proposed last: "hari ini sibuk, kamis gimana?", not "kamis gimana kelasnya?"
    r"(?<!jadwal )(?<!kelas )(?<!kelasnya )\b(?:besok|bsk|lusa|senin|selasa|rabu|kamis|jumat|sabtu"
    r"|minggu depan)"
    r"(?: (?:pagi|siang|sore|malam|malem))? (?:aja )?(?:gimana|gmn|gmna|bagaimana)"
    r"(?: (?:kak|ka|kk|mas|mba|mbak|pak|bu|bang|sis))?$",
    r"(?:you|u|ya) (?:have|got) (?:a |some |a few |\d+ )?(?:time|minutes?|mins?|moment)"
    rf"(?=$| (?:today|{TOMORROW_EN}|now|later|this|next|on|at|in|\d))"
    r"|(?:are|r) (?:you|u) free|^(?:im|i am) free",
    r"telp|telpon|telepon|tlp|hubungi|kabari|kabarin|wa|japri|ingetin|ingatkan|aja|saja|dong|bisa",
    r"(?:gimana|gmn|bagaimana) (?:kalau|kalo|klo|kl) (?:(?:besok|bsk|lusa|nanti|senin|selasa"
    r"|rabu|kamis|jumat|sabtu|minggu) )?(?:jam|pagi|siang|sore|malam|malem)"
    r"(?!.*\b(?:berapa|ada)\b)",
    r"liga|ligar|chama|fala|falar|conversa|manda|mensagem|retorna|pode ser|lembra|melhor",
    r"llama|llamame|llamenme|llamar|marcame|escribeme|escribanme|hablar|hablamos|contactame"
    r"|avisame|recuerdame",
    r"(?:vc|voce|vcs|voces|ce) tem (?:um |uns )?(?:tempo|tempinho|minutos?|minutinhos?"
    r"|\d+ minutos?)(?! de\b)",
)
_THERE_IS = _any(
    r"(?<!\bi )(?<!\bsy )(?<!saya )(?<!aku )"
    r"(?:tem|existe|existem|ada|have|has|is there|are there|there is|there are)"
    r"(?: (?:a|an|any|uma|um|some))? (?:turmas?|aulas?|kelas|class|classes|courses?|cursos?"
    r"|vagas?|slots?|lessons?|sessions?|sesi|jadwal|batch|promo|diskon|desconto|trial"
    r"|webinar|events?|eventos?|acara)",
    # or open: "sabtu buka gak?", "vocês abrem sábado?", "are you open on saturday?"
    r"(?:buka|abrem|abre|abren|abierto|abiertos|aberto|abertos|(?:you|u) open|open on)",
)
"""Asks whether a class, a place or an offer is there ("vcs tem turma sábado?", "sabtu ada
kelas?") or the place is open ("sabtu buka gak?", "vocês abrem sábado?"): a question about
that day, not a time asked for; not the lead's own ("I have class till 2, tomorrow
3pm?")."""
_QUESTIONED = re.compile(r"[^,;:.!?\n]+(?=\?)")
"""A clause a question mark closes."""
_HOME = "|".join(done for dones in HOME_FROM_WORK.values() for done in dones)
_PROMISED = (
    r"(?:pay|transfer|send|call|text|message|ring|get|do|try|come|let|check|see|think|talk"
    r"|reply|answer|confirm|register|sign|join|book|love|like|prefer|rather|go|need|update"
    r"|contact|wait|buy|make|finish|look)"
)
"""A verb after "will" or "would" that opens a statement of the lead's own, its "I"
dropped as texts drop it: "will pay tomorrow", "would love to"."""
_QUESTION_WORDS = re.compile(
    r"^(?:berapa|gimana|bagaimana|apakah|apa|kapan|dimana|boleh|bisa|ada|caranya"
    r"|quanto|qual|quais|como(?! a las)|onde|quem|tem|pode|posso|o que|e o"
    # not when the lead is paid or home: "quando eu receber o salário", "when I get home"
    rf"|(?:quando|cuando|when)(?! (?:{PAYDAY}|{_HOME})\b)"
    r"|cuanto|cuanta|cuantos|cuantas|donde|adonde|cual|cuales|a que hora|por que|hay"
    r"|tienen|puedo|pueden|se puede|que (?:hora|horario|horarios|dia|dias|precio|costo"
    r"|incluye|necesito|requisitos|es|son)"
    r"|how|hows|what|whats|where|wheres|which|is|are|can|could|do|does"
    # not a statement with its "I" dropped: "will transfer tonight", "would love to"
    rf"|(?:will|would)(?! {_PROMISED}\b))\b"
    r"|\b(?:dimana|di mana|berapa|gimana|bagaimana|siapa)\b"
)

_YES = re.compile(
    r"(?:boleh|bisa|pode|posso|ada|tem|can|could)"
    r"(?: (?:kak|ka|kk|sim|ya|yaa|dong|deh|aja|saja|banget|bgt|lah|sih|claro|sure|mas|mba|mbak"
    r"|pak|bu|ok|oke|okay|do|yes|sis|bro|min))*"
)
"""A word that asks when it opens a question, said alone as a yes: "boleh kak", "pode
sim", "bisa dong"."""


READ_UP_TO = 500
"""The rules read a reply's first 500 characters or so (to the end of a word): what a lead
says of a follow-up they say first, and reading takes time growing with the square of
the length (a 4,000-character reply, within WhatsApp's limit, took half a minute). The
whole reply is still recorded, and Claude, when on, reads it whole."""


def classify(
    text: str, now: datetime, zone: ZoneInfo, *, opt_out_keywords: Iterable[str] = ()
) -> Detected:
    """The intent of one inbound `text` (its opening `READ_UP_TO` characters), with any
    requested time resolved in `zone`."""
    keywords = tuple(opt_out_keywords)
    if not said_besides(text, keywords).strip():
        return Detected(Intent.OTHER, 0.0)
    text = plain_words(_opening(text), now.astimezone(zone))
    message = normalise(text)
    worded = _QUESTION_WORDS.search(message) is not None and not _YES.fullmatch(message)
    asked = worded or "?" in text
    if _reached_someone_else(text, message):
        return Detected(Intent.WRONG_NUMBER, 0.9)
    done = any(_says_done(sentence) for sentence in _SENTENCES.findall(text))
    if done and not _STILL_OWED.search(message):  # not "I paid half, rest next week"
        return Detected(Intent.DONE, 0.9)
    refusal = _NOT_INTERESTED.search(message) or _ELSEWHERE.search(message)
    for_now = refusal is not None and _refused_for_now(message, refusal)
    # asked again then: "not interested right now, maybe in january"
    then = _asked_after_refusal(text, now, zone) if for_now else None
    if refusal and for_now and _POLITE_NO.fullmatch(refusal[0]):
        # "agora não, obrigado": not now, as "agora não" is
        return _call_back(then) if then else Detected(Intent.BUSY, 0.8)
    if refusal and not _NOT_REALLY.search(message[: refusal.start()]) and not _redirected(text):
        return _call_back(then) if then else Detected(Intent.NOT_INTERESTED, 0.9)
    no_need = _no_need(text, keywords, now, zone)
    if no_need == "refuses":
        return Detected(Intent.NOT_INTERESTED, 0.9)
    # "masih bisa daftar sampai jumat?": a deadline asked about, no time asked for
    until = "?" in text and _asks_until(text, message)
    contact = None if until else _CONTACT.search(message)
    if contact or not (worded or until or ("?" in text and _asks_what_there_is(text))):
        asked_for = _time_asked(text, message, now, zone)
        if asked_for is not None and not _refuses_day(text):
            return _call_back(asked_for)
    yours = _your_busy(message)
    lead_busy = (
        found
        for found in _BUSY.finditer(message)
        if not any(start <= found.start() < end for start, end in yours)
    )  # "if you're busy", "kalau kakak sibuk": the counsellor's, not the lead's
    busy = next(lead_busy, None)
    if busy and not _negated(message, busy.start(), _answered(text)):  # "I'm not busy"
        return Detected(Intent.BUSY, 0.8)
    if no_need == "defers":  # "no need to call today": put off, as a "not now" is
        return Detected(Intent.BUSY, 0.8)
    if asked:
        return Detected(Intent.QUESTION, 0.7)
    return Detected(Intent.OTHER, 0.0)


def _opening(text: str) -> str:
    """`text` to `READ_UP_TO` characters, cut after a word rather than within one."""
    if len(text) <= READ_UP_TO:
        return text
    cut = text[:READ_UP_TO]
    end = max(cut.rfind(" "), cut.rfind("\n"))
    return cut[:end] if end > READ_UP_TO // 2 else cut


def _call_back(at: datetime) -> Detected:
    """A call back asked for at `at`, a time in the lead's zone."""
    local = at.replace(tzinfo=None).isoformat(timespec="minutes")
    return Detected(Intent.CALL_BACK_AT, 0.85, at=at.astimezone(UTC), local=local)


_POLITE_NO = re.compile(
    r"nao obrigad[oa]|nao valeu|no (?:muchas )?gracias|no thanks|no thank you|nah thanks"
)
"""A no with thanks, which a time limit before it makes a "not now": "agora não, obrigado",
"ahorita no, gracias", "not now, no thanks"."""


def _refused_for_now(message: str, refusal: re.Match[str]) -> bool:
    """The `refusal` in the normalised `message` is limited in time (`_FOR_NOW`), said
    right after it or right before it: "not interested right now", "agora não tenho
    interesse", "no me interesa por ahora"."""
    after = " ".join(message[refusal.end() :].split()[:3])
    before = " ".join(message[: refusal.start()].split()[-3:])
    return _FOR_NOW.search(after) is not None or _FOR_NOW.search(before) is not None


def _asked_after_refusal(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The time asked for in the clauses of `text` after its first refusal ("not interested
    right now, maybe in january": January); a "but" parts them as a comma does ("not
    interested for now but call me next month")."""
    clauses = _CLAUSES.findall(_BUT.sub(", ", text))
    refusing = next(
        (
            n
            for n in range(len(clauses))
            if _NOT_INTERESTED.search(normalise(" ".join(clauses[: n + 1])))
        ),
        len(clauses),
    )  # the clause the refusal ends in: "agora não, obrigado" spans two
    rest = " ".join(clauses[refusing + 1 :])
    return _time_asked(rest, normalise(rest), now, zone) if rest.strip() else None


def _time_asked(text: str, message: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The time the message asks to be called at (`requested_time`), never in what one
    of its clauses only says no to (`said_no_to`: "not tomorrow", "amanhã não posso",
    "besok pagi gak bisa"): read without those clauses (a day kept where only a part of
    it was said no to, unless a later clause names a day), the time is then the one
    asked for after them ("not tomorrow, friday" is Friday, "besok pagi gak bisa, sore
    aja" tomorrow afternoon), or none; and when the message read whole asks for no time,
    so is a time asked for plainly after one said no to ("not today, maybe thursday";
    not "hoje não, amanhã tenho prova"), or a part of the day asked for after one said no
    to ("de manhã não posso, só à tarde"). A message with an hour said no to
    (`hour_said_no_to`: "not tomorrow at 3", "tomorrow at 3? no, the morning is better")
    is read only without it: read whole, its part of the day could move that hour."""
    today, hour_said = now.astimezone(zone).date(), names_an_hour(message)
    spans = _clause_spans(text)
    said = [(span, _BUT_OPENING.sub("", normalise(text[slice(*span)]))) for span, _ in spans]
    asked = [found.span() for found in _SENTENCES.finditer(text) if _asks(found[0])]
    timed = [
        span[0]
        for span, clause in said
        if days_named(clause) or names_an_hour(clause) or part_named(clause)
    ]
    clauses: list[tuple[tuple[int, int], SaidNo | None]] = []
    hour_no = False
    for index, ((span, clause), (_, answered)) in enumerate(zip(said, spans, strict=True)):
        after_no = bool(clauses) and clauses[-1][1] is not None
        in_question = _asked_of(span, asked, timed)
        plainly = not in_question and _plain(text[slice(*span)])
        after = text[span[1] :]
        # an hour another clause gives its own day is not this day's: "I can't tomorrow,
        # monday at 10" refuses tomorrow ("tomorrow I'm busy, at 3 is fine" may not)
        loose = hour_said and not all(
            days_named(other) or not names_an_hour(other)
            for n, (_, other) in enumerate(said)
            if n != index
        )
        loose |= names_an_hour(clause)
        no = said_no_to(clause, today, hour_said=loose, plainly=plainly, after_no=after_no)
        if no is None and hour_said and not after.lstrip().startswith("?"):
            no = hour_said_no_to(clause, today, normalise(after))
            hour_no |= no is not None
        if no is None and answered:  # "can you call tomorrow? no wait, friday"
            no = answered_no_to(clause, today, normalise(after))
            hour_no |= no is not None and names_an_hour(clause)
        clauses.append((span, no))
    refusal_asked = _refusal_asked(text)
    refusal = hour_refused(clause for _, clause in said)

    def read(message: str) -> datetime | None:
        return requested_time(message, now, zone, refusal_asked=refusal_asked, refusal=refusal)

    def refused(at: datetime | None) -> bool:
        local = at.astimezone(zone) if at is not None else None
        return local is not None and any(no.covers(local) for _, no in clauses if no is not None)

    asked_for = read(message)
    if all(no is None for _, no in clauses):
        return asked_for
    kept = text
    for index, ((start, end), no) in reversed(list(enumerate(clauses))):
        if no is not None:
            # the day kept unless a later clause names another: "friday afternoon is bad,
            # monday morning works" is Monday's
            later_day = any(days_named(clause) for _, clause in said[index + 1 :])
            kept = f"{kept[:start]} {'' if later_day else no.leaves} {kept[end:]}"
    rest = normalise(kept)
    # a part of every day said no to could move the hour asked for, read whole: "tomorrow
    # at 10? can't do afternoons" is not 22:00
    part_no = hour_said and any(no is not None and no.dates is None for _, no in clauses)
    if hour_no or part_no or refused(asked_for):
        asked_for = read(rest)
        if asked_for is not None and refused(asked_for) and not names_an_hour(rest):
            refusals = [no for _, no in clauses if no]
            asked_for = _past_refused(asked_for, rest, refusals, zone, today)
        return None if refused(asked_for) else asked_for
    # a part of the day alone is read as it is asked for: "de manhã não posso, só à tarde"
    part_alone = part_named(rest) is not None and not days_named(rest) and not hour_said
    return read(rest) if asked_for is None and (asks_only_a_time(rest) or part_alone) else asked_for


def _past_refused(
    at: datetime, rest: str, refusals: list[SaidNo], zone: ZoneInfo, today: date
) -> datetime | None:
    """The time `at` that the part of the day `rest` asks for begins with, or its day's
    morning when it names none, moved past the hours `refusals` say no to on its day while
    the part or the day lasts ("besok jam 3? ga, sore aja": the afternoon, past 15:00;
    "besok tapi jangan pagi": noon), else to the same time of the first day `rest` may
    also stand for that they leave ("next week, not monday": its Tuesday; "the weekend
    but not saturday": Sunday); None when there is none."""
    part = part_named(rest)
    local = at.astimezone(zone)

    def on(day: date, clock: time) -> datetime:
        return to_utc(datetime.combine(day, clock), zone).astimezone(zone)

    ends = [no.end for no in refusals if no.covers(local)]
    if not ends:
        return None
    if max(ends) < (part[1] if part else 24):
        return on(local.date(), time(max(ends)))
    later = (on(day, local.time()) for day in span_named(rest, today) if day > local.date())
    return next((at for at in later if not any(no.covers(at) for no in refusals)), None)


_BUT_WORDS = r"but|tapi|tp|mas|pero"
_BUT_OPENING = re.compile(rf"^(?:{_BUT_WORDS}) ")
"""A "but" that opens a clause, parted at it (`_parted_at_but`): "tomorrow, but not at 3"."""
_BUT = re.compile(rf"\s(?:{_BUT_WORDS})\s", re.IGNORECASE)
"""A "but" that parts a clause as a comma does: "gak bisa besok tapi jumat bisa"."""


def _parted_at_but(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """The clause of `text` from `start` to `end`, parted at each "but" in it."""
    cuts = [found.start() for found in _BUT.finditer(text, start, end)]
    bounds = [start, *cuts, end]
    return [(a, b) for a, b in pairwise(bounds) if text[a:b].strip()]


def _asked_of(span: tuple[int, int], asked: list[tuple[int, int]], timed: list[int]) -> bool:
    """The clause at `span` is in a sentence that asks (`asked`) and no clause after it
    there names a day, an hour or a part of the day (those starting at `timed`): the
    question is of that clause, not of this one ("I'm busy today, thursday?" asks of
    Thursday and says plainly that today is busy, "I'm out tonight, lunch?" asks of lunch;
    "I can't tomorrow, right?" asks of tomorrow)."""
    return any(
        start <= span[0] < end and not any(span[0] < other < end for other in timed)
        for start, end in asked
    )


def _asks(sentence: str) -> bool:
    """Whether `sentence` ends with a question mark."""
    return sentence.rstrip().endswith(("?", "？"))


def _clause_spans(text: str) -> list[tuple[tuple[int, int], bool]]:
    """Where each clause of `text` lies, and whether it is a question the lead answers
    themselves with a no, taken with that no as one clause ("tomorrow? no, friday" is
    "tomorrow no" and "friday"; "tomorrow? nah friday" the same), so it says no to what
    it asked."""
    spans = [
        part
        for found in _CLAUSES.finditer(text)
        for part in _parted_at_but(found.start(), found.end(), text)
    ]
    joined: list[tuple[int, int]] = []
    answered: set[int] = set()
    for start, end in spans:
        last = joined[-1] if joined else None
        asked = last is not None and text[last[1] : start].lstrip().startswith("?")
        said = opens_with_no(normalise(text[start:end])) if asked else 0
        if last is None or not said:
            joined.append((start, end))
            continue
        answered.add(len(joined) - 1)
        words = list(re.finditer(r"\S+", text[start:end]))
        cut = next(
            start + word.end()
            for word in words
            if len(normalise(text[start : start + word.end()]).split()) >= said
        )
        joined[-1] = (last[0], cut)
        if text[cut:end].strip():
            joined.append((cut, end))
    return [(span, n in answered) for n, span in enumerate(joined)]


def _reached_someone_else(text: str, message: str) -> bool:
    """The message says it reached someone else, in a sentence that asks nothing: a short
    one naming a wrong number ("salah nomor", "é engano"), or one of any length that says
    so plainly ("Sorry I think you have the wrong number, I don't know any Budi and never
    signed up for a course"). Not negated ("not the wrong number, I'm Rudi"), asked ("is
    this the wrong number to call for admissions?"), nor when the lead gives their own
    number in its place ("I gave the wrong number on the form, my new one is 0812...")."""
    if _OWN_NUMBER.search(message):
        return False
    short = len(message.split()) <= _WRONG_NUMBER_WORDS
    for sentence in _SENTENCES.findall(text):
        said = normalise(sentence)
        if sentence.rstrip().endswith("?") or _QUESTION_WORDS.search(said):
            continue
        if any(_WRONG_NUMBER_CLAUSE.fullmatch(normalise(c)) for c in _CLAUSES.findall(sentence)):
            return True
        for pattern in (_WRONG_NUMBER_STATED, _WRONG_NUMBER) if short else (_WRONG_NUMBER_STATED,):
            found = pattern.search(said)
            if found and not _negated(said, found.start()):
                return True
    return False


def _redirected(text: str) -> bool:
    """The lead turns down one option and takes another: "not interested in the weekend
    class, weekday is fine", "gak minat yang online, maunya offline", "não tenho interesse
    no curso online, só presencial". A refusal limited to one option with no other taken
    ("not interested in the course") is still a refusal."""
    clauses = _CLAUSES.findall(text)
    for index, clause in enumerate(clauses):
        said = normalise(clause)
        refusal = _NOT_INTERESTED.search(said)
        if refusal is None or _NARROWED.match(said, refusal.end()) is None:
            continue
        return any(
            _INSTEAD.search(normalise(later)) or later.strip().casefold().startswith("só ")
            for later in clauses[index + 1 :]
        )
    return False


def _refuses_day(text: str) -> bool:
    """The lead says they cannot or are busy on the one day they name: "I'm busy tomorrow",
    "gak bisa besok kak 🙏"; never in a question ("can't make it tomorrow?"), nor with a
    mark inside a clause that may part it as a comma does ("I'm busy - tomorrow", "não
    posso… amanhã", "busy 🙏 tomorrow")."""
    if "?" in text or "？" in text:
        return False
    clauses = _CLAUSES.findall(text)
    return all(_plain(clause) for clause in clauses) and refuses_day(
        [normalise(clause) for clause in clauses]
    )


def _refusal_asked(text: str) -> bool:
    """A clause a "?" closes says an hour or a day does not suit: "jam 3 gak bisa kak?",
    "3pm doesn't work for you?" ask it, not say it."""
    return any(says_cannot(normalise(clause)) for clause in _QUESTIONED.findall(text))


def _plain(clause: str) -> bool:
    """Between its first and last letter, `clause` holds only words and spaces, with an
    apostrophe or a hyphen within a word ("can't", "sexta-feira"); or it has no letter
    ("😅")."""
    inner = _ENDS.sub("", clause)
    return not inner or _PLAIN.fullmatch(inner) is not None


def _asks_what_there_is(text: str) -> bool:
    """The last clause a "?" closes asks whether a class, a place or an offer is there ("vcs
    tem turma sábado?"); another is what the lead has ("I still have class, tomorrow
    3pm?", "tomorrow 3pm? i still have class till 2")."""
    clauses = _QUESTIONED.findall(text)
    return bool(clauses) and _THERE_IS.search(normalise(clauses[-1])) is not None


_CALLING = _any(
    r"call|ring|phone|text|message|msg|remind|talk|chat|ping|liga|ligar|ligue|chama|manda"
    r"|fala|falar|conversa|avisa|lembra|telp|telpon|telepon|tlp|nelpon|ditelp|hubungi"
    r"|hubungin|kabari|kabarin|ingetin|ingatkan|wa|japri"
)
_DEADLINE_OF = _any(
    r"daftar|mendaftar|pendaftaran|registrasi|bayar|pembayaran|promo|promonya|diskon"
    r"|inscrever|inscricao|inscricoes|matricula|pagar|pagamento|promocao|desconto"
    r"|register|registration|apply|application|enroll|enrol|pay|payment|discount|offer"
)
"""What a deadline is asked about: registering, paying, an offer."""


_STILL = _any(r"masih|msh|ainda|still")
_TIME_GIVEN = _any(r"tunggu|wait|esperar|espera|give|kasih|retorna|dar|da um tempo|me da")
"""A lead asking for time ("bisa tunggu sampai senin?", "give me till friday?")."""


def _asks_until(text: str, message: str) -> bool:
    """The last clause a "?" closes asks whether registering, paying or an offer still
    holds until a day, the only day `message` names, with no hour nor a call asked for:
    "masih ada waktu daftar sampai jumat?", "ainda dá tempo de se inscrever até sexta?";
    not "me liga até sexta?", "masih sakit kak bisa diundur sampai senin?"."""
    clauses = _QUESTIONED.findall(text)
    asked = normalise(clauses[-1]) if clauses else ""
    return (
        _STILL.search(asked) is not None
        and _DEADLINE_OF.search(asked) is not None
        and _TIME_GIVEN.search(asked) is None
        and UNTIL_DAY.search(asked) is not None
        and days_named(message) == 1
        and re.search(r"\d", message) is None
        and _CALLING.search(message) is None
    )


def _says_done(sentence: str) -> bool:
    """The sentence tells it is done: paid, booked... ("udah transfer ya kak", "Não, já
    paguei": a "no" that answers before a comma negates nothing), not negated ("belum
    bayar"), asked ("sudah bayar belum", "already paid?", "is my seat booked?") nor said
    to have failed ("I paid but it didn't go through")."""
    said = normalise(sentence)
    done = _DONE.search(said)
    if done is None or _ASKED.search(said, done.end()):
        return False
    if _negated(said, done.start(), _answered(sentence)):
        return False
    if _failed(said, done.end()):
        return False  # "udah bayar tapi gagal": tried, not done
    if _ELSEWHERE.search(said):
        return False  # "sudah daftar di tempat lain": done, but not with us
    if _THEIRS.search(said[: done.start()]) or _OTHER_BOOKING.match(said, done.end()):
        return False  # "my friend already paid", "just booked a doctor appointment"
    if _OCCUPIED_BOOKED.search(said):
        return False  # "I'm fully booked today": busy
    return not sentence.rstrip().endswith("?") and _QUESTION_WORDS.search(said) is None


_THEIRS = re.compile(
    r"\b(?:my|his|her|our|their|minha|meu|mi|mis) (?:friends?|sisters?|brothers?|mom|mum"
    r"|mother|dad|father|parents|son|daughter|wife|husband|cousin|colleague|classmate|boss"
    r"|kids?|child|children|amigo|amiga|irma|irmao|mae|pai|hermana|hermano|mama|papa)"
    r"(?: \w+)? $"
)
"""Someone else said to have done it, right before what is done: "my friend already paid"
(and the lead has not), "mi hermana ya se inscribió"."""
_OTHER_BOOKING = re.compile(
    r"(?: \w+){0,3}? (?:a |an |the |my )?(?:doctor|dentist|appointment|flight|ticket|trip"
    r"|hotel|table|vacation|holiday|dinner|dokter|tiket|pesawat|medico|dentista|consulta"
    r"|voo|passagem|viagem|cita|vuelo|boleto|viaje)\b"
)
"""Something else booked or bought, right after it is said done: "I just booked a doctor
appointment", "sudah booking dokter", "já marquei médico", "ya reservé vuelo"."""
_OCCUPIED_BOOKED = re.compile(r"fully booked|booked (?:solid|up|all day|the whole day)")
"""Booked as a diary is: busy, not a booking made ("I'm fully booked today")."""


def _failed(said: str, after: int) -> bool:
    """After position `after`, `said` tells the payment or booking failed, and not that
    it then worked: "udah bayar tapi gagal", not "paid, no error" nor "the first try
    failed but now it's done"."""
    for failed in _FAILED.finditer(said, after):
        before = said[: failed.start()].split()
        if _negated(said, failed.start()) or (before and before[-1] in _WITHOUT):
            continue
        return _WORKED_AFTER.search(said, failed.end()) is None
    return False


def _your_busy(message: str) -> list[tuple[int, int]]:
    """Where `message` says "if you're busy" of the counsellor: naming them ("if you're
    busy", "kalau kakak sibuk", "se vc estiver ocupado"), or naming no one when the
    message asks to go ahead without the call ("ga usah telpon kalau lagi sibuk, kirim
    formnya aja"); naming no one and asking nothing, the busy is the lead's own."""
    going_ahead = any(
        not _negated(message, ahead.start()) for ahead in _GOING_AHEAD.finditer(message)
    )
    return [
        found.span()
        for found in _IF_YOU_ARE_BUSY.finditer(message)
        if found.group("you") or going_ahead
    ]


def _no_need(
    text: str, opt_out_keywords: tuple[str, ...], now: datetime, zone: ZoneInfo
) -> Literal["refuses", "defers"] | None:
    """Whether a "no need" refuses or only puts off, or neither. It is neither when it
    spares a courtesy ("no need to apologise"), or when after or before it the lead asks
    to proceed ("no need to call, just send me the form", "kirim formnya aja, ga usah
    telpon"). A go-ahead on a condition asks nothing: one in the same clause as a
    condition ("nanti saya chat aja kalau butuh", "I'll sign up if I'm ever interested"),
    or after a condition that follows the clause of the "no need" ("gausah kak, kalau
    butuh nanti saya daftar"). A polite "if you can" is no condition, nor is an "if
    you're busy". A "no need" left refusing only puts off when its clause names a time
    limit and is not for good ("ga usah telpon dulu" is, "ga usah hubungi lagi" is not),
    and nothing else in the message refuses (`_refuses_too`): a lead who refused is
    never nudged as busy; a clause that says the lead is busy counts as a time limit
    (`_for_now`), and so does a time asked for after it (`_asks_a_time`: "no need to
    call, do you have time tomorrow at 3?"). `text` is read clause
    by clause (" | " between them)."""
    clauses = [normalise(part) for part in _CLAUSES.findall(text)]
    message = " | ".join(clause for clause in clauses if clause)
    refusing = (n for n in _NO_NEED.finditer(message) if not _COURTESY.match(message, n.end()))
    no_need = next(refusing, None)
    if no_need is None or _NOT_REALLY.search(message, 0, no_need.start()):
        return None
    no_condition = [found.span() for found in _POLITE.finditer(message)]
    no_condition += _your_busy(message)
    conditions = [
        found.start()
        for found in _IF.finditer(message)
        if not any(start <= found.start() < end for start, end in no_condition)
    ]
    its_clause_starts, its_clause_ends = _clause(message, no_need.start())
    for ahead in _GOING_AHEAD.finditer(message):
        start, end = _clause(message, ahead.start())
        if _negated(message[start:], ahead.start() - start):
            continue  # "saya gak mau daftar"
        if _not_needed(message, no_need, ahead.start()):
            continue
        if any(start <= at < end for at in conditions):
            continue  # "nanti saya chat aja kalau butuh"
        if ahead.start() > no_need.end() and any(
            its_clause_ends <= at < ahead.start() for at in conditions
        ):
            continue  # "gausah kak, kalau butuh nanti saya langsung daftar"
        return None
    its_clause = message[its_clause_starts:its_clause_ends]
    asked = _asks_a_time(message[its_clause_ends:], now, zone)
    if not (asked or _for_now(message, its_clause_starts, its_clause_ends)):
        return "refuses"
    if _FOR_GOOD.search(its_clause):
        return "refuses"
    parts = _CLAUSES.findall(text)
    return "refuses" if _refuses_too(message, parts, opt_out_keywords, asked) else "defers"


def _asks_a_time(rest: str, now: datetime, zone: ZoneInfo) -> bool:
    """What follows a "no need" asks to be contacted at a time ("no need to call, do you
    have time tomorrow at 3?"): the "no need" puts the call off to then."""
    said = rest.replace(" | ", " ").strip()
    return _CONTACT.search(said) is not None and requested_time(said, now, zone) is not None


def _for_now(message: str, start: int, end: int) -> bool:
    """The clause of a "no need" from `start` to `end` is for now: it names a time limit
    ("ga usah telpon dulu"), or the clause after it, the message's last, only says the
    lead is busy now ("no need, I'm busy right now", "ga usah kak, lagi sibuk"), not for
    good nor more than that ("no need, I'm always busy", "no need, I'm too busy for
    this")."""
    if _FOR_NOW.search(message, start, end):
        return True
    if end >= len(message):
        return False
    following = message[end + 3 :].split(" | ", 1)[0].strip()
    last = " | " not in message[end + 3 :]  # "no need, busy. found a cheaper one" refuses
    return last and _BUSY_NOW_SAID.fullmatch(following) is not None


def _refuses_too(
    message: str, parts: list[str], opt_out_keywords: tuple[str, ...], asked: bool = False
) -> bool:
    """Besides a "no need" for now, the message (read clause by clause, its `parts` as
    written) refuses: another "no need" or a "don't call me" with no time limit or for
    good ("ga usah telpon skrg, udah ga butuh", "jgn hubungi sy lg"), a later clause
    making it for good ("or ever", "amanhã também não"), a clause that asks to stop or
    says no ("please remove my number", "não quero ser contatado", "i'm not intrested",
    or only "don't want it", "ga mau", `_SAYS_NO`)
    but not one that says it is not a no ("bukan ga minat"), a lead settled elsewhere or
    decided against ("I already got a job", "já resolvi"), or a contact the lead will
    make only if ever needed ("nanti aja klo butuh"), not an offer to the counsellor
    ("kalau perlu apa2 chat aja")."""
    refusing = [
        found
        for found in [*_NO_NEED.finditer(message), *_DO_NOT_CONTACT.finditer(message)]
        if not _COURTESY.match(message, found.end())
    ]
    for found in refusing:
        start, end = _clause(message, found.start())
        if not (asked or _for_now(message, start, end)) or _FOR_GOOD.search(message, start, end):
            return True
    if any(is_opt_out(part, opt_out_keywords) or _says_not_interested(part) for part in parts):
        return True
    if any(_SAYS_NO.fullmatch(clause.strip()) for clause in message.split(" | ")):
        return True
    if _SETTLED.search(message) or _NOR_LATER.search(message):
        return True
    return any(
        _LEAD_WILL_CONTACT.search(message, *_clause(message, needed.start()))
        for needed in _IF_NEEDED.finditer(message)
    )


def _says_not_interested(part: str) -> bool:
    """The clause `part` says no, unless it says it is not a no ("bukan ga minat", "não é
    que não tenho interesse", "it's not that I'm not interested")."""
    said = normalise(part)
    return any(
        not _NOT_REALLY.search(said, 0, found.start()) for found in _NOT_INTERESTED.finditer(said)
    )


def _clause(message: str, at: int) -> tuple[int, int]:
    """Where the clause holding position `at` of a message read clause by clause starts
    and ends."""
    start = message.rfind(" | ", 0, at)
    end = message.find(" | ", at)
    return (0 if start < 0 else start + 3), (len(message) if end < 0 else end)


def _not_needed(message: str, no_need: re.Match[str], at: int) -> bool:
    """What starts at `at` is the thing not needed ("ga usah kirim link", "no need to
    call or message me"): it follows the "no need" in its clause, with nothing between
    them but small words or an "or"."""
    if at < no_need.end() or "|" in message[no_need.end() : at]:
        return False
    between = message[no_need.end() : at].split()
    return all(word in _OBJECT for word in between) or any(word in _OR for word in between)


_NO_MORE = re.compile(r"\b(?:no longer|nao (?:(?:estou|to|ta|esta|sou|fico) )?mais) *$")
"""What says a state is over just before it: "I'm no longer busy", "não estou mais
ocupado"."""
_NOT_ES = re.compile(
    r"\bno (?:(?:estoy|estamos|ando|andamos)(?: (?:muy|tan))?|(?:es|era)(?: (?:el|la|un|una))?) *$"
)
"""A Spanish "no" before how the lead is or what it is: "no estoy ocupado", "no es el
número equivocado". Alone, a "no" may answer the message before ("No, ya pagué"), so it
negates nothing."""


def _answered(text: str) -> int:
    """How much of the normalised `text` a "no" answering the counsellor takes: the
    clauses that open it and hold only such words, each before a comma or a period ("Não,
    estou ocupado", "No. Estoy ocupada", "Nope, not yet. Busy now"); 0 when there are
    none. Such a "no" negates nothing after it, while "não estou ocupado" says the lead
    is not busy."""
    words: list[str] = []
    clause = _ANSWER_CLAUSE.match(text)
    while clause and set(said := normalise(clause[1]).split()) <= _ANSWERS:
        words += said
        clause = _ANSWER_CLAUSE.match(text, clause.end())
    return len(" ".join(words))


def _negated(message: str, start: int, answered: int = 0) -> bool:
    """True when one of the two words before `start` negates what follows, or they say it
    is over ("no longer busy"); the first `answered` characters, a "no" answering the
    counsellor (`_answered`), negate nothing, nor does a negator right before the word for
    "already" (`_ALREADY`: "nao ja paguei")."""
    before = message[answered:start]
    words = [*before.split()[-2:], next(iter(message[start:].split()), "")]
    return (
        any(word in _NEGATORS and then not in _ALREADY for word, then in pairwise(words))
        or _NO_MORE.search(before) is not None
        or _NOT_ES.search(before) is not None
    )
