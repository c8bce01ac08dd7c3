"""What counts as an opt-out: a keyword alone, or a short, clear request to stop messaging.

The whole message decides, or its closing clause, or its opening clause when it names
what to stop, never a word inside a clause: after case, accents, punctuation (also
between words with no space: "stop,please") and emoji are set aside, a word said twice in
a row is taken once ("STOP STOP"), a stop sign among words reads as "stop", and greetings
or politeness ("please", "tolong", "por favor", "thanks") are trimmed from either end,
what remains of the message, or of its last (or first) clause that says more than
politeness, must be exactly

- a built-in keyword (`BUILT_IN_KEYWORDS`, always on) or one the workspace added, or
- one of the request phrasings below ("stop sending me messages", "I don't want these
  texts", "berhenti kirim pesan", "gak usah chat lagi", "parar de enviar", "no me escribas
  más", "don't message me again", "I want to unsubscribe", "quiero darme de baja"), or
- stop signs only (🛑, ⛔).

A clause ends at a comma, a full stop, a semicolon, an exclamation or question mark, a new
line or an "and" ("dan", "e", "y"). A single word an "and" joins to a clause before it is
that sentence's verb, not a request ("el precio sube y baja", "vou pagar e sair"); after a
comma it closes the reply ("ya pagué, baja"), and a request of more words still does
("no me interesa y denme de baja"). A reply that closes with a request to stop opts out
("already paid, stop messaging me", "udah bayar, jangan chat lagi"), and what it says
before the request is still read for its intent (`said_besides`). So does one whose first
clause that says more than politeness is a request naming what to stop ("Stop messaging
me, I already paid", "jangan chat lagi ya, udah bayar", "parem de mandar mensagem, já
paguei"), what it says after being read; unless what follows asks to be sent something
("stop sending me promos, send me the price list"). A keyword or verb alone opening a
reply that goes on does not (`_LONE`: "Stop, I have a question", "STOP. what is the
price?", "jangan kirim, saya ambil sendiri"): it is as often a "wait" or said of a thing as
a request; unless what follows complains of being messaged at all (`_complaint`: "STOP!!!
I never signed up", "stop, who gave you my number?", "para, isso é spam"). Asking how to
stop the messages asks it in effect ("how do I stop these messages?", "como faço para
parar de receber mensagens?"); asking how with a verb alone ("how do I unsubscribe?", "how
do I cancel?") stays a question, for a person to answer.
Asking for a request that names what to stop asks it too ("can you stop sending me
messages?", "bisa berhenti kirim pesan?", "pode me tirar dessa lista"; "can you cancel?"
does not). Indonesian chat's short spellings are read as their words ("jgn chat sy lg").
Anything longer or different stays a normal reply: "please don't stop", "don't stop
sending me updates", "if you stop messaging me I'll never know", "stop by tomorrow?", "ok,
stop by tomorrow?", "can't stop thinking about the course", "jangan berhenti", "cancel my
booking", "¿cómo me
doy de baja?".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

BUILT_IN_KEYWORDS = (
    "STOP", "BERHENTI", "PARAR", "BAJA", "UNSUBSCRIBE", "CANCEL", "Stop promotions"
)  # fmt: skip
"""Always opt out, whatever the settings say; Meta's marketing opt-out button sends the last
(a template in another language labels it as a request: "Hentikan promosi", "Detener
promociones", read by `_PHRASES`).
Each is the whole message or its closing clause, never a word inside one ("baja el
precio?") nor one an "and" joins to the clause before ("el precio sube y baja")."""

_STOP_SIGNS = frozenset("🛑⛔")
_SIGNS_AS_WORDS = str.maketrans(dict.fromkeys(_STOP_SIGNS, " stop "))
_BETWEEN_LETTERS = re.compile(r"(?<=[^\W\d_])[^\w\s]+(?=[^\W\d_])")
"""Punctuation joining two words with no space ("stop,please", "STOP.Thanks"); not between
digits, so a time such as "10.30" stays one."""
_CLAUSE_END = re.compile(r"[,;.!?\n]+|(?<![\w'’-])(?:and|dan|e|y)(?![\w'’-])", re.IGNORECASE)
"""What ends a clause: punctuation closing it, a new line, or an "and" ("dan", "e", "y")."""
_VARIATION = "\ufe0f"
_APOSTROPHES = str.maketrans({"'": "", "’": "", "`": "", "´": "", "-": " "})

_POLITE = {
    # English
    "please", "pls", "plz", "kindly", "thanks", "thank you", "thx", "ok", "okay",
    "sorry", "hi", "hello", "just", "already", "but", "bro", "sis", "mate", "dude",
    # Indonesian
    "tolong", "mohon", "ya", "yah", "aja", "saja", "dong", "deh", "sih", "kak", "pak", "bu",
    "min", "admin", "terima kasih", "makasih", "trims", "sudah", "udah", "oke", "tapi",
    "gan", "bang", "mbak",
    # Portuguese
    "por favor", "pf", "pfv", "obrigado", "obrigada", "valeu", "ja", "oi", "ola", "mas",
    # Spanish
    "porfa", "porfavor", "xfa", "gracias", "muchas gracias", "hola", "pero", "disculpa",
    "disculpe",
}  # fmt: skip

_EN_ME = r"(?: (?:me|us))?"
_EN_MORE = (
    r"(?: (?:again|anymore|any more|messages|message|msgs|msg|texts|more|ever|promos|promo|"
    r"promotions|offers|ads|marketing|spam|notifications|reminders|these|this|stuff|"
    r"whatsapp|whatsapps|to me|to us|to this number|this number|from you|from u))*"
)
_ID_MORE = r"(?: (?:saya|aku|gue|lagi|pesan|promo|promosi|ke saya|ke nomor ini|ya))*"
_PT_MORE = (
    r"(?: (?:mais|mensagens|mensagem|msgs|msg|essas|estas|suas|as|nada|para mim|pra mim|"
    r"promocoes|promocao|propagandas|propaganda))*"
)
_ES_MORE = r"(?: (?:mas|mensajes|mensaje|nada|promociones|ofertas|por aqui|por favor))*"
_SHORT = {"jgn": "jangan", "sy": "saya", "lg": "lagi", "lgi": "lagi", "gw": "gue"}
"""Indonesian chat's short spellings, read as the words they stand for: "jgn chat sy lg"
is "jangan chat saya lagi"."""

_PHRASES = (
    # English
    r"(?:stop|cancel|unsubscribe|unsub|opt out|optout|opt me out)"
    r"(?: me)?(?: from (?:this|these|here|it|all|everything|the list|your list|this list))?",
    r"stop (?:all|everything|it)",
    r"(?:unsubscribe|unsub)(?: me)? (?:all|everything)",
    r"cancel (?:my |the |this )?subscription",
    r"(?:i )?(?:dont|do not) want (?:to (?:receive|get) )?(?:any )?(?:more )?"
    r"(?:(?:these|this|your|the|any) )?(?:messages|message|texts|msgs|promotions|promos)"
    + _EN_MORE,
    r"(?:stop|quit) (?:sending|messaging|msging|texting|contacting|spamming|emailing|"
    r"bothering|writing to|receiving|getting)" + _EN_ME + _EN_MORE,
    r"stop (?:the |these |your |all |all the )?(?:marketing |promotional |promo )?"
    r"(?:messages|message|texts|msgs|msg|spam|promotions|promos|notifications|marketing|"
    r"reminders|offers|ads)",
    r"stop send(?: me| us)? (?:any )?(?:messages|message|msgs|msg|texts|promos|promo|"
    r"promotions|spam|anything)" + _EN_MORE,
    r"(?:dont|do not|never) (?:message|text|contact|spam|email|bother|write to) (?:me|us)"
    + _EN_MORE,
    r"(?:dont|do not|never) send (?:me |us )?(?:any )?(?:more )?"
    r"(?:messages|message|texts|msgs|anything|these|this)" + _EN_MORE,
    r"(?:i )?(?:want to|wish to|would like to|d like to|id like to) (?:unsubscribe|opt out)",
    r"(?:(?:remove|delete) (?:me|my number|my contact)(?: from)?|take me off)"
    r"(?: (?:this|the|your) (?:list|mailing list|contacts|database))?",
    r"no more (?:messages|texts|msgs|spam|promotions|promos|promo|offers|ads)(?: please)?",
    r"leave me alone",
    # Indonesian
    r"(?:berhenti|stop|setop|hentikan|stopkan)"
    r" (?:kirim|mengirim|kirimi|ngirim|mengirimi|chat|sms|wa|pesan|promo|promosi|spam|hubungi|"
    r"menghubungi|berlangganan|langganan)" + _ID_MORE,
    r"jangan (?:kirim|kirimi|mengirim|ngirim|hubungi|menghubungi|chat|sms|wa|wa2|ganggu|spam)"
    + _ID_MORE,
    r"(?:(?:gak|ga|gk|nggak|ngga|tidak|tdk|ndak) usah|gausah|gaush|ngga usah)"
    r" (?:chat|sms|wa|spam)(?: (?:saya|aku|gue))? lagi" + _ID_MORE,
    r"(?:saya |aku )?(?:mau|ingin|minta|pengen) (?:berhenti|stop|unsubscribe|"
    r"berhenti berlangganan)",
    r"(?:saya |aku )?(?:tidak|nggak|gak|ga|enggak) (?:mau|ingin) (?:dihubungi|dikirimi pesan|"
    r"menerima pesan|terima pesan)(?: lagi)?",
    r"hapus (?:nomor saya|saya)(?: dari (?:daftar|list))?",
    # Portuguese
    r"(?:parar|pare|parem|para) de (?:me )?(?:enviar|mandar|receber|mensagens|contatar|"
    r"incomodar)" + _PT_MORE,
    r"(?:parar|pare|parem|para)(?: (?:as |com as )?(?:mensagens|promocoes))?",
    r"(?:para|pare|parem) com (?:isso|essas mensagens|as mensagens)",
    r"chega de (?:mensagem|mensagens|msg|msgs|promocao|promocoes|propaganda|spam)",
    r"nao (?:manda|mande|mandem|envia|envie|enviem) mais" + _PT_MORE,
    r"(?:eu )?nao (?:quero|desejo) (?:mais )?(?:receber|ser contatado|ser contactado|"
    r"mensagens|contato)" + _PT_MORE,
    r"nao me (?:envie|mande|enviem|mandem|envia|manda|contate|procure)" + _PT_MORE,
    r"(?:(?:eu )?(?:quero|queria|gostaria de) )?(?:cancelar|descadastrar|descadastre|sair|"
    r"remover)(?: (?:inscricao|assinatura|me|minha inscricao|da lista|dessa lista|desta lista|"
    r"mensagens))?",
    r"(?:eu )?(?:quero|queria|gostaria de) me (?:descadastrar|remover|retirar)"
    r"(?: (?:da|dessa|desta) (?:sua )?lista)?",
    r"me (?:tire|tira|tirar|remova|remove|remover|retire|retira|retirar|exclua|exclui|excluir|"
    r"descadastre|descadastra|descadastrar)"
    r" (?:da|dessa|desta) (?:sua )?lista",
    # Spanish
    r"(?:dejen|deja|deje|dejar) de (?:enviar|mandar|escribir|contactar|molestar)(?:me|nos)?"
    + _ES_MORE,
    r"(?:dejen|deja|deje|dejar) de recibir (?:mensajes|mensaje|promociones|ofertas)" + _ES_MORE,
    r"(?:detener|detengan|deten|detenga)(?: (?:las|los|sus|tus))? (?:promociones|mensajes)"
    + _ES_MORE,
    r"no (?:me |nos )?(?:escribas|escriban|escriba|mandes|manden|mande|envies|envien|envie|"
    r"contactes|contacten|contacte|molestes|molesten)" + _ES_MORE,
    r"(?:yo )?no quiero (?:(?:recibir|que me (?:escriban|manden|envien|contacten)) )?(?:mas )?"
    r"(?:mensajes|mensaje|promociones)" + _ES_MORE,
    r"(?:yo )?no quiero que me (?:escriban|escribas|manden|mandes|envien|contacten)" + _ES_MORE,
    r"(?:(?:yo )?quiero )?(?:darme|me doy|dame|denme|deme) de baja"
    r"(?: de (?:la|esta|su|tu) lista| de los mensajes)?",
    r"baja de (?:la|esta|su|tu) lista",
    r"no (?:quiero )?mas (?:mensajes|mensaje|promociones|ofertas|spam)(?: por favor)?",
    r"(?:(?:yo )?quiero )?(?:cancelar|anular) (?:mi |la )?suscripcion",
    r"(?:(?:yo )?quiero )?(?:desuscribirme|desuscribir|desuscribanme|desuscribeme)"
    r"(?: de (?:la|esta|su|tu) lista)?",
    r"(?:ya )?basta de (?:mensajes|mensaje|promociones|spam)",
    r"(?:eliminenme|eliminame|elimineme|borrenme|borrame|saquenme|sacame|quitenme|quitame)"
    r" de (?:la|esta|su|tu|sus|tus) (?:lista|listas|base de datos|contactos)",
)


@cache
def _request() -> re.Pattern[str]:
    """Every phrase above as one pattern, compiled with the first message read (about 5 ms,
    which no handler should pay as it loads)."""
    return re.compile("|".join(f"(?:{phrase})" for phrase in _PHRASES))


_LONE = re.compile(
    r"(?:stop|cancel|unsubscribe|unsub|opt out|optout)(?: (?:me|it|all|everything))?"
    r"|(?:saya |aku )?(?:mau|ingin|minta|pengen) (?:berhenti|stop)"
    r"|jangan (?:kirim|kirimi|mengirim|ngirim|ganggu)"
    r"|nao me (?:envie|mande|enviem|mandem|envia|manda)"
    r"|(?:parar|pare|parem|para)"
    r"|(?:(?:eu )?(?:quero|queria|gostaria de) )?(?:cancelar|descadastrar|descadastre|sair|"
    r"remover)(?: (?:me|inscricao|assinatura|minha inscricao))?"
    r"|baja|(?:(?:yo )?quiero )?(?:darme|me doy|dame|denme|deme) de baja"
)
"""Requests that name nothing to stop: a verb alone ("stop", "cancel", "stop it"), or one
that may be said of a thing or a moment ("jangan kirim": don't send it, "jangan ganggu":
don't disturb, "não me manda", "cancelar inscrição"). They ask to stop when they are the
whole message or close it, never when they open one that goes on ("Stop, I have a
question", "jangan kirim, saya ambil sendiri")."""
_HOW = re.compile(
    r"(?:how (?:do|can|could|should) (?:i|we)|how to|(?:gimana|bagaimana|gmn) cara(?:nya)?"
    r"|caranya|como (?:eu )?(?:faco|posso|consigo)(?: (?:para|pra))?|como) "
)
"""What asks how to do what follows: "how do I", "gimana caranya", "como faço para"."""
_CAN_YOU = re.compile(
    r"(?:(?:can|could|would|will) (?:you|u)|bisa(?:kah)?|(?:voce |vc )?(?:pode|poderia)"
    r"|(?:me )?(?:puedes|puede|pueden|podrias|podria))(?: (?:please|pls|plz|tolong|mohon))? "
)
"""What asks someone to do what follows: "can you", "bisa tolong", "pode", "me puedes"."""
_EN_SIGNED = (
    r"(?:i |we )?(?:never|did not|didnt|have not|havent) (?:signed up|sign up|subscribed|"
    r"subscribe|registered|register|asked|ask|agreed|agree|opted in|opt in)"
    r"(?: (?:for|to) (?:this|these|that|it|them|anything|any of this|this list|messages|"
    r"your messages|be contacted|receive (?:this|these|them|messages)))?"
    r"|(?:i |we )?(?:never|did not|didnt) (?:gave|give) (?:you )?(?:my number|consent|permission)"
)
_COMPLAINTS = (
    _EN_SIGNED,
    r"(?:(?:this is|this|its|thats|that is|so much|such|pure) )?(?:spam|scam)|spammer",
    r"(?:who|how did you|where did you) (?:gave|give|get|got)(?: you)? (?:my|this) "
    r"(?:number|phone number|contact|details|data)",
    r"i dont know (?:you|who you are|who this is)|wrong number|leave me alone",
    r"(?:saya |aku |gue |gw )?(?:tidak|gak|nggak|ga|enggak|ngga|gk|belum) pernah "
    r"(?:daftar|mendaftar|subscribe|minta)(?: (?:apa apa|apapun|ini|di sini|disini))?",
    r"(?:ini |dasar )?(?:spam|penipu|penipuan)",
    r"(?:dapat|dapet) nomor (?:saya|aku|gue|gw|ini) dari (?:mana|siapa)",
    r"(?:siapa|siapa yang) (?:kasih|ngasih|memberi) nomor (?:saya|aku|gue|gw)",
    r"salah (?:nomor|sambung|orang)|(?:saya |aku |gue )?(?:tidak|gak|nggak|ga) kenal",
    r"(?:eu )?nunca (?:me )?(?:cadastrei|inscrevi|registrei|registre|suscribi|inscribi|"
    r"autorizei|autorice)(?: (?:nada|nisso|nisto|en esto|a nada))?",
    r"(?:isso|isto|esto|eso) (?:e|es) (?:spam|golpe|estafa)",
    r"(?:quem|quien) (?:te |lhe |les |le )?(?:deu|passou|dio|paso) (?:o )?(?:meu|mi) "
    r"(?:numero|contato|contacto)",
    r"(?:onde|de donde) (?:voce |vc |voces )?(?:conseguiu|pegou|conseguiram|pegaram|sacaron|"
    r"sacaste|consiguieron|consiguio) (?:o )?(?:meu|mi) (?:numero|contato|contacto)",
    r"numero (?:errado|equivocado)|(?:eu )?nao (?:te |lhe |os |a )?conheco",
    r"no (?:te |lo |los |la )?conozco|(?:me )?deixa(?:me)? em paz|dejame en paz",
)


@cache
def _complaint() -> re.Pattern[str]:
    """Complaints about being messaged at all, one or more in a row: "I never signed up",
    "this is spam, who gave you my number?", "saya tidak pernah daftar", "nunca me
    cadastrei", "esto es spam". After a keyword or verb alone they make it a request to stop
    ("STOP!!! I never signed up"), which a question would not ("STOP. what is the price?"),
    nor a complaint about something else ("cancel, I never asked for the evening class")."""
    return re.compile("(?:{0})(?: (?:{0}))*".format("|".join(f"(?:{c})" for c in _COMPLAINTS)))


_SEND_ME = re.compile(
    r"(?<!dont )(?<!not )(?<!never )\b(?:send|text|message|call|email|whatsapp|dm) (?:me|us)\b"
    r"|(?<!jangan )\b(?:kirim|kirimin|kirimkan|kirimi)\b(?: \w+){0,3} (?:aja|saja|dong)\b"
    r"|(?<!nao )\bme (?:manda|mande|envia|envie|liga|ligue|chama|passa|passe)\b"
)
"""What asks to be sent something: "send me the price list", "kirim jadwalnya aja", "me
manda o horário"; not when negated ("don't call me either")."""


def normalise(text: str) -> str:
    """Case, accents, apostrophes, hyphens, surrounding punctuation/emoji and spacing do
    not matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_APOSTROPHES))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = _BETWEEN_LETTERS.sub(" ", letters).split()
    stripped = [_strip_symbols(word) for word in words]
    return " ".join(word for word in stripped if word)


def _strip_symbols(word: str) -> str:
    start, end = 0, len(word)
    while start < end and not word[start].isalnum():
        start += 1
    while end > start and not word[end - 1].isalnum():
        end -= 1
    return word[start:end]


_NOW = ("right now", "now", "sekarang", "agora", "ahora", "ahorita")
"""Time words. After a plain request they change nothing ("stop now"). After a "don't"
one they make it "not now" ("don't text me now", "jangan kirim pesan sekarang", "não me
mande mensagem agora", "no me escribas ahora"): busy, not an opt-out."""
_NEGATED = re.compile(r"(?:dont|do not|never|jangan|nao me|no me) ")


def _trim_polite(message: str) -> str:
    """Drop greetings and politeness from both ends: "please stop, thanks" → "stop"."""
    words = message.split()
    changed = True
    while changed and words:
        changed = False
        for size in (2, 1):
            if " ".join(words[:size]) in _POLITE and len(words) > size:
                words, changed = words[size:], True
                break
            if " ".join(words[-size:]) in _POLITE and len(words) > size:
                words, changed = words[:-size], True
                break
    return " ".join(words)


def is_opt_out(text: str, extra_keywords: Iterable[str] = ()) -> bool:
    """True for an opt-out request, alone, closing a reply or, naming what to stop, opening
    one: "Stop!", "please stop sending me messages", "already paid, stop messaging me" and
    "stop messaging me, I already paid" yes, "please don't stop" and "Stop, I have a
    question" no. `extra_keywords` add to the built-in ones, never replace them."""
    keywords = _keywords(extra_keywords)
    return (
        _is_request(text, keywords)
        or _before_closing_request(text, keywords) is not None
        or _after_opening_request(text, keywords) is not None
    )


def said_besides(text: str, extra_keywords: Iterable[str] = ()) -> str:
    """What `text` says besides its request to stop: nothing for a message that is one
    ("STOP"), what comes before for one that closes with it ("already paid," of "already
    paid, stop messaging me"), what comes after for one that opens with it ("I already
    paid" of "stop messaging me, I already paid"), all of it for a message that is no
    opt-out."""
    keywords = _keywords(extra_keywords)
    if _is_request(text, keywords):
        return ""
    before = _before_closing_request(text, keywords)
    if before is not None:
        return before
    after = _after_opening_request(text, keywords)
    return text if after is None else after


def _keywords(extra_keywords: Iterable[str]) -> set[str]:
    return {normalise(k) for k in (*BUILT_IN_KEYWORDS, *extra_keywords)} - {""}


def _before_closing_request(text: str, keywords: set[str]) -> str | None:
    """What comes before the request to stop that closes `text` ("already paid," of
    "already paid, stop messaging me"); None when its closing clause is no request. A
    single word an "and" joins to what comes before is that sentence's verb, not a request
    ("el precio sube y baja", "vou pagar e sair"); one that says more still asks ("no me
    interesa y denme de baja")."""
    before, closing, joined = _closing_clause(text)
    if not closing or not _is_request(closing, keywords):
        return None
    if joined and len(_trim_polite(normalise(closing)).split()) < 2:
        return None
    return before


def _closing_clause(text: str) -> tuple[str, str, bool]:
    """The last clause of `text` that says more than politeness ("stop messaging me" of
    "already paid, stop messaging me, thanks"), what comes before it, the punctuation
    that ended the clause before kept and an "and" left out ("already paid,"), and whether
    an "and" joins it to a clause before that says more than politeness ("sube y baja",
    not "thanks and unsubscribe"). No clause for a message of one clause."""
    ends = list(_CLAUSE_END.finditer(text))
    end = len(text)
    for index in reversed(range(len(ends))):
        found = ends[index]
        clause = text[found.end() : end]
        if _says_more(clause):
            if not found.group()[0].isalpha():
                return text[: found.end()].rstrip(), clause, False
            start = ends[index - 1].end() if index else 0
            joined = _says_more(text[start : found.start()])
            return text[: found.start()].rstrip(), clause, joined
        end = found.start()
    return text, "", False


def _says_more(clause: str) -> bool:
    """`clause` says more than politeness."""
    said = normalise(clause)
    return bool(said) and _trim_polite(said) not in _POLITE


def _after_opening_request(text: str, keywords: set[str]) -> str | None:
    """What follows the request that opens `text`, when that request names what to stop
    ("I already paid" of "stop messaging me, I already paid"), or is a keyword or verb
    alone followed by a complaint about being messaged ("I never signed up" of "STOP!!! I
    never signed up"). None when the first clause that says more than politeness is no
    such request ("Stop, I have a question"), when nothing follows it, or when what
    follows asks to be sent something ("stop sending me promos, send me the price list")."""
    start = 0
    for found in _CLAUSE_END.finditer(text):
        if _says_more(text[start : found.start()]):
            opening, after = text[start : found.start()], text[found.end() :].strip()
            if not after or _SEND_ME.search(normalise(after)):
                return None
            named = _is_request(opening, keywords, lone=False)
            complains = _complaint().fullmatch(_trim_polite(normalise(after))) is not None
            return after if named or (complains and _is_request(opening, keywords)) else None
        start = found.end()
    return None


def _is_request(text: str, keywords: set[str], *, lone: bool = True) -> bool:
    """The whole of `text` asks to stop: stop signs alone, a keyword or a request, or
    with `lone` false only a request that names what to stop (not `_LONE`)."""
    signs = "".join(text.split()).replace(_VARIATION, "")
    if lone and signs and set(signs) <= _STOP_SIGNS:
        return True
    readings = (normalise(text), normalise(text.translate(_SIGNS_AS_WORDS)))
    return any(_asks_to_stop(message, keywords, lone) for message in readings)


def _asks_to_stop(message: str, keywords: set[str], lone: bool) -> bool:
    if not message:
        return False
    if lone and message in keywords:
        return True
    words = [_SHORT.get(word, word) for word in message.split()]
    once = " ".join(w for i, w in enumerate(words) if i == 0 or w != words[i - 1])
    request = _trim_polite(once)
    for now in _NOW:
        if request.endswith(f" {now}"):
            request = request.removesuffix(f" {now}")
            if _NEGATED.match(request):
                return False  # not now
            request = _trim_polite(request)
            break
    if lone and (once in keywords or request in keywords or _request().fullmatch(request)):
        return True
    how = _HOW.match(request)
    asked = request[how.end() :] if how else ""  # "how do I stop these messages"
    can = _CAN_YOU.match(request)
    wanted = request[can.end() :] if can else ""  # "can you stop sending me messages"
    return any(_names_what_to_stop(said) for said in (request, asked, wanted))


def _names_what_to_stop(request: str) -> bool:
    """`request` asks to stop and names what ("stop messaging me", "jangan chat lagi"), not
    with a verb alone ("stop", "stop it")."""
    return _request().fullmatch(request) is not None and _LONE.fullmatch(request) is None
