"""The local date and time a reply asks to be contacted at: "besok jam 10", "amanhã às 14h",
"mañana a las 10".

Leads' words for days, hours and parts of the day (Indonesian, Portuguese, Spanish,
English, with their usual abbreviations) are rewritten into one plain English phrase
("tomorrow 10:00", "next monday 09:00", "in 2 hours") that `dateparser` resolves against
the contact's local "now" ("in 2 hours" is counted in real hours instead). Defaults, so
every answer is one time:

- a day without an hour means 09:00 that day;
- morning words (pagi, cedo, manhã, por la mañana, morning) mean 09:00, midday 12:00,
  siang 13:00, afternoon (sore, tarde) 15:00, evening (malam, noite, noche, tonight)
  19:00; a Spanish "mañana" is tomorrow, unless "la" makes it the morning ("mañana por
  la mañana" is tomorrow at 09:00);
- an hour from 1 to 6 with no am/pm or part of the day is taken in the afternoon
  ("jam 2" is 14:00): nobody asks to be called at 2 at night;
- a part of the day with no hour names a time when asked for as one: "call me this
  evening", "me liga à noite", "sore aja"; "this evening" (malam ini, hoje à noite,
  esta noche, tonight) is today's, soon when it has begun and none once it is over, "in
  the evening" the next one;
- a greeting ("selamat pagi", "boa noite", "good evening", "pagi kak", "Morning! call
  me...") names no part of the day, so it moves no hour asked for; nor does a part of the
  day said away from the day or hour asked for, or spoken of ("udah malem", "kerja sampe
  malam"); of parts asked for alone, the one after the asking word wins ("trabalho à
  noite, me liga de manhã"), and one refused asks for nothing ("malam ini gak bisa");
- an hour that happened or is now ("kemarin jam 3", "udah jam 5", "já são 3 horas", "I
  called at 3") is no hour asked for;
- an hour said as it is spoken is that hour: "half past 3", "quarter to 1", "3 e meia",
  "setengah 3" (half way to three: 2:30), "after 5", "jam 10an", "around 11" (beside a
  day, a part of the day or an asking word), "por volta das 10"; "in an hour", "setengah
  jam lagi", "em meia hora", "give me 10 minutes" count from now; days count from today
  ("in 2 days", "give me 3 days", "2 hari lagi", "daqui a 2 dias", "in a fortnight",
  "daqui a quinze dias": that day, at 09:00
  unless an hour is said), not days until something happens ("the course starts in 2
  weeks"); times of prayer are parts of the day (dzuhur 13:00, ashar 15:00, maghrib and
  isya 19:00), and so are noon ("ao meio-dia") and after lunch (13:00: "call me after
  lunch", "depois do almoço", "abis makan siang"), after work or dinner (19:00) and after
  school or class (15:00);
- "next week" (minggu depan, semana que vem, la semana que viene, the following week,
  minggu berikutnya, a semana seguinte, la semana siguiente) means next Monday, and
  so does after the weekend, unless a weekday is said with it ("minggu depan hari rabu",
  "wednesday next week": that day of next week); the week after next (minggu depannya
  lagi, a semana depois da que vem, after next week) is the Monday after, and a weekday
  said with it that day of it; the weekend (akhir pekan, fim de semana,
  final de semana, fin de semana) is its Saturday, its Sunday once Saturday's hour is
  past, the next one's once it is over; a weekend wished well ("have a nice weekend", "bom
  fim de semana") is none;
- the end of the month (akhir bulan, fim do mês, fin de mes) is its last day, next
  month's once that day's hour is past; next month or its start (bulan depan, early next
  month, mês que vem) is the 1st of next month;
- a date ("on the 30th", "tanggal 30", "dia 30", "30 November", "dec 2", "2 de
  dezembro") wins over a weekday: the next such date, this month or this year when it
  is still to come at the hour asked, else the next; a day of the month no month has
  is no time;
- a number that counts something is no hour nor day ("quero saber sobre as 3 aulas", "a
  las 3 clases", "the 3 classes", "after 3 lessons"); after "jam" it is the hour ("jam 3
  kelas" is class at 3);
- a time already past today with no day named means the next day; a weekday named on
  that same weekday is today while the hour asked is still to come (as a date is), else a
  week later, and a week later when the next one is said ("next tuesday", "selasa
  depan", "terça que vem", "el próximo martes"); nothing is ever before "now";
- a day gone by ("yesterday at 10", "kemarin jam 3", "ontem às 15h") names no time, unless
  a day to come is named too ("kemarin sibuk, besok jam 10 ya"): it is what happened, not
  a call back;
- a day or an hour the lead asks not to be contacted at ("don't call me tomorrow",
  "jangan telpon besok") is none; what is asked for after it is read instead;
- an English day written with "'s" is that day when what follows takes it or names its
  time ("tomorrow's good", "Monday's ok at 3"): `plain_words` drops the "'s" before the
  apostrophe is lost and "tomorrows" names none.

The send window is applied later by the scheduler, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from functools import lru_cache, partial
from importlib import resources
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

from followup.domain.localtime import to_utc
from followup.loading import loading

MORNING_HOUR = 9
SMALL_HOURS = 5
"""The hour "subuh", "dini hari" or "madrugada" alone names; an hour said with one of them
is before noon ("jam 4 dini hari", "5 da madrugada")."""
"""The hour a morning word or a bare day stands for."""

TOMORROW_EN = (
    r"tomorrow|tomorow|tommorow|tommorrow|tomorrw|tomoro|tomorro|tmrw|tmrow|tmr|tmw|2moro"
    r"|2morrow|2mrw|2mro"
)
""""Tomorrow" as leads write it: in full, misspelt or texted ("tmrw", "2morrow")."""

_NOT_SAID_OF = "".join(f"(?<!{who} )" for who in ("i", "we", "he", "she", "they", "you", "the"))
"""Not right after who or "the": "I sat my exam", "the sun", not Saturday or Sunday."""
_AS_A_DAY = (
    r"(?= (?:(?:at|around|after|before|morning|afternoon|evening|night|noon|is|works?|ok"
    r"|okay|or|and|then|instead|better|good|fine|pls|please)\b|\d)|$)"
)
"""After "wed", what makes it Wednesday, not "we'd" ("we'd be 15 students")."""
_SHORT = (
    r"(?= (?:as|a|de|da|pela|pagi|siang|sore|malam|malem|jam|jm|pukul|pkl|manha|tarde|noite"
    r"|cedo)\b| \d)"
)
"""After a weekday written short in Portuguese or Indonesian ("seg", "qui", "sen", "jum"),
what makes it the day: an hour or a part of the day ("seg às 10", "sen pagi")."""
_WEEKEND = r"weekends?|akhir pekan|akhir minggu|fim de semana|final de semana|fin de semana|finde"
_AFTER_SATURDAY = "(?:(?<=sabtu )|(?<=sabtu dan )|(?<=sabtu atau )|(?<=sabtu sama ))"
"""Before "minggu" (a week), what makes it Sunday: "sabtu minggu", "sabtu dan minggu"."""
_DAYS = {
    "tomorrow": rf"besok|bsk|besuk|bsok|{TOMORROW_EN}|amanha|amnh"
    r"|(?<!la )(?<!pasado )manana",
    "day after tomorrow": r"lusa|day after tomorrow|depois de amanha|pasado manana",
    "today": r"hari ini|today|hoje|hj|nanti|ntar|nti|entar|tonight|tonite|hoy",
    "next monday": r"minggu depan|next week|semana que vem|proxima semana|semana que viene"
    r"|semana que entra|(?:the )?following week|semana seguinte|semana siguiente"
    r"|minggu (?:berikutnya|selanjutnya)"
    r"|(?<=la )otra semana"
    r"|semana proxima|(?:after|depois do|depois de|apos o|setelah|sesudah|habis|abis"
    rf"|despues del|despues de) (?:the |el )?(?:{_WEEKEND})",
    "monday": rf"senin|monday|mon|segunda(?: feira)?|lunes|(?:seg|sen){_SHORT}",
    "tuesday": rf"selasa|tuesday|tues|tue|terca(?: feira)?|martes|sel{_SHORT}",
    "wednesday": rf"rabu|wednesday|weds|wed{_AS_A_DAY}|quarta(?: feira)?|miercoles"
    rf"|(?:qua|rab){_SHORT}",
    "thursday": rf"kamis|thursday|thurs|thur|thu|quinta(?: feira)?|jueves|(?:qui|kam){_SHORT}",
    "friday": r"jumat|jumatan|friday|fri|sexta(?: feira)?|viernes"
    r"|end of (?:the |this )?week(?! after next)"
    rf"|(?:fim|final) da semana(?! que vem)|final de la semana(?! que viene)|(?:sex|jum){_SHORT}",
    "saturday": rf"sabtu|saturday|{_NOT_SAID_OF}sat|sabado|sab{_SHORT}",
    "sunday": rf"hari minggu|ahad|sunday|{_NOT_SAID_OF}sun|domingo|{_AFTER_SATURDAY}minggu"
    r"|(?<!\d )minggu(?= (?:pagi|siang|sore|malam|malem|jam)\b)"
    rf"|dom{_SHORT}",
    "weekend": _WEEKEND,
    "monday after next": r"(?:the )?week after next(?: week)?|after next week|minggu depannya lagi"
    r"|semana depois da (?:que vem|proxima)|semana despues de la (?:que viene|proxima)",
}
_CLOCK_ALONE = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})")
_PAST = re.compile(
    r"\b(?:yesterday|last (?:night|week|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|mon|tues?|weds?|thur?s?|fri|sat|sun)|kemarin|kmrn|kemaren|tadi|minggu lalu"
    r"|ontem|anteontem|semana passada|ayer|anteayer|antier|semana pasada|last weekend"
    r"|(?:weekend|akhir pekan|akhir minggu) (?:lalu|kemarin)"
    r"|(?:fim de semana|final de semana|fin de semana) (?:passado|pasado))\b"
)
"""A day gone by: a time said with one is what happened, never a time to call back."""
_DAY = re.compile(
    r"\b(?:" + "|".join(f"(?P<d{n}>{words})" for n, words in enumerate(_DAYS.values())) + r")\b"
)
_DAY_NAMES = tuple(_DAYS)
UNTIL_DAY = re.compile(
    rf"\b(?:sampai|sampe|smp|ampe|ate|until|till) (?:{'|'.join(_DAYS.values())})\b"
)
"""A day said as a limit ("sampai jumat", "até sexta", "until Friday")."""


_ENGLISH_DAY_FORM = re.compile(
    rf"\b(today|tonight|tonite|{TOMORROW_EN}"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)['’`´]s"
    # "is", when what follows takes the day or names its time; else perhaps a possessive
    # ("tomorrow's class", "cancel friday's call") or a verdict not read yet ("friday's
    # too late"): the day is left unnamed, as before
    r"(?= (?:(?:probably|really|totally|also|still|definitely|much|way|even|actually"
    r"|looking|so|super|pretty|all|wide) )*(?:(?:good|fine|ok|okay|great|perfect|better"
    r"|best|works?|free|open(?! (?:day|house))|clear|available|alright|cool|no problem"
    r"|not a problem|not bad|not too bad|morning|afternoon|evening|night|noon|at"
    r"|after|around)\b|\d))",
    re.IGNORECASE,
)


_NOT_CALLED_PT = re.compile(
    r"\b(?:n[aã]o|ñ) (?:me )?(?:liga|ligue|ligar|chama|chame|manda mensagem)\b(?= \w)",
    re.IGNORECASE,
)
"""Portuguese "don't call me" and the time it names, read before a comma could be lost:
"não me liga amanhã" is not "não, me liga amanhã"; "amanhã não me liga, sexta pode" is
left to the rules for a day refused."""
_ASKED_WHY = frozenset({"pq", "por", "porque", "vc", "voce", "você", "ce", "cê", "tu"})
"""Words before "não me liga" that make it a request: "pq vc não me liga amanhã às 10"."""


_HOURS_DASHED = re.compile(
    r"(?<![\d/.:-])(\d{1,2}(?:[:.]\d\d)?(?: ?[ap]m)?) ?[-–] ?(\d{1,2})(?![\d/.-])",
    re.IGNORECASE,
)
"""A span of hours written with a dash ("3-4pm", "jam 2-4"); not a date ("24-11-2026")."""


_PT_ON_THE = re.compile(
    r"\bno (?=(?:s[áa]bado|domingo|fim|final|finde|come[çc]o|in[íi]cio|per[íi]odo|dia|m[êe]s"
    r"|pr[óo]ximo)\b)",
    re.IGNORECASE,
)
"""Portuguese "no" before a day or a time of one ("no sábado", "no fim da tarde"): "on the",
never a no; not before where the lead is ("tô no almoço")."""
_DAY_AM_PM = re.compile(
    rf"\b(today|{TOMORROW_EN}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon"
    r"|tues?|weds?|thu|thurs?|fri|sat|sun) ([ap])\.?m\b\.?(?! me\b)",
    re.IGNORECASE,
)
"""An English day with "am" or "pm" and no hour: its morning or afternoon ("tmrw pm",
"fri am"); not "pm me"."""
_TOO_SOON = re.compile(
    r"\btoo (?:early|late)\b|\b(?:muito|demasiado|muy) (?:cedo|temprano|tarde)\b"
    r"|\b(?:cedo|tarde) demais\b|\bterlalu (?:pagi|sore|malam|malem)\b"
    r"|\b(?:kepagian|kesorean|kemaleman|kemalaman)\b",
    re.IGNORECASE,
)
"""A time too early or too late, which does not suit as a bad one does: "at 3 is too
early", "às 8 é muito cedo", "jam 7 kepagian"."""
_AT_SIGN = re.compile(r"(?<!\S)@ ?(?=\d)")
"""An "@" before an hour, said "at": "call me @ 5", "tmrw @3pm"."""
_NEXT_ONE = re.compile(
    r"\b(?P<week>week|semana)\b[^.!?]*?[,;.!]\s*(?:(?:maybe|perhaps|talvez|quiz[áa]s?) )?"
    r"(?:(?:the|a|la) )?(?:next|pr[óo]xima)\b"
    r"(?=\s*(?:$|[.!?,;]|(?:one|is|works?|pls|please|then|maybe|ok|pode|melhor|mejor|s[ií])\b))",
    re.IGNORECASE,
)
"""The next week said after this one with its "week" left out: "not this week, next",
"essa semana não, a próxima", "esta semana no, la próxima"; not "next month" nor "next
time"."""
_HOUR_TRADED = re.compile(
    r"^\s*(?:at )?(\d{1,2}) (is bad|is no good|doesn'?t work|won'?t work|is too early"
    r"|is too late|gak bisa|ga bisa|gabisa|n[ãa]o d[áa]|n[ãa]o posso|no puedo|no me queda)"
    r"(\s*[,.;]\s*)(?:at )?(\d{1,2})\b",
    re.IGNORECASE,
)
"""A bare hour refused, then another offered, opening a message: "3 is bad, 5 works", "3
gak bisa, 5 aja", "3 não dá, 5 pode": both are hours ("at"), as a number refused then
another offered can only be."""


_DAY_BEFORE = {
    "senin": "minggu",
    "selasa": "senin",
    "rabu": "selasa",
    "kamis": "rabu",
    "jumat": "kamis",
    "sabtu": "jumat",
    "minggu": "sabtu",
}
_EVE = re.compile(
    r"\b(?:malam|malem|mlm) (?P<day>senin|selasa|rabu|kamis|jumat|sabtu|minggu)\b(?! depan)",
    re.IGNORECASE,
)
"""Indonesian "malam <day>", the night before that day: "malam minggu" is Saturday night,
"malam jumat" Thursday night."""
_AM_PM_DOTTED = re.compile(r"(?<=[\d\s])([ap])\.\s?m\b\.?", re.IGNORECASE)
"""Morning or afternoon with dots, after an hour: "8 p.m.", "10:30 a. m."."""


def plain_words(text: str, local: datetime | None = None) -> str:
    """`text` with what its marks tell written out, before `optout.normalise` drops
    them: an "@" before an hour as "at", a Portuguese "no" before a time as "on"
    (`_PT_ON_THE`), a span of hours written with a dash as said ("3-4pm" is "3 to 4pm"),
    an English day said with "'s" as the day itself when what follows takes the day or
    names its time ("tomorrow's good" and "Friday's best at 10" name that day;
    "tomorrow's class" and "monday's a holiday" none), an English day with "am" or "pm"
    and no hour as its morning or afternoon ("tmrw pm"), a time too early or too late as
    "bad" (`_TOO_SOON`), and "não me liga" with no comma after "não", before what it
    refuses, as "don't call me" outside a question ("não me liga amanhã"; not "não, me
    liga amanhã", "pq vc não me liga amanhã" nor "não me liga amanhã?"). A span of
    weekdays is today when today (of `local`, the lead's wall clock now) is one of them,
    else its first (`_span_read`), an hour in words is in digits ("at three", "às duas",
    "a las dos", "jam dua": `_hours_in_words`) and one "o'clock" is "at" it, bare hours
    traded are said "at" (`_HOUR_TRADED`), and the next week said after this one with
    its "week" left out is whole (`_NEXT_ONE`); "a.m." and "p.m." with their dots are "am"
    and "pm" (`_AM_PM_DOTTED`); hours and minutes counted in words are in digits ("two
    hours", "dua jam": `_WORDED_COUNT`)."""
    text = _AM_PM_DOTTED.sub(lambda found: f"{found[1].lower()}m", text)
    text = _WORDED_COUNT.sub(lambda found: f"{_WORDED_COUNTS[found[1].lower()]} ", text)
    text = _EVE.sub(lambda found: f"{_DAY_BEFORE[found['day'].lower()]} malam", text)
    text = _WEEKDAYS_SPANNED.sub(partial(_span_read, local), text)
    text = _O_CLOCK.sub(r"at \1", _hours_in_words(_AT_ONE.sub("a las ", text)))
    text = _HOUR_TRADED.sub(r"at \1 \2\3at \4", text)
    text = _NEXT_ONE.sub(lambda found: f"{found[0]} {found['week']}", text)
    text = _PT_ON_THE.sub("on ", _AT_SIGN.sub(" at ", text))
    text = _DAY_AM_PM.sub(_day_am_pm, text)
    text = _TOO_SOON.sub("bad", text)
    text = _HOURS_DASHED.sub(_hours_dashed, _ENGLISH_DAY_FORM.sub(r"\1", text))
    if "?" in text:
        return text
    return _NOT_CALLED_PT.sub(_not_called_pt, text)


_HOUR_WORDS = {
    "en": {
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    },
    "pt": {
        "uma": 1, "duas": 2, "três": 3, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
        "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12,
    },
    "es": {
        "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
        "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    },
    "id": {
        "satu": 1, "dua belas": 12, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6,
        "tujuh": 7, "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11,
    },
}  # fmt: skip
"""The hours of the clock in words, per language."""
_BEFORE_HOUR_WORD = {
    "en": r"at|around|by|after|before|till|until",
    "pt": r"às|as|umas|lá pelas|la pelas|pelas|pras|por volta das|depois das|antes das"
    r"|até as|até às",
    "es": r"a las|como a las|a eso de las|después de las|despues de las|antes de las|hasta las",
    "id": r"jam|jm|pukul|pkl",
}
"""What goes before an hour in words: "at three", "às duas", "a las dos", "jam dua"."""
_AFTER_HOUR_WORD = {
    "en": r"$|[,.!?]| (?:am|pm|a\.m\.|p\.m\.|o'?clock|o’clock|thirty|fifteen|forty five"
    r"|ish|tomorrow|today|tonight|on|in the|works?|is|pls|please|then|or|and|ok)\b",
    "pt": r"$|[,.!?]| (?:da tarde|da manhã|da manha|da noite|e meia|e quinze|horas?|amanhã"
    r"|amanha|hoje|pode|tá|ta|ok)\b",
    "es": r"$|[,.!?]| (?:de la tarde|de la mañana|de la manana|de la noche|y media|y cuarto"
    r"|en punto|mañana|manana|hoy|está|esta|ok)\b",
    "id": r"",
}
"""What may follow an hour in words, so that it is one ("at three tomorrow", "às duas da
tarde"), not a count ("at two locations", "as duas turmas"); any word after "jam"."""
_HOUR_MARK = {
    "en": r"o'?clock|o’clock",
    "pt": r"da tarde|da manhã|da manha|da noite",
    "es": r"de la tarde|de la mañana|de la manana|de la noche",
    "id": r"siang|sore|malam|malem|pagi",
}
"""What makes a number in words an hour with nothing before it: "three o'clock", "duas da
tarde", "dos de la tarde"."""
_HOURS_IN_WORDS = {
    lang: re.compile(
        rf"(?<![\w])(?:(?P<before>{_BEFORE_HOUR_WORD[lang]}) (?P<word>{said})\b"
        rf"(?={_AFTER_HOUR_WORD[lang]})|(?P<alone>{said})(?= (?:{_HOUR_MARK[lang]})\b))",
        re.IGNORECASE,
    )
    for lang, said in (
        (lang, "|".join(sorted(words, key=len, reverse=True)))
        for lang, words in _HOUR_WORDS.items()
    )
}
_HOUR_OF_WORD = {word: hour for words in _HOUR_WORDS.values() for word, hour in words.items()}
_AT_ONE = re.compile(r"\ba la (?=(?:1|una)\b)", re.IGNORECASE)
"""The Spanish one o'clock, said in the singular: "a la una", "como a la 1" ("a las")."""
_AT = {"en": "at", "pt": "às", "es": "a las", "id": "jam"}
"""The word that makes a number an hour, per language."""
_HOUR_OF_THE_PART = re.compile(
    r"(?<![\w:.])(?<!às )(?<!as )(?<!las )(?<!umas )(?<!pelas )(?<!pras )(?<!das )"
    r"(\d{1,2})(?= (?:(?P<pt>da tarde|da manhã|da manha|da noite)"
    r"|de la (?:tarde|mañana|manana|noche)))",
    re.IGNORECASE,
)
"""A bare number before a part of the day as Portuguese and Spanish say it: "2 da tarde"
is "às 2 da tarde", "2 de la tarde" "a las 2 de la tarde"."""
_O_CLOCK = re.compile(r"\b(\d{1,2}) ?o['’]?clock\b", re.IGNORECASE)
"""An hour said "o'clock": "3 o'clock" is "at 3"."""


def _in_digits(found: re.Match[str], lang: str) -> str:
    """The hour in words `found` (`_HOURS_IN_WORDS` of `lang`) in digits, said as one."""
    if found["alone"]:  # "three o'clock", "duas da tarde": "at 3", "às 2"
        return f"{_AT[lang]} {_HOUR_OF_WORD[found['alone'].casefold()]}"
    return f"{found['before']} {_HOUR_OF_WORD[found['word'].casefold()]}"


def _hours_in_words(text: str) -> str:
    """`text` with the hours it says in words after what says they are hours (and before
    what may follow one) in digits: "at three tomorrow", "às duas da tarde", "a las dos y
    media", "jam dua siang"."""
    for lang, said in _HOURS_IN_WORDS.items():
        text = said.sub(partial(_in_digits, lang=lang), text)
    return _HOUR_OF_THE_PART.sub(
        lambda found: f"{_AT['pt' if found['pt'] else 'es']} {found[1]}", text
    )


_WEEKDAY_WORDS = (
    r"mon(?:day)?|segunda(?:[- ]feira)?|seg|lunes|senin",
    r"tue(?:s|sday)?|ter[çc]a(?:[- ]feira)?|martes|selasa",
    r"wed(?:nesday)?|quarta(?:[- ]feira)?|qua|mi[ée]rcoles|rabu",
    r"thu(?:r|rs|rsday)?|quinta(?:[- ]feira)?|qui|jueves|kamis",
    r"fri(?:day)?|sexta(?:[- ]feira)?|viernes|jum'?at",
    r"sat(?:urday)?|s[áa]b(?:ado)?|sabtu",
    r"sun(?:day)?|dom(?:ingo)?|minggu",
)
"""Each weekday, Monday first, as a span of weekdays names it."""
_A_WEEKDAY = "(?:" + "|".join(_WEEKDAY_WORDS) + ")"
_WEEKDAYS_SPANNED = re.compile(
    r"\b(?:(?:from|de|del|dari|desde) )?(?:(?:the|o|a|el|hari) )?"
    rf"(?P<first>{_A_WEEKDAY}) ?(?:to|through|thru|till|until|-|–|a|al|à|ate|até|sampai|sampe"
    rf"|smp|hingga|s/d|sd) ?(?:(?:the|o|a|el|hari) )?(?P<last>{_A_WEEKDAY}|sex)\b",
    re.IGNORECASE,
)
"""A span of weekdays ("monday to friday", "mon-fri", "de segunda a sexta", "del lunes al
viernes", "senin sampai jumat"), read as one day (`_span_read`): the lead at work over it
refuses it ("I work monday to friday"), and one asked for is asked from it. "ter" and
"sex" are no first day: "quero ter a sexta livre" keeps its Friday ("seg a sex" is a
span)."""


def _weekday_of(word: str) -> int:
    """Which weekday (Monday 0) a word of a span of weekdays names ("sex" ends one)."""
    return next(
        (day for day, said in enumerate(_WEEKDAY_WORDS) if re.fullmatch(said, word, re.I)), 4
    )


def _span_read(local: datetime | None, span: re.Match[str]) -> str:
    """A span of weekdays as the one day it stands for: today (`local`, the lead's wall
    clock now) when today is one of them and an hour follows (a week's routine,
    "Monday-Friday 9-5 I'm at work, call me after 5", said on a Tuesday, is Tuesday's),
    unless today is its last day and that hour passed, morning and afternoon alike (said
    on a Friday evening, it is the span's next first day); else its first ("I work monday
    to friday, weekends are better", "call me monday to friday")."""
    first, last = _weekday_of(span["first"]), _weekday_of(span["last"])
    hours = [int(hour) for hour in _HOUR_NUMBER.findall(span.string, span.end())]
    if local is None or not hours or (local.weekday() - first) % 7 > (last - first) % 7:
        return span["first"]
    hour = hours[-1] if hours[-1] > 12 else hours[-1] % 12 + 12
    if local.weekday() == last and local.hour >= hour:
        return span["first"]
    return "today"


_HOUR_NUMBER = re.compile(r"(?<![\d:.])(\d{1,2})(?!\d)")
"""A number of one or two digits, not the minutes of a time ("18:30" counts 18)."""


_SPAN_SAID = frozenset(
    {"between", "antara", "entre", "dari", "from", "de", "das", "jam", "jm", "pukul", "pkl"}
) | {"as", "às", "at", "by", "around", "sekitar", "in", "dalam", "em", "en", "within"}
"""Words before a span written with a dash that say what it is: "jam 2-4", "in 2-3 days"."""


def _hours_dashed(found: re.Match[str]) -> str:
    """The span `found` written with a dash, as said: "3-4pm" is "3 to 4pm"; one that
    nothing before says what it is and nothing after counts ("tomorrow 2-4", "amanhã
    14-16h") is a span of hours, "from 2 to 4"."""
    spanned = f"{found[1]} to {found[2]}"
    before = found.string[: found.start()].split()[-1:]
    said = bool(before) and before[0].casefold() in _SPAN_SAID
    if said or _SPAN_COUNTS.match(found.string, found.end()):
        return spanned
    return f"from {spanned}"


def _day_am_pm(found: re.Match[str]) -> str:
    part = "morning" if found[2].casefold() == "a" else "afternoon"
    return f"{found[1]} {part}"


def _not_called_pt(found: re.Match[str]) -> str:
    asked = set(found.string[: found.start()].casefold().split()[-2:]) & _ASKED_WHY
    return found[0] if asked else "dont call me"


def days_named(message: str) -> int:
    """How many days a normalised `message` names ("besok", "sexta", "tomorrow")."""
    return len(_DAY.findall(message))


_AHEAD = re.compile(
    r"\b(?:"
    + "|".join(
        _DAYS[day]
        for day in ("tomorrow", "day after tomorrow", "today", "next monday", "monday after next")
    )
    + r")\b"
)
"""A day still to come named beside one gone by ("kemarin sibuk, besok jam 10 ya")."""

_AFTER_LUNCH_WORDS = (
    r"after lunch|depois do almoco|apos o almoco|abis makan siang|habis makan siang"
    r"|setelah makan siang|sesudah makan siang|despues de comer|despues del almuerzo"
    r"|despues de la comida"
    r"|despues de almorzar"
)
"""After lunch, a part of the day of its own (13:00)."""
_AFTER_LUNCH = frozenset(_AFTER_LUNCH_WORDS.split("|"))

HOME_FROM_WORK = {
    ("after", "when", "once"): ("i get off work", "i finish work", "i get home", "im home"),
    ("quando", "depois que"): ("eu sair do trabalho", "sair do trabalho", "eu chegar em casa"),
    ("cuando",): ("salga del trabajo", "llegue a casa"),
}
"""The lead done with work or home, after the words that say when: "when I get home",
"quando eu sair do trabalho", "cuando llegue a casa"."""
_AFTER_WORK_WORDS = (
    r"after work|sehabis kerja|habis kerja|abis kerja|pulang kerja|setelah kerja"
    r"|sepulang kerja|depois do trabalho|despues del trabajo|saindo do trabalho"
    r"|after dinner|abis makan malam|habis makan malam|setelah makan malam|depois do jantar"
    r"|despues de cenar|despues de la cena|after my shift|depois do expediente|"
    + "|".join(
        f"{when} {done}"
        for whens, dones in HOME_FROM_WORK.items()
        for when in whens
        for done in dones
    )
)
"""After work or dinner, the evening: "besok sehabis kerja", "depois do trabalho", "after
dinner", "when I get home"."""
_AFTER_SCHOOL_WORDS = (
    r"after school|after class|pulang sekolah|habis sekolah|abis sekolah|pulang kuliah"
    r"|habis kuliah|abis kuliah|sepulang sekolah|sepulang kuliah|depois da aula"
    r"|depois da escola|depois da faculdade|despues de clase|despues de la escuela"
)
"""After school or class, the afternoon: "pulang sekolah aja", "amanhã depois da aula"."""
_LATE_AFTERNOON_WORDS = (
    r"late afternoon|end of the day|end of day|eod|fim da tarde|final da tarde|fim do dia"
    r"|final do dia|tardinha|tardezinha|tardecita|sore banget"
)
"""The end of the working day (17:00): "end of the day", "fim da tarde", "tardezinha",
"tardecita", "sore banget"."""
_EARLY_WORDS = r"first thing in the morning|early morning|early evening"
_PARTS = {
    SMALL_HOURS: r"subuh|dini hari|madrugada",
    MORNING_HOUR: r"first thing in the morning|early morning|pagi|cedo|manha|mornings|morning"
    r"|de manha|da manha|pagi pagi|la manana",
    12: r"noon|midday|lunch|lunchtime|meio dia|almoco|tengah hari|mediodia|medio dia"
    r"|jam makan siang|waktu makan siang",
    13: rf"siang|siangan|dzuhur|zuhur|dhuhur|lohor|jumatan|{_AFTER_LUNCH_WORDS}",
    17: _LATE_AFTERNOON_WORDS,  # before the afternoon's: "sore banget" is not "sore"
    15: rf"sore|sorean|tarde|afternoons|afternoon|ashar|asar|{_AFTER_SCHOOL_WORDS}",
    19: r"early evening|malam|malem|maleman|malaman|mlm|noite|noitinha|evenings|evening|tonight"
    r"|tonite|night"
    rf"|maghrib|magrib|isya|noche|{_AFTER_WORK_WORDS}",
}
_PART = re.compile(
    r"\b(?:" + "|".join(f"(?P<p{hour}>{words})" for hour, words in _PARTS.items()) + r")\b"
)
_PART_HOURS = {word: hour for hour, words in _PARTS.items() for word in words.split("|")}
_NOON = r"noon|midday|meio dia|mediodia"
"""Noon, said as a word: "noon", "meio-dia", "mediodía"."""
_PART_ENDS = {SMALL_HOURS: 7, MORNING_HOUR: 12, 12: 13, 13: 15, 15: 18, 17: 19, 19: 24}
"""The hour each part of the day is over: "this morning" said after it names no time."""
SOON = timedelta(minutes=15)
"""When "this evening" said in the evening asks to be called, and "call me now"."""
_NOW_ASKED = re.compile(
    r"\b(?:call|ring|phone|text|message|contact|telp|telpon|telepon|tlp|hubungi|liga|ligar"
    r"|ligue|chama|llama|llamame|llamenme)(?: (?:me|aku|saya|kak))?"
    r" (?:now|right now|rn|asap|as soon as possible|sekarang|skrg|secepatnya|segera|agora"
    r"|ja|o quanto antes|ahora|lo antes posible)\b"
)
"""A contact asked for now: "call me now", "telpon sekarang aja", "me liga agora"."""
_ONLY_ASKED = re.compile(
    # interested first: "yes I'm interested, call me", "sim, tenho interesse, me liga"
    r"(?:(?:yes|yeah|yep|sim|si|iya|ya) )?(?:(?:im|i am|were|we are) (?:very |really )?interested"
    r"|(?:tenho|tengo) interes(?:se)?|(?:aku |saya )?(?:minat|tertarik)(?: kak| ka)?)? ?"
    r"(?:(?:ok|okay|please|pls|tolong|me) )?(?:call|ring|phone|telpon|telp|tlp|telepon|hubungi|liga"
    r"|ligue|ligar|llamame|llamenme|marcame|marquenme)(?: (?:me|back|aku|saya|ya|aja|saja|kak|ka"
    r"|please|pls"
    r"|dong|sim|por favor|pra mim|today|hari ini|hoje|hoy))*"
)
"""A contact asked for and nothing else ("call me", "telpon aja kak", "me liga"), perhaps
after saying the lead is interested ("yes I'm interested, call me") or that it is for
today ("call me today", "me liga hoje"): now."""
_FREE_NOW = re.compile(
    r"(?:(?:ok|okay|yes|yeah|iya|sim|si) )?(?:"
    r"(?:(?:im|i am) )?(?:free|available) (?:now|right now|rn)|(?:i )?can talk (?:now|right now)"
    r"|(?:now|right now) (?:works|is good|is fine|is ok|ok)"
    r"|(?:skrg|sekarang) (?:aja |udah |sudah )?(?:bisa|boleh|free|luang|kosong)"
    r"|(?:skrg|sekarang) aja (?:telpon|telp|tlp|hubungi)"
    r"|agora (?:posso|pode|da|estou livre|to livre|tou livre)|ja pode (?:me )?ligar"
    r"|ya (?:puedes|puede) (?:llamar|llamarme)|(?:ahora|ya) (?:si )?puedo|(?:ahora|ya) estoy libre)"
    r"(?: (?:if you want to call|you can call|call me|call|kak|ka|pls|please|ya|aja|sim|si"
    r"|ok))*"
)
"""The lead free now, and nothing else: "I'm free now", "skrg bisa kak", "agora posso",
"ahora sí puedo", "now works": now."""
_ANYTIME_SAID = (
    r"whenever you can|when you can|kapan aja|kapan saja|kapan pun|kapanpun|qualquer hora"
    r"|a qualquer hora|quando puder|quando quiser|cuando puedas|cuando quieras"
)
_ANYTIME = rf"anytime|any time|whenever|{_ANYTIME_SAID}"
"""Any time, said of a contact ("call me anytime"); alone, only what cannot be thanks
("anytime" may answer one)."""
_ASKED_ANYHOW = re.compile(
    # a contact asked for as a question: "can you call me?", "bisa telpon aku?"
    r"(?:(?:can|could|would) you (?:please |pls )?(?:call|ring|phone) me(?: back)?"
    r"|(?:bisa|boleh|tolong) (?:telpon|telp|tlp|telepon|hubungi)(?: (?:aku|saya|sy))?"
    r"|(?:(?:vc|voce) )?(?:pode|poderia) (?:me )?(?:ligar|liga)(?: pra mim)?"
    # or at any time: "call me whenever", "telpon kapan aja", "anytime is fine"
    rf"|(?:call|text|telpon|telp|liga|me liga|hubungi)(?: me| aku| saya)? (?:{_ANYTIME})"
    rf"|(?:{_ANYTIME_SAID})|(?:{_ANYTIME})(?= (?:is fine|is ok|works|ok|okay)))"
    r"(?: (?:please|pls|kak|ka|ya|is fine|is ok|works|ok|okay|por favor|pra mim))*"
)
"""A contact asked for as a question, or at any time, and nothing else: now."""
_ANYTIME_BUT = re.compile(
    r"(?P<ask>.+?),? (?:except(?: for| on)?|but not(?: on)?|apart from|other than|besides"
    r"|kecuali|selain|asal (?:jangan|jgn|gak|ga|bukan)|menos|exceto|excepto|salvo) (?P<days>.+)"
)
"""A contact asked for at any time but on some days: "anytime except tomorrow", "kapan aja
asal jangan besok", "qualquer hora menos sábado"."""
_ANY_DAY = re.compile(
    rf"(?:(?:call|text|telpon|telp|liga|me liga|hubungi)(?: me| aku| saya)? )?(?:{_ANYTIME}"
    r"|any day|any other day|hari apa (?:aja|saja)|qualquer dia|cualquier dia)"
)
"""Any time or any day, asked for or said alone, before the days it excepts: "any day
except monday"."""
_FREE_WORDS = (
    *("free", "available", "luang", "kosong"),
    *("livre", "disponivel", "libre", "disponible"),
)
"""The lead free: "I'm free", "aku luang", "tô livre", "estoy libre"."""
_FREE = "|".join(_FREE_WORDS)
_FREE_ALL = re.compile(
    rf"(?:(?:i|im|i am|ill be|aku|saya|eu|to|tou|estou|yo|estoy) )?(?:{_FREE})"
    rf"(?: (?:all day|today|hari ini|hoje|hoy|{_ANYTIME}))?"
)
"""The lead free all day, before the hours it excepts: "I'm free except between 12 and
1"."""
_A_WEEK_ASKED = re.compile(
    rf"(?:(?:{_ANY_DAY.pattern}) (?:(?:of|in|on|da|de la|di) )?)?"
    rf"(?:(?P<next>{_DAYS['next monday']})|{_DAYS['monday after next']})"
    r"(?: (?:aja|saja|ya|is fine|works|ok|okay|is better|is good))?"
)
"""Next week or the one after, or any day of it, before the days it excepts: "next week
except monday", "any day next week but not monday", "minggu depan kecuali senin", "the
week after next except monday"."""
_EXCEPTED_ALSO = frozenset({"the", "on", "no", "na", "de", "da", "di", "or", "and", "atau", "dan"})
_EXCEPTED_ALSO |= {"ou", "e", "y", "o", "this", "ini", "ya", "aja", "kak", "ka", "please", "pls"}
_EXCEPTED_ALSO |= {"el", "los", "la", "las"}
"""Words the days a contact at any time is not asked for may go with: "but not on the
weekend", "menos no sábado"."""
_NOT_NOW = frozenset({"no", "not", "dont", "never", "cant", "wont", "need", "nao", "precisa"})
_NOT_NOW |= {"jangan", "jgn", "gak", "ga", "gk", "tidak", "tdk", "usah", "perlu", "nunca"}
"""Words right before a contact asked for now that turn it down: "no need to call now",
"não precisa ligar agora", "ga usah telpon sekarang"."""
_PART_WORDS = (
    r"pagi|siang|sore|malam|malem|mlm|morning|afternoon|evening|night|manha|tarde|noite|noche"
)
_GREETING = re.compile(
    rf"\b(?:selamat|slamat|met|good|bom|boa) (?:{_PART_WORDS}|dia)\b"
    r"|\b(?:buenos|buenas) (?:dias|tardes|noches)\b"
    # a wish for the weekend: "have a nice weekend", "bom fim de semana", "selamat akhir pekan"
    r"|\b(?:(?:have|enjoy) (?:a |an |your |the )?(?:nice |good |great |lovely |relaxing )?"
    r"|(?:happy|selamat|slamat|met|bom|boa|buen|feliz|good|nice|great) )"
    rf"(?:{_WEEKEND})\b"
    # one opening the message, unless a time goes on from it ("sore aja", "pagi jam 9",
    # "evening after 7")
    rf"|^(?:{_PART_WORDS})\b(?! (?:aja|saja|ya|deh|dong|lah|ini|nanti|jam|jm|pukul|pkl|at"
    r"|around|sekitar|works|would|is|better|please|pls|ok|okay|\d"
    r"|(?:after|abis|habis|setelah|sesudah|lewat|depois|despues)"
    r"(?: (?:jam|jm|pukul|pkl|das|da|de|las|la))? \d))"
)
"""A part of the day that greets: "selamat pagi", "boa noite", "good evening", "pagi kak",
"Morning! Call me tomorrow at 3", "buenas tardes"."""
_SAID_OF = re.compile(
    rf"\b(?:udah|sudah|udh|dah|already|sampe|sampai|smp|until|till|ate)"
    rf"(?: (?:in the|at|a|de|da|di|pas))? (?:{_PART_WORDS})\b"
    r"|\b(?:(?:class|classes|course|lesson|lessons|aula|aulas|turma|curso|clase|clases|kelas)"
    r"(?: (?:is|are|e|sao|es|son))?(?: (?:in the|at|a|de|da|en la|por la|pela|di))"
    r"|(?:class|classes|course|lesson|lessons) (?:is|are)|kelasnya(?: (?:di|pas))?)"
    rf" (?:{_PART_WORDS})\b"
)
"""A part of the day the lead speaks of, not one they ask for: "udah malem", "kerja sampe
malam", "until the evening", "is the class in the evening?", "a aula é à noite?"."""
_NEGATED_ASK = re.compile(
    r"\b(?:gak|ga|gk|nggak|ngga|enggak|tidak|tdk|nda|not|nao|cant|cannot|dont|wont|isnt|never)"
    r"(?: \w+)? $|\b(?:jangan|jgn)(?: (?!lupa\b)\w+)? $"
)
"""What before an asking word makes it a refusal: "gak bisa", "not available", "jangan
telpon" (not "jangan lupa telpon")."""
_TODAYS_PART = re.compile(
    r"\b(?:this|later this) (?P<w>morning|afternoon|evening)\b"
    r"|\b(?P<x>pagi|siang|sore|malam|malem) ini\b"
    r"|\besta (?P<e>tarde|noche)\b"
)
_A_PART = re.compile(
    r"\b(?:in the|later in the) (?P<w>morning|afternoon|evening)\b"
    r"|\b(?:a|de|pela|da) (?P<x>manha|tarde|noite|tardinha|tardezinha|noitinha)\b"
    r"|\b(?:por|en|de|a) (?:(?P<s>la manana)|las? (?P<t>tarde|noche|tardecita)s?)\b"
    r"|\b(?P<y>pagi|(?<!makan )siang|siangan|sore|sorean|malam|malem|maleman|malaman)"
    r" (?:aja|saja|ya|deh|dong)\b"
    r"|\b(?:abis|habis|setelah|sesudah|stlh|bada)"
    r" (?P<z>dzuhur|zuhur|lohor|jumatan|ashar|asar|maghrib|magrib|isya)\b"
    rf"|\b(?:at|around|ao|pas|liga|ligue|ligar|a|al) (?P<n>{_NOON}"
    r"|lunchtime|jam makan siang|waktu makan siang)\b"
    # or opening the message: "noon works", "meio-dia pode ser" (alone, `_only_it`)
    rf"|^(?P<k>{_NOON}|lunchtime|jam makan siang|waktu makan siang)\b"
    r"|\bna hora do (?P<m>almoco)\b"
    # lunch, asked for right after the call ("call me at lunch", "ring me on my lunch
    # break", "me liga no almoço") or said to suit ("lunch break works"); not "I'm at lunch"
    r"|\b(?:call|ring|phone|text|try|reach|catch) (?:me |us )?(?:back )?(?:at|during|on|around"
    r"|over) (?:my |the |your )?(?P<u>lunch)(?: ?break| ?time| hour)?\b"
    r"|\b(?:liga|ligue|ligar|chama)(?: pra mim)? no (?P<a>almoco)\b"
    r"|\b(?:my |the )?(?P<b>lunch) ?break (?:works|would work|is fine|is good|is best"
    r"|is better|ok)\b"
    rf"|\b(?P<l>{_AFTER_LUNCH_WORDS})\b"
    rf"|\b(?P<v>{_AFTER_WORK_WORDS}|{_AFTER_SCHOOL_WORDS})\b"
    # the end of the working day, early in the morning or the evening: "end of the day"
    rf"|\b(?P<f>{_LATE_AFTERNOON_WORDS}|{_EARLY_WORDS})\b"
    # a part of every day preferred: "I prefer evenings", "mornings are better", "morning
    # works"
    r"|\bprefer (?P<p>morning|afternoon|evening)s\b"
    r"|\b(?P<q>morning|afternoon|evening)s? (?:(?:are |is |would be |work |works )?"
    r"(?:better|best|good|fine|great)|works?|would work)\b"
    # or the only one: "I can only do mornings", "evenings only", "bisanya malem" (not "the
    # class is only in the evening")
    r"|(?<!\bis )(?<!\bare )(?<!\bits )\bonly (?:do |in the |at )?"
    r"(?P<o>morning|afternoon|evening)s?\b"
    r"|\b(?P<r>morning|afternoon|evening)s only\b"
    r"|\b(?:bisanya|cuma bisa|hanya bisa|bisa nya)"
    r" (?P<i>pagi|siang|sore|malam|malem|maleman|malaman)\b"
)
_ASKS = re.compile(
    r"\b(?:call|ring|phone|text|message|contact|reach|talk|chat|free|available|works|better"
    r"|telp|telpon|telepon|tlp|hubungi|kabari|kabarin|wa|japri|luang|bisa|aja|saja"
    r"|liga|ligar|ligue|ligo|chama|chamo|fala|falar|falo|falamos|conversa|conversamos|manda"
    r"|retorno|escrevo|livre|disponivel"
    r"|melhor|pode|ngobrol"
    r"|llama|llamame|llamar|llamenme|llamo|marcame|escribeme|escribo|hablame|hablar|hablo"
    r"|hablamos|libre|disponible"
    r"|mejor|puedes)\b"
)
"""A part of the day alone names a time only in a message that asks for a contact then."""
_HOUR = r"[01]?\d|2[0-3]"
_UNITS = (
    r"hours?|hrs?|h|jam|horas?|minutes?|mins?|menit|mnt|minutos?|days?|hari|dias?|weeks?|minggu"
    r"|semanas?|months?|bulan|mes|meses|years?|tahun|anos?"
)
"""What a number counts, beside an hour of the clock."""
_COUNTED = (
    r"aulas?|turmas?|cursos?|parcelas?|vagas?|modulos?|alunos?|clases?|cuotas?|materias?"
    r"|sesion|sesiones|alumnos?|classes?|lessons?|courses?|sessions?|modules?|students?"
    r"|installments?|payments?|kelas|sesi|pertemuan|modul|cicilan"
)
"""What a number counts when a noun follows it, not a time word: "as 3 aulas", "a las 3
clases", "the 3 classes", "after 3 lessons" name no hour nor day of the month. After
"jam", "pukul" or "tanggal" the number is still the hour or the day ("jam 3 kelas": a
class at 3)."""
_SPAN_COUNTS = re.compile(
    rf"(?!h\b) ?(?:{_UNITS}|{_COUNTED}|lagi|lg|more|juta|jt|rb|ribu|k|reais|rs|dollars?"
    r"|orang|people|kali|x|mil|thousand|persen|percent|vezes|pessoas)\b",
    re.IGNORECASE,
)
"""What after a span written with a dash says it counts ("2-3 days", "2-3 jam lagi", "1-2
hours"); an "h" right after it says it spans hours of the clock ("14-16h")."""
_OR_HOUR = re.compile(
    rf"(?<=\d)(?P<join> (?:or|and|atau|dan|ou|e|o|y) )(?:jam |as |las )?(?P<hour>{_HOUR})\b"
)
"""A second hour joined bare to one said: "at 3 or 4", "jam 3 atau 4"."""
_FREE_FROM = "|".join(
    f"(?<={word} )"
    for word in (*_FREE_WORDS, "anytime", "any time", "call me", "me liga", "llamame")
)
"""Before "from" an hour, what makes it the hour the lead is free from: "free from 3"."""
_CLOCK = re.compile(
    # "10:30", "10.30", "8:30pm", "14h", "14h30", "2pm", "10 horas", or "jam 10" / "at 10"
    # alone; am/pm is a word of its own ("as 2 amanha" is not 2 am)
    rf"\b(?:(?:jam|jm|pukul|pkl|as|a las|a|at|by|around|sekitar|pelas|umas) )?"
    rf"(?P<hour>{_HOUR})"
    r"(?:[:.](?P<minute>[0-5]\d)(?: ?(?P<mampm>am|pm)\b)?|h(?P<hminute>[0-5]\d)?"
    r"| ?(?P<ampm>am|pm)\b| horas?| hs| hrs)(?!\d)"
    # not "as 3 aulas", "a las 3 clases": a number of things (`_COUNTED`)
    rf"|\b(?:jam|jm|pukul|pkl|(?:as|a las|at)(?! \d+ (?:{_COUNTED})\b))"
    rf" (?P<bare>{_HOUR})(?:an)?\b"
    # "around 11", "at around 4", "por volta das 10", "lá pelas 3"; not "around 3 days",
    # "sekitar 2 juta"
    rf"|\b(?:(?:at )?around|sekitar|por volta d[ae]s?|(?:la )?(?:pelas|pras)|umas"
    rf"|como a las|a eso de las) (?P<near>{_HOUR})\b"
    rf"(?![:.]\d| ?(?:am|pm)\b| ?(?:(?:{_UNITS})(?:an)?|more|lagi|lg|juta|jt|jutaan|rb|ribu|k"
    r"|reais|rs|dollars?|bucks|orang|people|kali|x|mil|thousand|million|of|persen|percent"
    rf"|vezes|pessoas|{_COUNTED})\b)"
    # "after 5", "free from 3", "from 3 onwards", "livre a partir das 3" ("abis jam 3" is
    # said above); not "after 3 days", "after 7 pm" (a clock of its own), "abis 2 juta",
    # "after 2 more weeks", "I work from 9", "I'm from 3 schools"
    rf"|\b(?:after|setelah|stlh|sesudah|abis|habis|depois das|despues de las"
    rf"|(?:{_FREE_FROM})(?:from|a partir das|a partir de las)"
    rf"|(?:from|a partir das|a partir de las)(?= (?:{_HOUR}) (?:onwards?|on|em diante"
    r"|en adelante)\b))"
    rf" (?P<after>{_HOUR})\b"
    rf"(?![:.]\d| ?(?:am|pm)\b| ?(?:{_UNITS}|more|lagi|lg|juta|jt|rb|ribu|k|reais|rs|dollars?"
    rf"|bucks|orang|people|kali|x|{_COUNTED})\b)"
)
_TIME_SAID = re.compile(
    r"\b(?:yesterday|kemarin|kmrn|kemaren|tadi|ontem|called|liguei|ligou|ligaram|udah|sudah"
    r"|udh|already|ja sao|ja e|its|it is)(?: already)?(?: (?:jam|jm|pukul|pkl|as|at|around|a))?"
    rf" (?:{_HOUR})(?:[:.][0-5]\d)?(?: ?(?:am|pm)\b| horas?\b|h\b)?"
)
"""An hour that happened or is now, not asked for: "kemarin jam 3", "udah jam 5", "já são
3 horas", "I called at 3"."""
_UNIT = r"hours?|hrs?|h|jam|horas?|minutes?|mins?|menit|mnt|minutos?"
_HALF_HOUR = r"half an hour|half hour|meia hora|setengah jam|media hora"
_SOME_COUNTS = {
    "a couple of": 2, "a couple": 2, "couple of": 2, "un par de": 2,
    "a few": 3, "few": 3, "beberapa": 3, "uns": 3, "umas": 3, "unos": 3, "unas": 3,
    "alguns": 3, "algumas": 3,
}  # fmt: skip
"""A couple (two) or a few (three): "in a few days", "beberapa jam lagi", "daqui uns dias"."""
_SOME = "|".join(sorted(_SOME_COUNTS, key=len, reverse=True))
_HOURS_UNIT = r"hours?|hrs?|jam|horas?"
_ONE_HOUR = r"an hour|one hour|uma hora|satu jam|sejam|una hora"
_IN = r"in|dalam|daqui a|daqui|em|en|dentro de"
"""Before a time counted from now: "in 2 hours", "dalam 30 menit", "daqui a 2 dias"."""
_GIVE_ME = r"give me|gimme|kasih waktu|kasih|beri waktu|me da|me de|dame|deme"
"""Before a time the lead asks for before a call: "give me 10 minutes", "kasih waktu 2
hari", "dame tres días"."""
_FROM_NOW = rf"(?:{_IN}|{_GIVE_ME})"
_MINUTES_UNIT = r"minutes?|mins?|menit|mnt|minutos?"
_WORDED_COUNTS = {
    # not one: "uma hora dessas" is some day; "in one hour" is read as it is (`_ONE_HOUR`)
    **{word: n for words in _HOUR_WORDS.values() for word, n in words.items() if n > 1},
    **{"fifteen": 15, "twenty": 20, "thirty": 30, "forty five": 45, "forty-five": 45},
    **{"quinze": 15, "vinte": 20, "trinta": 30, "quarenta e cinco": 45},
    **{"quince": 15, "veinte": 20, "treinta": 30, "cuarenta y cinco": 45},
    **{"lima belas": 15, "dua puluh": 20, "tiga puluh": 30, "empat puluh lima": 45},
}
_WORDED_COUNT = re.compile(
    rf"\b({'|'.join(sorted(map(re.escape, _WORDED_COUNTS), key=len, reverse=True))})"
    rf" (?=(?:{_UNIT})\b)",
    re.IGNORECASE,
)
"""Hours or minutes counted in words ("in two hours", "dua jam lagi", "daqui a duas horas",
"en diez minutos"), read as in digits."""
_AND = r"(?:and |e |y |dan )?"
_HOUR_AND_A_HALF = (
    r"an hour and a half|one hour and a half|(?:one|1) and a half hours?"
    r"|(?:uma|1) hora e meia|(?:una|1) hora y media"
    r"|satu setengah jam|(?:satu|1) jam setengah|sejam setengah"
)
_RELATIVE = re.compile(
    # hours and minutes: "in 1 hour 30 minutes", "1 jam 30 menit lagi", "in 1h30", "in 1.5
    # hours", "in an hour and a half", "satu setengah jam lagi"
    rf"\b{_FROM_NOW} (?P<hh>\d{{1,2}}) ?(?:{_HOURS_UNIT}|h) {_AND}(?P<mm>[0-5]?\d) ?"
    rf"(?:{_MINUTES_UNIT})\b"
    rf"|\b(?P<hh2>\d{{1,2}}) ?(?:{_HOURS_UNIT}|h) {_AND}(?P<mm2>[0-5]?\d) ?(?:{_MINUTES_UNIT})"
    r" (?:lagi|lg|from now)\b"
    rf"|\b{_FROM_NOW} (?P<hh3>\d{{1,2}}) ?h ?(?P<mm3>[0-5]\d)\b"
    rf"|\b{_FROM_NOW} (?P<hd>\d)[.,]5 ?(?:{_HOURS_UNIT})\b"
    rf"|\b(?P<hd2>\d)[.,]5 ?(?:{_HOURS_UNIT}) (?:lagi|lg|from now)\b"
    rf"|\b{_FROM_NOW} (?P<oh>{_HOUR_AND_A_HALF})\b"
    rf"|\b(?P<oh2>{_HOUR_AND_A_HALF}) (?:lagi|lg|from now)\b"
    rf"|\b{_FROM_NOW} (?P<n>\d{{1,2}}) ?(?P<unit>{_UNIT})\b"
    rf"|\b(?P<n2>\d{{1,2}}) ?(?P<unit2>{_UNIT}) (?:lagi|lg|from now)\b"
    rf"|\b{_FROM_NOW} (?:(?P<half>{_HALF_HOUR})"
    rf"|(?P<one>{_ONE_HOUR}))\b"
    rf"|\b(?:(?P<half2>{_HALF_HOUR})|(?P<one2>{_ONE_HOUR})) (?:lagi|lg|from now)\b"
    # a couple or a few hours: "in a few hours", "beberapa jam lagi", "daqui umas horas"
    rf"|\b{_FROM_NOW} (?P<some>{_SOME}) (?:{_HOURS_UNIT})\b"
    rf"|\b(?P<some2>{_SOME}) (?:{_HOURS_UNIT}) (?:lagi|lg|from now)\b"
    # "call me in 20", "call me back in 10": minutes, said bare after a call
    r"|\b(?:call|ring|text|try)(?: (?:me|us|u|back|again))* in (?P<minutes>5|10|15|20|30|45)"
    r"(?= (?:please|pls|ok|okay|thanks|thx)\b|$)"
)
"""A time from now: "in 2 hours", "30 menit lagi", "daqui a uma hora", "call me in 20",
"give me 10 minutes"."""
_SPOKEN = (
    (re.compile(r"\bhalf past (\d{1,2})(?=\b|[ap]m\b)"), 0, 30),
    (re.compile(r"\bquarter past (\d{1,2})(?=\b|[ap]m\b)"), 0, 15),
    (re.compile(r"\bquarter to (\d{1,2})(?=\b|[ap]m\b)"), -1, 45),
    (re.compile(r"\b(\d{1,2}) e meia\b"), 0, 30),
    (re.compile(r"\bsetengah (\d{1,2})\b"), -1, 30),  # half way to three: 2:30
    (re.compile(r"\b(\d{1,2}) (?:lewat|lebih) (?:15|seperempat)(?: menit)?\b"), 0, 15),
    (re.compile(r"\b(\d{1,2}) kurang (?:15|seperempat)(?: menit)?\b"), -1, 45),
    (re.compile(r"\b(\d{1,2}) (?:lewat|lebih) 30(?: menit)?\b"), 0, 30),
    (re.compile(r"\b(\d{1,2}) e quinze\b"), 0, 15),
    (re.compile(r"\b(\d{1,2}) y media\b"), 0, 30),
    (re.compile(r"\b(\d{1,2}) y cuarto\b"), 0, 15),
    (re.compile(r"\b(\d{1,2}) menos cuarto\b"), -1, 45),
    # "at ten thirty" (its hour in digits by then: `_hours_in_words`), "at 4 fifteen"
    (re.compile(r"\b(?<=at )(\d{1,2}) thirty\b"), 0, 30),
    (re.compile(r"\b(?<=at )(\d{1,2}) fifteen\b"), 0, 15),
    (re.compile(r"\b(?<=at )(\d{1,2}) forty five\b"), 0, 45),
)
"""Half and quarter hours as they are said, rewritten as a clock reads them ("half past
3pm" as "3:30pm")."""
_LATE = frozenset({15, 17, 19})

_MONTHS = (  # no abbreviation that is also a common word: "10 out of 10", "a week ago"
    r"january|januari|janeiro|enero|jan",
    r"february|februari|fevereiro|febrero|feb|fev|pebruari",
    r"march|maret|marco|marzo|mar",
    r"april|abril|apr|abr",
    r"may|mei|maio|mayo|mai",
    r"june|juni|junho|junio|jun",
    r"july|juli|julho|julio|jul",
    r"august|agustus|agosto|aug|agu|agt|ags",
    r"september|setembro|septiembre|setiembre|sept|sep",
    r"october|oktober|outubro|octubre|oct|okt",
    r"november|novembro|noviembre|nov|nop",
    r"december|desember|dezembro|diciembre|dec|des|dez",
)


_NUMERIC_DATE = re.compile(
    r"(?<![\d/.:])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)(?:/(?:20)?\d\d)?(?![\d/.:])"
    r"(?= (?:at|as|a|jam|jm|pukul|pkl|pagi|siang|sore|malam|malem|de|da|in|morning"
    r"|afternoon|evening|ok|okay|pls|please|ya|aja)\b|$)"
)
"""A date written in numbers, before an hour or a part of the day or as the message ends:
"5/12 às 14h", "tgl 25/12 jam 10", "call me 12/3"; not a fraction ("1/2 hour")."""
_MONTH_FIRST = frozenset({"US", "PH", "FM", "MH", "PW"})
"""Countries that write a date's month first ("12/3" is 3 December)."""


def _date_in_words(found: re.Match[str], zone: ZoneInfo) -> str:
    """The date `found` written in numbers as `_DATE` reads it ("5 december"): day first,
    as in Indonesia, Brazil and most of the world, unless that cannot be ("12/25") or the
    lead's zone is in a country that writes the month first and that can be; as it was when
    it names no date ("31/31")."""
    first, second = int(found["a"]), int(found["b"])
    month_first = second > 12 or (first <= 12 and _country(zone.key) in _MONTH_FIRST)
    day, month = (second, first) if month_first else (first, second)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return found[0]
    return f"{day} {_MONTHS[month - 1].split('|')[0]}"


@lru_cache
def _country(zone_key: str) -> str | None:
    """The country of the time zone `zone_key` ("America/New_York": "US"), if tzdata's zone
    table names one."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    rows = (line.split("\t") for line in table.splitlines() if not line.startswith("#"))
    return next((row[0] for row in rows if len(row) > 2 and row[2] == zone_key), None)


def _month(group: str) -> str:
    """Any month's name, the month's number (from 0) kept in the group `<group><n>`."""
    return "|".join(f"(?P<{group}{n}>{words})" for n, words in enumerate(_MONTHS))


_EL_DAY = (
    r"(?:(?<=hasta )|(?<=para )|(?<=desde )|(?<=llamame )|(?<=marcame )|(?<=escribeme ))el"
    r"|(?:despues|antes|a partir) del"
)
"""A Spanish "el" that names a day of the month after it: "llámame el 15", "hasta el 15",
"después del 10"; not one alone ("el 2 es mejor" may be a plan)."""
_DATE = re.compile(
    # "30 November", "30th of November", "2 de dezembro", "tanggal 30 nov", "dia 2 de dezembro"
    r"\b(?:(?:tanggal|tgl|tg|dia|the) )?(?P<dom>[0-3]?\d)(?:st|nd|rd|th)? (?:of |de )?"
    + rf"(?:{_month('x')})\b"
    # "November 30", "dec 2nd"
    + rf"|\b(?:{_month('y')}) (?P<dom2>[0-3]?\d)(?:st|nd|rd|th)?\b"
    # "on the 30th", "tanggal 30", "tgl 30", "dia 30", "the 2nd", "llámame el 15", "hasta
    # el 15", "después del 10"; not "the 3 classes", "me interesa el 2"
    + rf"|\b(?:tanggal|tgl|tg|dia|the(?! \d+ (?:{_COUNTED})\b)|{_EL_DAY}) (?P<dom3>[0-3]?\d)"
    + r"(?:st|nd|rd|th)?\b"
    # "30th" alone
    + r"|\b(?P<dom4>[0-3]?\d)(?:st|nd|rd|th)\b"
)


_AFTER_THE_DATE = re.compile(
    r"\b(?:after|depois do|depois de|setelah|sesudah|stlh|abis|habis|despues de)"
    r"(?: (?:the|o|el))? $"
)
"""Words right before a date that ask for the days after it: "after the 10th", "depois do
dia 10", "setelah tanggal 10"."""


def _after_the_date(dated: re.Match[str]) -> bool:
    """The date `dated` names is said with "after" before it ("after the 10th", "setelah
    tanggal 20", "después del 10"): the day after it is asked for."""
    before = dated.string[: dated.start()]
    return _AFTER_THE_DATE.search(before) is not None or dated[0].startswith("despues")


def _date_asked(message: str) -> re.Match[str] | None:
    """The first date the normalised `message` names (`_DATE`), or the next one when the
    first is the day the lead is paid and another follows: "I get paid on the 15th, will
    pay on the 16th", "recebo dia 5, pago dia 6" (the 16th, the 6th)."""
    dates = list(_DATE.finditer(message))
    if len(dates) > 1 and _PAID_ON.search(message[: dates[0].start()]):
        return dates[1]
    return dates[0] if dates else None


def requested_time(
    message: str,
    now: datetime,
    zone: ZoneInfo,
    *,
    refusal_asked: bool = False,
    refusal: HourRefused | None = None,
) -> datetime | None:
    """The time (in `zone`) a normalised `message` names, or None. "In N hours" counts
    real hours, also across a change of the clocks; a wall-clock time the clocks skip
    moves forward by the gap (`localtime.to_utc`). `refusal_asked`: the message asks
    whether an hour does not suit ("jam 3 gak bisa kak?"), so one refused is not taken
    as said by the lead (`_refused_alone`). `refusal`: how the clause of the first hour
    refuses it (`hour_refused`)."""
    message = _NUMERIC_DATE.sub(lambda found: _date_in_words(found, zone), message)
    relative = _RELATIVE.search(message)
    if relative:
        later = _later(relative)
        return _from_now(now, later, zone)
    if _free_now_after(message) or _asked_being_free(message):
        return _from_now(now, SOON, zone)  # "maaf tadi gak angkat, sekarang bisa kak"
    if _PAST.search(message) and not _AHEAD.search(message):
        return None
    asked_now = _NOW_ASKED.search(message)
    refused = asked_now is not None and _NOT_NOW & set(message[: asked_now.start()].split()[-3:])
    if (
        (asked_now and not refused)
        or _ONLY_ASKED.fullmatch(message)
        or _ASKED_ANYHOW.fullmatch(message)
    ):
        return _from_now(now, SOON, zone)
    excepted = _anytime_but(message, now.astimezone(zone).date())
    if excepted is not None:  # "anytime except tomorrow", "next week except monday"
        return _first_not_excepted(*excepted, now, zone)
    local_now = now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    phrase = _english(message, local_now, refusal_asked=refusal_asked, refusal=refusal)
    if phrase is None:
        return None
    clock_alone = _CLOCK_ALONE.fullmatch(phrase)
    if clock_alone:  # the parser's "future" for an hour alone can be a month ahead
        hour, minute = int(clock_alone["hour"]), int(clock_alone["minute"])
        return _next_at(local_now.replace(hour=hour, minute=minute), local_now, zone)
    settings = {"RELATIVE_BASE": local_now, "PREFER_DATES_FROM": "future"}
    # Imported here: only the webhook reads replies, and every other handler's cold start
    # would pay for it (about 30 ms with `regex`).
    with loading():  # the parser loads its language data with its first phrase
        import dateparser

        parsed: datetime | None = dateparser.parse(phrase, languages=["en"], settings=settings)
    if parsed is None:
        return None
    return _next_at(parsed.replace(tzinfo=None, second=0, microsecond=0), local_now, zone)


def _next_at(at: datetime, local_now: datetime, zone: ZoneInfo) -> datetime:
    """`at` on the local clock, a day at a time later while it is not after `local_now`:
    a time past with no date named (a named one is still to come)."""
    while at <= local_now:
        at += timedelta(days=1)
    return to_utc(at, zone).astimezone(zone)


def _free_now_after(message: str) -> bool:
    """The normalised `message` ends saying the lead is free now (`_FREE_NOW`), after
    words that name no day nor hour and do not negate it: "free now", "sorry I missed your
    call, I'm free now", "I was in a meeting, free now", "maaf tadi gak angkat, sekarang
    bisa kak"; not "I'm not free now" nor "tomorrow, free now?"."""
    words = message.split()
    for start in range(len(words)):
        if _FREE_NOW.fullmatch(" ".join(words[start:])):
            before = " ".join(words[:start])
            return not (
                set(words[start - 1 : start]) & _NOT_FREE_NOW
                or _DAY.search(before)
                or _CLOCK.search(before)
            )
    return False


_FREE_SAID = re.compile(
    r"(?:(?:im|i am|iam) )?(?:not busy|free|home|available|back)(?: (?:anymore|any more))?"
    r"|(?:sorry )?i missed your call"
    r"|(?:aku |saya |sy |gue )?(?:lagi )?(?:(?:gak|ga|gk|nggak|ngga|tidak|tdk) sibuk|free|luang)"
    r"(?: kok)?"
    r"|(?:maaf )?tadi (?:gak|ga|gk|nggak|tidak) (?:angkat|keangkat|ngangkat)"
    r"|(?:eu )?(?:estou|to|tou) livre|(?:eu )?nao (?:estou|to|tou) ocupad[oa]"
    r"|(?:desculpa |desculpe )?(?:nao atendi|perdi (?:a|sua) ligacao)"
    r"|(?:yo )?(?:estoy|ando) libre|(?:yo )?no (?:estoy|ando) ocupad[oa]"
    r"|(?:perdon |disculpa )?no (?:conteste|alcance a contestar)"
)
"""The lead saying they are free, or sorry to have missed a call: "I'm not busy", "aku
gak sibuk", "tô livre", "no estoy ocupado", "sorry I missed your call"."""
_NOW_WORDS = frozenset(
    {"now", "right", "rn", "skrg", "sekarang", "agora", "ahora", "ahorita", "ya", "kok", "aja"}
)
"""Words for now, and fillers, said about a call asked for or about being free."""


def _asked_being_free(message: str) -> bool:
    """The normalised `message` asks for a call now (`_ONLY_ASKED`, `_ASKED_ANYHOW`)
    before or after saying the lead is free (`_FREE_SAID`), and nothing else: "I'm not
    busy, call me", "call me, I'm free now", "aku gak sibuk, telpon skrg aja", "tô livre,
    pode ligar", "márcame, no estoy ocupado". Not "I'm not free, call me tomorrow"."""
    words = message.split()
    for cut in range(1, len(words)):
        for free, ask in ((words[:cut], words[cut:]), (words[cut:], words[:cut])):
            said = " ".join(word for word in free if word not in _NOW_WORDS)
            asked = " ".join(word for word in ask if word not in _NOW_WORDS - {"ya", "aja"})
            if _FREE_SAID.fullmatch(said) and (
                _ONLY_ASKED.fullmatch(asked) or _ASKED_ANYHOW.fullmatch(asked)
            ):
                return True
    return False


_NOT_FREE_NOW = _NOT_NOW | {"nt", "belum", "if", "when", "kalau", "kalo", "se", "si", "cuando"}
_NOT_FREE_NOW |= {"quando"}
"""Words right before a "free now" that negate it or make it a condition."""


def _anytime_but(message: str, today: date) -> tuple[SaidNo, date | None] | None:
    """What a normalised `message` said on `today` asks not to be contacted at when it
    asks to be at any time, on any day or in next week but on days, a part of one or an
    hour ("anytime except tomorrow", "any day except monday", "call me whenever but not
    on friday", "kapan aja kecuali sabtu atau minggu", "qualquer hora menos amanhã de
    manhã", "anytime except tomorrow at 3", "any day next week except monday", "semana
    que vem, menos segunda"), or the lead is free but then ("I'm free except between 12
    and 1"), and the Monday of the week asked for (None: from now on); None for any
    other message."""
    said = _ANYTIME_BUT.fullmatch(message)
    if said is None:
        return None
    ask, but = said["ask"], said["days"]
    week = _A_WEEK_ASKED.fullmatch(ask)
    if not (
        week or _ASKED_ANYHOW.fullmatch(ask) or _ANY_DAY.fullmatch(ask) or _FREE_ALL.fullmatch(ask)
    ):
        return None
    days, parts = list(_DAY.finditer(but)), list(_PART.finditer(but))
    clock_read = _clock_ready(but)  # it drops a part of the day opening it, as a greeting
    clock_read = _OR_HOUR.sub(r"\g<join>at \g<hour>", clock_read)  # "at 3 or 4"
    clocks = list(_CLOCK.finditer(clock_read))
    if not (days or parts or clocks) or len(parts) > 1:
        return None
    besides = _PART.sub(" ", _DAY.sub(" ", _CLOCK.sub(" ", clock_read))).split()
    if not set(besides) <= _EXCEPTED_ALSO:
        return None
    named = week and ("next monday" if week["next"] else "monday after next")
    monday = _monday_of(named, today) if named else None
    if monday is None:
        dates = _dates_of(days, today) if days else frozenset({today})
    else:  # its weekdays are those of next week, as said on the Sunday before it
        every_day = frozenset(monday + timedelta(days=n) for n in range(7))
        dates = _dates_of(days, monday - timedelta(days=1)) & every_day if days else every_day
    if clocks:  # "anytime except tomorrow at 3 (or 4)": those hours of those days, or of
        # every day
        hours = [_clock_hour(clock, _part_hour(parts[0]) if parts else None) for clock in clocks]
        return SaidNo(dates if days or week else None, min(hours), max(hours) + 1, ""), monday
    if not parts:
        return SaidNo(dates, 0, 24, ""), monday
    hour = _part_hour(parts[0])
    return SaidNo(dates, 0 if hour == MORNING_HOUR else hour, _PART_ENDS[hour], ""), monday


def _first_not_excepted(
    excepted: SaidNo, monday: date | None, now: datetime, zone: ZoneInfo
) -> datetime:
    """A quarter of an hour from `now` (or the morning of `monday`, when a week was asked
    for) unless `excepted` says no to it, else the end of what it says no to that day,
    else the morning of the first day after it says no to no more."""

    def at(day: date, hour: int) -> datetime:
        return to_utc(datetime.combine(day, time(hour)), zone).astimezone(zone)

    soon = _from_now(now, SOON, zone) if monday is None else at(monday, MORNING_HOUR)
    if not excepted.covers(soon):
        return soon
    if excepted.end < 24 and not excepted.covers(at(soon.date(), excepted.end)):
        return at(soon.date(), excepted.end)
    day = soon.date() + timedelta(days=1)
    while excepted.covers(at(day, MORNING_HOUR)):
        day += timedelta(days=1)
    return at(day, MORNING_HOUR)


def _from_now(now: datetime, later: timedelta, zone: ZoneInfo) -> datetime:
    """`later` from `now`, to the minute, in real time (across a change of the clocks too),
    in `zone`."""
    return (now.astimezone(UTC).replace(second=0, microsecond=0) + later).astimezone(zone)


def _english(
    message: str,
    now: datetime,
    *,
    refusal_asked: bool = False,
    refusal: HourRefused | None = None,
) -> str | None:
    """The plain English phrase for the first day (a date, else a weekday), hour and part
    of the day named; a date named is one whose hour is after `now` (local)."""
    spans = _spans_ready(message)
    message = _spans_read(spans)
    dated = _date_asked(message)
    undated = _DATE.sub(lambda found: " " * len(found[0]), message) if dated else message
    counted = None if dated else _days_later(undated)
    if counted is not None:  # "in 2 days": its count is no hour
        undated = undated[: counted.start()] + " " * len(counted[0]) + undated[counted.end() :]
    clock = _first_clock(undated)
    called = None if clock is None or dated else _called_later(message, clock)
    if called is not None and len(called) < len(message):
        return _english(called, now)  # "I have a meeting at 3, call me at 5"
    then = None if clock is None or dated else _another_day_after(message, clock)
    if then is not None:
        return _english(then, now)  # "aku sibuk sampai jam 5, besok jam 10 aja"
    weeks = None if dated or counted else _of_next_week(message)
    month = None if dated or counted or weeks else _month_part(message)
    day = None if dated or counted or weeks or month else _day_asked(message, clock)
    if day is not None and clock is not None and _offered_otherwise(message, clock, day):
        day = None  # "at 3 works, call me friday at 5 if not": today at 3
    if day is not None and clock is None and not _PART.search(message) and _refused(message, day):
        return None  # "besok gak bisa", "tomorrow I can't": no day asked for
    weekday = weeks[0] if weeks else None
    asked = min(
        (found for found in (dated, counted, weekday, month, clock, day) if found),
        key=_start,
        default=None,
    )
    refused = None if asked is None else _not_called(message, asked, asked is day)
    if asked is not None and refused is not None:
        instead = _asked_instead(message, asked, refused, asked is day)
        # shorter each time: the day refused and its refusal are left out
        return _english(instead, now) if instead and len(instead) < len(message) else None
    plain = refusal is HourRefused.AFTER
    other = None if clock is None else _hour_instead(message, clock, plain=plain)
    if other is not None and len(other) < len(message):
        return _english(other, now)  # shorter: the hour refused and its refusal are left out
    if clock is not None and not refusal_asked and _refused_alone(message, clock):
        return None  # "tomorrow at 3 I can't, I have class": never the hour refused
    first = None
    if clock is not None and refusal is HourRefused.BEFORE and not refusal_asked:
        first = _refusal_before(message[: clock.start()].split(), clock)
    if clock is not None and first is not None:
        other = _offered_instead(message, clock, first)
        if other is None or len(other) >= len(message):
            return None  # "I can't at 3", "gak bisa jam 3 besok": never the hour refused
        return _english(other, now)  # "I can't at 3, how about 6?"
    if not (day or clock or dated or counted or weeks or month):
        return _part_asked(message, now)
    hour, minute = MORNING_HOUR, 0
    part_hour = _part_beside(message, clock or day or dated or counted or weekday or month)
    if clock:
        hour = _clock_hour(clock, part_hour)
        minute = _minute(clock)
        engaged = _ENGAGED_AT.search(message, 0, clock.start())
        if _called_after_it(message, clock):
            hour += 1 if hour < 23 else 0  # "I have a meeting at 3, call me after"
        elif engaged is not None:  # "I have a meeting at 3, call at 5": never the first hour
            rest = f"{message[: engaged.start()]} {message[clock.end() :]}"
            return _english(rest, now) if rest.split() else None
    elif part_hour is not None:
        hour = part_hour
    elif (free := _free_after_part(message)) is not None:
        hour = free  # "tomorrow I'm busy before lunch": from noon
    elif (own := _part_asking_itself(message)) is not None:
        hour = own  # "besok aku kerja sampe sore, telpon malem aja": that day's evening
    today = not (dated or counted or weeks or month) and (day is None or _day_name(day) == "today")
    if clock is not None and today and _span_begun(spans, clock, hour, minute, now):
        soon = now + SOON  # "I'm free between 9 and 11" said at 10
        return f"{soon.date().isoformat()} {soon:%H:%M}"
    later = clock is not None and _LATER_TODAY.search(message, 0, clock.start()) is not None
    # "at 7" said at 6 in the evening
    later |= day is None and clock is not None and _evening_near(clock, now)
    if clock is not None and (day is not None or later) and today and part_hour is None:
        # "today at 7", "nanti jam 7", "later at 7" said at 9 in the morning: 19:00, not
        # tomorrow's 07:00
        hour += 12 if _evening_meant(clock, now) else 0
    part_limit = None if clock else _part_limit(message)
    if part_limit is not None:
        hour, minute = part_limit, 0  # "tomorrow before lunch": the hour the part begins
    if (clock is not None and _asked_before(message, clock)) or part_limit is not None:
        # the earliest time to come before it: soon today, else a day's morning
        limit = time(hour, minute) if hour or minute else time.max  # before midnight: all day
        hour, minute = (MORNING_HOUR, 0) if time(MORNING_HOUR) < limit else (max(hour - 1, 0), 0)
        soon = now + SOON
        if not (dated or counted or weeks or month) and (day is None or _day_name(day) == "today"):
            if soon.date() == now.date() and soon.time() < limit:
                return f"{soon.date().isoformat()} {soon:%H:%M}"
            return f"tomorrow {hour:02d}:{minute:02d}"
    # "jam 12 malam", "12 da noite": the midnight that ends the day, to come all that day
    midnight = clock is not None and hour == 12 and part_hour == 19 and not _as_said(clock)[1]
    hour, minute = (23, 59) if midnight else (hour, minute)

    def at(day: date | None) -> str | None:
        if day is None:
            return None
        if midnight:
            return f"{(day + timedelta(days=1)).isoformat()} 00:00"
        return f"{day.isoformat()} {hour:02d}:{minute:02d}"

    if dated is not None:
        named = _date_named(dated, now, hour, minute)
        if named is not None and _after_the_date(dated):
            named += timedelta(days=1)  # "call me after the 10th": the 11th
        return at(named)
    if counted is not None:
        return at(now.date() + timedelta(days=_days_counted(counted)))
    if weeks is not None:
        return at(now.date() + timedelta(days=7 - now.weekday() + weeks[1]))
    if month is not None:
        return at(_month_day(month, now, hour, minute))
    when = _day_name(day) if day else ""
    if when == "today" and clock is None:
        # "nanti" alone is "later", not a time; "nanti malam" is this evening
        return _todays(part_hour, now) if part_hour is not None else None
    if day is not None and when == "weekend":
        return at(_weekend(now, hour, minute, next_one=_said_next(day)))
    if day is not None and when in _WEEKDAYS:
        return at(_weekday_named(day, when, now, hour, minute))
    if when == "monday after next":
        return at(_monday_of(when, now.date()))
    if midnight:
        ahead = _monday_of(when, now.date()) if when in _WEEKS_AHEAD else None
        return at(ahead or now.date() + timedelta(days=_DAYS_AHEAD.get(when, 0)))
    return f"{when} {hour:02d}:{minute:02d}".strip()


_COUNTS = {
    **{word: n for words in _HOUR_WORDS.values() for word, n in words.items() if n <= 7},
    **{"um": 1, "un": 1, "dois": 2},  # the masculine forms no hour takes
    **{"quinze": 15, "quince": 15, "fifteen": 15, "lima belas": 15},  # two weeks, as said
    **_SOME_COUNTS,
}
"""Days or weeks counted in words, up to a week, and fifteen days ("in two days", "daqui a
dois dias", "daqui a quinze dias", "en quince días")."""
# English "a" counts one day, week or fortnight ("in a week"); not Portuguese "daqui a dias"
_COUNT = (
    rf"\d{{1,2}}|{'|'.join(sorted(_COUNTS, key=len, reverse=True))}"
    r"|a(?= (?:day|week|fortnight)\b)"
)
_DAY_UNIT = r"days?|hari|dias?|weeks?|minggu|semanas?|fortnights?"
_ABOUT = r"(?:(?:uns|umas|unos|unas|about|around|sekitar|kira kira|kurang lebih) )?"
_DAYS_LATER = re.compile(
    rf"\b(?:{_IN}|{_GIVE_ME}|need|necesito|preciso de) {_ABOUT}(?P<n>{_COUNT})"
    rf" ?(?P<unit>{_DAY_UNIT})\b"
    rf"|\b(?P<n2>{_COUNT}) ?(?P<unit2>{_DAY_UNIT}) (?:lagi|lg|from now|from today)\b"
    r"|\b(?P<one>sehari|seminggu) (?:lagi|lg)\b"
)
"""Days (or weeks) counted from today, asked for before a call: "in 2 days", "give me 3
days", "2 hari lagi", "kasih waktu 2 hari", "daqui a 2 dias", "dame tres días", "seminggu
lagi", "in a week", "a week from now", "daqui a uma semana"."""


_EVENT_VERBS = frozenset(
    {"start", "starts", "begin", "begins", "open", "opens", "close", "closes", "end", "ends"}
    | {"mulai", "dimulai", "buka", "dibuka", "tutup", "ditutup", "selesai", "berakhir"}
    | {"comeca", "comecam", "abre", "fecha", "termina", "empieza", "empiezan", "inicia"}
)
"""Verbs of something that happens, right before days counted ("the course starts in 2
weeks", "kelasnya mulai 2 minggu lagi"): when it happens, no time asked for."""


def _asked_not_happening(pattern: re.Pattern[str], message: str) -> re.Match[str] | None:
    """The first time `pattern` finds in `message`, unless a verb of something happening
    comes right before it: when it happens, no time asked for ("the course starts in 2
    weeks", "kelasnya mulai bulan depan")."""
    found = pattern.search(message)
    before = message[: found.start()].split() if found else []
    return None if before and before[-1] in _EVENT_VERBS else found


def _days_later(message: str) -> re.Match[str] | None:
    """Days counted from today that `message` asks for (`_DAYS_LATER`)."""
    return _asked_not_happening(_DAYS_LATER, message)


def _days_counted(counted: re.Match[str]) -> int:
    """How many days from today `counted` (a `_DAYS_LATER` match) says."""
    if counted["one"]:
        return 7 if counted["one"] == "seminggu" else 1
    said = counted["n"] or counted["n2"]
    count = int(said) if said.isdigit() else _COUNTS.get(said, 1)
    unit = counted["unit"] or counted["unit2"]
    if unit.startswith("fortnight"):
        return count * 14
    return count * 7 if unit.startswith(("week", "minggu", "semana")) else count


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NEXT_BEFORE = re.compile(r"\b(?:next|proxima|proximo) $")
_NEXT_AFTER = re.compile(r"^ (?:depan|dpn|que vem|que viene|proxima|proximo)\b")
"""The next one of a weekday, said right before it ("next tuesday", "na próxima terça", "el
próximo martes") or right after it ("selasa depan", "terça que vem", "martes que viene")."""


_BETWEEN_WEEK_AND_DAY = frozenset(
    {"on", "the", "of", "hari", "di", "na", "no", "da", "do", "de", "la", "el", "a", "pas"}
    | {"pode", "ser", "puede", "maybe", "talvez", "mungkin", "aja", "ya"}
)
"""Words between next week and a weekday of it: "semana que vem na quarta", "el miércoles
de la semana que viene", "next week on wednesday", "semana que vem, pode ser na
quarta"."""


_MIDDLE_OF = re.compile(
    r"\b(?:mid|middle of|pertengahan|tengah|meio da|meados da|mediados de la|mitad de la) $"
)
"""The middle of what comes right after: "mid next week", "tengah minggu depan"."""
_END_OF = re.compile(r"\b(?:end of|fim da|final da|final de la) $")
"""The end of what comes right after: "end of next week", "fim da semana que vem"."""


def _of_next_week(message: str) -> tuple[re.Match[str], int] | None:
    """The weekday `message` names as next week's ("minggu depan hari rabu", "wednesday
    next week", "quarta da semana que vem"), its Wednesday for the middle of it ("the
    middle of next week", "tengah minggu depan", "meio da semana que vem") or its Friday
    for the end of it ("end of next week", "fim da semana que vem"): its match, and how
    many days after next week's Monday it is."""
    days = list(_DAY.finditer(message))
    for day in days:
        later = _WEEKS_AHEAD.get(_day_name(day))
        if later is None:
            continue
        if _MIDDLE_OF.search(message[: day.start()]):
            return day, later + _WEEKDAYS.index("wednesday")
        if _END_OF.search(message[: day.start()]):
            return day, later + _WEEKDAYS.index("friday")
    for first, then in pairwise(days):
        between = set(message[first.end() : then.start()].split())
        if not between <= _BETWEEN_WEEK_AND_DAY or len(between) > 3:
            continue
        names = (_day_name(first), _day_name(then))
        weekday = next((n for n in names if n in _WEEKDAYS), None)
        week = next((n for n in names if n in _WEEKS_AHEAD), None)
        if week is not None and weekday is not None:
            match = first if _day_name(first) == weekday else then
            return match, _WEEKS_AHEAD[week] + _WEEKDAYS.index(weekday)
    return None


_WEEKS_AHEAD = {"next monday": 0, "monday after next": 7}
"""The weeks a day name stands for, by how many days after next week's Monday theirs is:
next week ("minggu depan", "semana que vem"), and the week after it ("the week after
next", "minggu depannya lagi", "a semana depois da que vem", "after next week")."""


def _monday_of(week: str, today: date) -> date:
    """The Monday of the week (`_WEEKS_AHEAD`) named on `today`."""
    return today + timedelta(days=7 - today.weekday() + _WEEKS_AHEAD[week])


_MONTH_START = (
    r"awal|early|beginning of|start of|inicio do|inicio de|comeco do|comeco de|principios del"
    r"|principios de|first week of|minggu pertama|primeira semana do|primeira semana de"
)
_MONTH_MIDDLE = (
    r"mid|middle of|pertengahan|tengah|meio do|meio de|meados do|meados de|mediados del"
    r"|mediados de|mitad del|mitad de"
)
_MONTH_END = r"akhir|ujung|end of|fim do|fim de|final do|final de|fin de|fines de|finales de"
_NEXT_MONTH = r"bulan depan|next month|mes que vem|proximo mes|mes que viene"
PAYDAY = (
    r"gajian|gajihan|payday|pay day|(?:i )?get paid|dia do pagamento|dia de pagamento"
    r"|(?:eu )?receber o salario|o salario cair|cair o salario|cobre|me paguen"
)
"""Payday, or getting paid: "gajian", "when I get paid", "quando receber o salário",
"cuando cobre"."""
_PAID_ON = re.compile(
    rf"\b(?:{PAYDAY}|paid|recebo|me pagan|cobro)(?: (?:on|em|no|el|di|pada|tanggal|tgl|dia))?"
    r"(?: the)? $"
)
"""What the lead says before the day they are paid on: "I get paid on the 15th", "recebo
dia 5", "gajian tanggal 25"."""
_MONTH_PART = re.compile(
    rf"\b(?:(?P<end>{_MONTH_END})|(?P<mid>{_MONTH_MIDDLE})|{_MONTH_START})"
    rf" (?:(?P<next>{_NEXT_MONTH})|(?:the |this )?month|bulan(?: ini)?|(?:este |esse )?mes"
    rf"|{_month('z')})\b"
    rf"|\b(?P<alone>{_NEXT_MONTH})\b|\b(?P<month_end>month end)\b"
    rf"|\b(?P<paid_after>(?:abis|habis|setelah|sesudah|stlh|after|depois que|despues de que)"
    rf" (?:{PAYDAY}))\b"
    r"|\b(?:abis|habis|setelah|sesudah|stlh|after|depois do|depois da|depois de|despues de"
    r"|despues del) (?:the )?(?:(?P<eid>lebaran|idul fitri|idulfitri|hari raya|eid)"
    r"|(?P<christmas>natal|natalan|christmas|xmas|navidad)"
    r"|(?P<new_year>tahun baru|new year|new years|ano novo|ano nuevo|reveillon))\b"
    rf"|\b(?:pas|waktu|wkt|kalau|kalo|klo|nanti|on|at|no|when|once|quando|cuando)"
    rf" (?:(?:udah|sudah|dah) )?(?P<payday>{PAYDAY})\b"
    # a month alone, its start: "call me in january", "em janeiro", "bulan januari aja",
    # "januari aja kak"
    rf"|(?:^|\b(?:in|em|en|di|pada|bulan|di bulan) )(?:{_month('w')})\b"
)
"""A part of a month asked for: its start, middle or end ("awal bulan", "mid-month",
"end of the month", "fim do mês"), of next month ("early next month", "pertengahan bulan
depan") or of a month named ("mid december", "awal januari", "início de janeiro"); or
next month or a month alone ("bulan depan", "next month", "mês que vem", "in january",
"em janeiro", "januari aja"), its start, when the message asks for a contact then;
payday asked for ("pas gajian", "kalau udah gajian", "on payday", "no dia do pagamento",
"when I get paid", "cuando cobre"; not "gajian dulu", payday waited for) the month's
end, and after it ("abis gajian", "after payday", "depois que eu receber o salário") the
1st of next month; after a holiday ("abis lebaran", "after christmas", "depois do ano
novo") the day after its last day."""
_PAID_ALREADY = frozenset({"udah", "sudah", "udh", "dah", "baru", "already", "ja", "just"})
"""Words before "after payday" that say it has come: "udah abis gajian"."""


def _month_part(message: str) -> re.Match[str] | None:
    """The part of a month `message` asks for (`_MONTH_PART`); not after a payday said to
    have come ("udah abis gajian")."""
    found = _asked_not_happening(_MONTH_PART, message)
    if found is not None and _month_alone(found) and not _month_asked(message, found):
        return None  # "I was born in january", "my exam is in january"
    if found is None or not found["paid_after"]:
        return found
    before = set(message[: found.start()].split()[-2:])
    return None if before & _PAID_ALREADY else found


def _month_alone(found: re.Match[str]) -> bool:
    """`found` (a `_MONTH_PART` match) names a month alone: "in january"."""
    return any(found[f"w{n}"] for n in range(len(_MONTHS)))


def _month_asked(message: str, found: re.Match[str]) -> bool:
    """The month alone `found` is asked for: a contact is asked for in the message ("call
    me in january"), or it says nothing else ("em janeiro", "bulan januari aja")."""
    rest = f"{message[: found.start()]} {message[found.end() :]}".split()
    return _ASKS.search(message) is not None or set(rest) <= _ASKING_PLAINLY


def _month_day(found: re.Match[str], now: datetime, hour: int, minute: int) -> date | None:
    """The day of the part of a month `found` says, asked for at `hour`:`minute`: the
    1st, the 15th or the last day (payday's) of next month, of this month while that
    day's hour is to come (else of next month), or of the month named, this year while to
    come (a month gone by this year is next year's; None once the part of this month is
    past); or the day after a holiday (`_after_holiday`)."""
    today = now.date()

    def day_of(first: date) -> date:
        if found["end"] or found["month_end"] or found["payday"]:
            return _first_of_next(first) - timedelta(days=1)
        return first.replace(day=15) if found["mid"] else first

    def to_come(day: date) -> bool:
        return datetime.combine(day, time(hour, minute)) > now

    if found["eid"] or found["christmas"] or found["new_year"]:
        return _after_holiday(found, today)
    this_month = today.replace(day=1)
    if found["next"] or found["alone"] or found["paid_after"]:
        return day_of(_first_of_next(this_month))
    named = next((n + 1 for n in range(len(_MONTHS)) if found[f"z{n}"] or found[f"w{n}"]), None)
    if named is None:
        day = day_of(this_month)
        return day if to_come(day) else day_of(_first_of_next(this_month))
    day = day_of(date(today.year + (named < today.month), named, 1))
    return day if to_come(day) else None


def _after_holiday(found: re.Match[str], today: date) -> date | None:
    """The day after the last day of the next holiday `found` names that has not ended
    before `today`: Eid al-Fitr as Indonesia keeps it (both its days), Christmas, New
    Year's Day; None for a year the calendar does not know."""
    years = (today.year, today.year + 1)
    if found["christmas"]:
        last = [date(year, 12, 25) for year in years]
    elif found["new_year"]:
        last = [date(year, 1, 1) for year in years]
    else:
        last = [day for day in map(_last_day_of_eid, years) if day is not None]
    ended = next((day for day in last if day >= today), None)
    return ended + timedelta(days=1) if ended else None


@lru_cache(maxsize=8)
def _last_day_of_eid(year: int) -> date | None:
    """The last day of Eid al-Fitr in `year` as Indonesia keeps it, or None if the
    calendar does not know it."""
    # Imported here: only a reply naming Eid needs the calendar.
    with loading():
        import holidays

        calendar = holidays.country_holidays("ID", years=year, language="en_US")
    return max((day for day, name in calendar.items() if "Eid al-Fitr" in name), default=None)


def _first_of_next(first: date) -> date:
    """The 1st of the month after the one that begins on `first`."""
    return (first + timedelta(days=31)).replace(day=1)


def _weekend(now: datetime, hour: int, minute: int, *, next_one: bool = False) -> date:
    """The day of the weekend asked for at `hour`:`minute`: its Saturday, or its Sunday
    when Saturday's hour is past; the next one's Saturday once Sunday's is, or when the
    lead says the next one during a weekend ("next weekend" on a Saturday)."""
    today = now.date()
    if next_one and today.weekday() >= 5:
        return today + timedelta(days=12 - today.weekday())
    to_come = datetime.combine(today, time(hour, minute)) > now
    if today.weekday() == 6:  # Sunday
        return today if to_come else today + timedelta(days=6)
    if today.weekday() == 5:  # Saturday
        return today if to_come else today + timedelta(days=1)
    return today + timedelta(days=5 - today.weekday())


def _weekday_named(day: re.Match[str], name: str, now: datetime, hour: int, minute: int) -> date:
    """The date of the weekday `name` that `day` says, asked for at `hour`:`minute`: the
    coming one, today itself while that hour is still to come (as a date named is), unless
    the lead says the next one ("next tuesday" on a Tuesday is a week later)."""
    ahead = (_WEEKDAYS.index(name) - now.weekday()) % 7
    past = datetime.combine(now.date(), time(hour, minute)) <= now
    if ahead == 0 and (_said_next(day) or past):
        ahead = 7
    return now.date() + timedelta(days=ahead)


def _said_next(day: re.Match[str]) -> bool:
    """Whether the lead said the next one of the day `day` names (`_NEXT_BEFORE`,
    `_NEXT_AFTER`)."""
    said = day.string
    return bool(_NEXT_BEFORE.search(said[: day.start()]) or _NEXT_AFTER.search(said[day.end() :]))


_NEAR_AFTER = re.compile(
    r"\b(?:call me|text me|ring me|message me|me liga|me ligue|me ligar|me chama|telpon|telp"
    r"|hubungi|kabari|kabarin|free|available|livre|disponivel|luang|good|fine|ok|okay|works"
    r"|better|best|later|nanti|ntar|nti)(?: back)? $"
)
"""Words right before "around 3" that ask for it: "call me around 3", "call me back around
3", "free around 3", "friday's good, around 2", "later around 6", "mais tarde umas 6"."""
_TO_A_PART = re.compile(r" (?:(?:in the|at|de la|en la|por la|de|da|a|di) )?")


_NOT_CALLED_BEFORE = re.compile(
    r"\b(?:(?:dont|do not|never|jangan|jgn)(?: me)? (?:call|text|ring|message|msg|ping"
    r"|telpon|telp|tlp|hubungi|wa|chat|liga|ligue|ligar|chama)(?: me| aku| saya| sy)?"
    r"|no me (?:llames|llamen|llame|escribas|escriban|marques)"
    r"|no (?:calls|texts|messages)(?: please| pls)?)"
    r"(?: (?:at|on|in the|pas|di|as|a|after|past|lewat|depois das|depois de|setelah|sesudah))? $"
)
_NOT_CALLED_AFTER = re.compile(
    r" (?:(?:ya|kak|pls|please) )?(?:dont|do not|jangan|jgn|nao)(?: me)?"
    r" (?:call|text|telpon|telp|tlp|hubungi|liga|ligue|ligar|chama)(?: me| aku| saya| sy)?\b"
    r"| no me (?:llames|llamen|llame|escribas|escriban|marques)\b"
)
"""A request not to be contacted, before the day or hour it names ("don't call me
tomorrow", "jangan telpon besok", "no me llames mañana") or after it ("besok jangan
telpon ya", "amanhã não me liga"). "não me liga amanhã" comes as "dont call me"
(`plain_words`): with its comma lost, "não, me liga amanhã" says no to something else.
Not a refusal of an earlier day ("hari ini jangan, telpon besok aja")."""


_CALLED_BEFORE = re.compile(
    r"\b(?:call(?: me)?|text me|me liga|me ligue|telpon|telp|hubungi|llamame|llamenme|marcame"
    r"|escribeme)(?: (?:on|at|di|pas|el|a las))?"
    rf"(?: (?:{'|'.join(_DAYS.values())})(?: (?:at|jam|pukul|pkl|as|a las))?)? $"
)
"""A request to be called right before a day or hour, or an hour of a day: "call me
thursday", "call me saturday at 10"."""
_INSTEAD = frozenset(
    {"call", "me", "text", "but", "only", "just", "so", "pls", "please", "then", "maybe"}
    | {"instead", "try", "aja", "saja", "ya", "tapi", "mas", "liga", "telpon", "in", "the"}
    | {"kak", "ka", "dong", "deh", "on"}
)
"""Words before the hour or part of the day asked for instead of one refused: "don't call
me tomorrow morning, but the afternoon is fine", "jangan telpon besok pagi, sore aja"."""


_CALLING = frozenset({"call", "text", "liga", "telpon", "telp", "hubungi"})


_OR = frozenset({"or", "atau", "ato", "ou", "else"})
_AGAIN = frozenset({"again", "lagi", "lg", "novo"})
"""Words after an hour asked for that make it a second call: "telpon jam 5 lagi ya"."""


def _another_day_after(message: str, clock: re.Match[str]) -> str | None:
    """`message` from the later day it names, when the first hour `clock` is the end of
    what keeps the lead ("sibuk sampai", "ocupado até as", `_kept_until`) and that day is
    said apart from it, with an hour of its own or with a part of the day it offers: "aku
    sibuk sampai jam 5, besok jam 10 aja", "tô ocupado até as 17h, amanhã às 10 pode" are
    tomorrow at 10, "sibuk sampai jam 5 kak, besok aja" and "I'm at work until 6, saturday
    morning works" that day's morning, "... sampai jam 5 hari ini, besok jam 10 aja" too.
    Not the day the lead is kept on ("aku kerja sampai jam 5 besok", "I'm busy until 6
    tomorrow evening"); a later day said apart that they cannot do either ("aku sibuk
    sampai jam 5, besok jam 10 aku juga sibuk") leaves the message before it: today, from
    the hour they are kept until."""
    if not _kept_until(message[: clock.start()]):
        return None
    days = _DAY.finditer(message, clock.end())
    day = next((found for found in days if _day_name(found) != "today"), None)
    if day is None:
        return None
    apart = message[clock.end() : day.start()].strip() or _CLOCK.search(message, day.end())
    if says_cannot(message[day.start() :]):
        return message[: day.start()] if apart else None
    part = _PART.match(message, day.end() + 1)
    offered = part is not None and _taken(message[part.end() :].split(), _GOOD)
    return message[day.start() :] if apart or offered else None


def _offered_otherwise(message: str, clock: re.Match[str], day: re.Match[str]) -> bool:
    """Whether the day is said after the first hour `clock`, taken ("at 3 works", "jam 3
    bisa"), as what stands if that hour does not: "at 3 works, call me friday at 5 if
    not", "jam 3 bisa, kalau gak jumat jam 5". Not a day said of that hour ("at 3 works
    for me on friday")."""
    after = message[clock.end() :].split()
    if day.start() < clock.end() or not set(after[:1]) & _GOOD:
        return False
    return bool((_IF | _OR) & set(after))


def _called_later(message: str, clock: re.Match[str]) -> str | None:
    """`message` from the request to be called at a later hour, with the day said before
    it, when the first hour `clock` is not asked for: "I have a meeting at 3, call me at
    5", "tenho reunião às 15h, me liga às 17h", "besok aku kelas jam 3, telpon jam 5 aja"
    are the later hour, on the day said last before the request ("hari ini jam 3 rapat,
    besok telpon jam 5 aja" is tomorrow). Not when the first is asked for or taken ("call
    me at 3, or at 5", "3pm works, call me at 5 if not", "jam 3 bisa, telpon jam 5 jg
    boleh"; not "jam 3 aku kosong, tp telpon jam 5 aja"), the later one is a condition, a
    choice or another call ("jam 3 bisa, kalau gak telpon jam 5", "telpon jam 5 lagi ya"),
    or what follows it keeps the lead then (the comma is not read: "jam 3 bisa kak telpon,
    jam 5 aku ada kelas"), nor "don't call me at 5". An hour said alone may be in the
    evening near the first ("at 4pm I'm busy, call me at 8" is 20:00: `_in_the_evening`)."""
    if _CALL_WORDS & set(message[: clock.start()].split()):
        return None
    for later in _CLOCK.finditer(message, clock.end()):
        before = message[: later.start()]
        asked = _CALLED_BEFORE.search(before)
        if asked is None or _NOT_CALLED_BEFORE.search(before):
            continue
        between = message[clock.end() : asked.start()].split()
        after = message[later.end() :].split()
        clause = _first_clause(after)
        also = _TOO & set(between) and not _CLOCK.search(" ".join(between))
        if (
            also  # "jam 3 aja kak, tp bisa jg telpon jam 5"
            or (_IF_SAID | _OR) & set(between)
            or (_taken(between, _GOOD) and not _BUT & set(between))
            or (_TOO | _AGAIN) & set(clause)
            or (clause[:1] and clause[0] in _ME | _I_AM | _ALONE_AFTER)
            or _cannot_or_busy(clause)
        ):
            return None
        request = message[asked.start() :]
        if _in_the_evening(clock, later, message, request):
            request = f"{message[asked.start() : later.end()]} pm{message[later.end() :]}"
        days = list(_DAY.finditer(message, 0, asked.start()))
        day = None if _DAY.search(request) or not days else days[-1]
        return f"{day[0]} {request}" if day else request
    return None


def _start(found: re.Match[str]) -> int:
    return found.start()


def _not_called(message: str, asked: re.Match[str], is_day: bool) -> int | None:
    """Where what follows a request not to be contacted at the day or hour `asked` begins,
    when there is one: "don't call me tomorrow", "jangan telpon besok", "besok jangan
    telpon ya", "amanhã não me liga". Not a request after it that names a day of its own
    ("I'm busy today, don't call me tomorrow either"), nor an hour after an hour or a day
    asked for ("call me at 5, don't call me at 3"); after a day otherwise, an hour is that
    day's ("besok jangan telpon jam 3, jam 5 aja")."""
    before = _NOT_CALLED_BEFORE.search(message[: asked.start()])
    if before is not None and before.start() - 1 not in {
        day.end() for day in _DAY.finditer(message)
    }:
        return asked.end()
    after = _NOT_CALLED_AFTER.match(message, asked.end())
    if after is None:
        return None
    other = _DAY.match(message, after.end() + 1)
    if other is not None and not _taken(message[other.end() :].split(), _FINE):
        return None  # "I'm busy today, don't call me tomorrow either"
    hour = _CLOCK.match(message, after.end() + 1)
    if hour and (_CALLED_BEFORE.search(message[: asked.start()]) or not is_day):
        return None  # "call me at 5, don't call me at 3"
    return after.end()


def _asked_instead(
    message: str, refused: re.Match[str], end: int, is_day: bool, *, of_hour: bool = False
) -> str | None:
    """What `message` asks for after the day or hour `refused`, its refusal ending at
    `end`: "call me at 5" in "don't call me at 3, call me at 5"; an hour or a part of the
    day asked for right after a day refused is on that day ("don't call me tomorrow
    morning, afternoon is fine" is tomorrow afternoon), and so is an hour offered alone
    after an hour refused with its day (`of_hour`: "don't call me at 3 tomorrow, 5 is
    fine", "don't call me tomorrow at 3, 5 is fine"; not "don't call me tomorrow, 5
    works"). Days and hours joined to the one refused are refused too ("don't call me
    monday or tuesday, wednesday is fine")."""
    said = message[end:].strip()
    part = _PART.match(said)
    taken = part is not None and _taken(said[part.end() :].split(), _FINE)
    if is_day and not (taken and _day_name(refused) != "today"):
        kept = _past_its_time(said.split(), later=False)
        passed = said.split()[: len(said.split()) - len(kept)]
        of_hour = of_hour or _CLOCK.search(" ".join(passed)) is not None
        said = " ".join(kept)
    while said.split()[:1] and said.split()[0] in _JOINED | {"nor", "n"}:
        joined = said.partition(" ")[2]
        day = _DAY.match(joined)
        also = day or _CLOCK.match(joined)
        if also is None:
            return None
        said = joined[also.end() :].strip()
        said = " ".join(_past_its_time(said.split(), later=False)) if day else said
    day = None if is_day or _LIMIT.search(message[: refused.end()]) else _DAY.match(said)
    if day is not None and _refused_with(said[day.end() :], refused):
        # "don't call me at 3 tomorrow"
        return _asked_instead(said, day, day.end(), True, of_hour=True)
    if not is_day or _DAY.search(said):
        return said
    words = said.split()
    for start in [0] + [n for n, word in enumerate(words) if word in _CALLING]:
        asking = " ".join(_less_leading(words[start:], _INSTEAD))
        if _CLOCK.match(asking) or _PART.match(asking) or _A_PART.match(asking):
            return f"{refused[0]} {asking}"  # "... I'm in a meeting until 11. Call after 12"
        if of_hour and _HOUR_OFFERED.match(asking):
            return f"{refused[0]} at {asking}"  # "don't call me at 3 tomorrow, 5 is fine"
    return None  # "tomorrow don't call me, I work till 5pm"


def _refused_with(said: str, hour: re.Match[str]) -> bool:
    """`said`, after a day said right after the `hour` refused, makes the day that hour's:
    nothing, a courtesy, the lead busy then, or the part of the day the hour is in ("don't
    call me at 3 tomorrow", "... tomorrow afternoon", "jgn telp jam 9 besok ya, lagi
    ujian"), also before an hour or another day offered ("... tomorrow, 5 is fine", "...
    today, tomorrow is fine"); not what asks for the day ("don't call me at 3, tomorrow is
    fine", "jangan telpon jam 3, besok ya", "..., tomorrow morning", "..., tomorrow I can
    at 10", "..., besok sebelum kuliah aja", "..., besok kuliah libur"), nor a reason
    before an hour offered ("... besok ya, lagi ujian, jam 12 aja")."""
    words = _less_leading(said.split(), _TO_THE_PART)
    part = _PART.match(" ".join(words))
    if part is not None and hour.re is _CLOCK and _within(hour, part):
        words = " ".join(words)[part.end() :].split()
    if set(words) <= _COURTESY or _HOUR_OFFERED.match(" ".join(words)):
        return True
    day = _DAY.match(" ".join(words))
    if day is not None:
        return _taken(" ".join(words)[day.end() :].split(), _FINE)
    left = _after_refusal(_less_leading(words, _FILLERS))
    return left is not None and set(left) <= _FOR_ME  # not "..., besok kuliah libur"


_LIMIT = re.compile(
    r"\b(?:after|past|lewat|depois das|depois de|setelah|sesudah|stlh|abis|habis|before"
    r"|sebelum|antes das)\b(?: \S+){0,2}$"
)
"""A limit before the hour refused: "don't call me after 5 tomorrow" leaves the day open."""
_COURTESY = frozenset({"please", "pls", "thanks", "thank", "you", "obrigado", "obrigada"})
_COURTESY |= {"either", "too", "also", "juga", "tambem", "makasih"}
"""Words that may end a refusal with nothing asked: "don't call me at 3 tomorrow either"."""


def _clock_hour(clock: re.Match[str], part_hour: int | None) -> int:
    """The hour of the day `clock` names, beside the part of the day starting at
    `part_hour`: "8pm" and "jam 8 malam" are 20, "3" alone 15, "10am" 10 (am or pm said
    outright wins over the part of the day)."""
    hour, ampm = _as_said(clock)
    late = part_hour in _LATE or (part_hour in (12, 13) and hour <= 6)
    if ampm == "pm" or (ampm is None and late):
        return hour + 12 if hour < 12 else hour
    if ampm == "am" and hour == 12:
        return 0
    if ampm is None and part_hour is None and 1 <= hour <= 6:
        return hour + 12
    return hour


def _hour_instead(message: str, clock: re.Match[str], *, plain: bool = False) -> str | None:
    """`message` as it reads when the lead refuses the hour `clock` (cannot, busy or a bad
    time said right after it) and offers a later one: "besok jam 3 gak bisa, jam 5 aja",
    "tomorrow at 3 I'm busy, call me at 5", "amanhã às 10 tenho aula, às 14h pode" are the
    later hour on the day named; a day named with it is its own ("tomorrow at 3 doesn't
    work, friday at 5", "today at 3 I can't, 10am tomorrow"). Not when the first hour is
    asked for ("call me at 3, I can't at 5") or a condition ("if tomorrow at 3 doesn't
    work, 5 is fine"), nor when the later hour is refused ("I can't at 5", "jam 4 juga gak
    bisa"), what keeps the lead ("jemput anak jam 5", "have a class at 3"), or a count
    ("kelas 10 bisa daftar?")."""
    rest = _refused_hour(message, clock)
    if rest is None:
        return None
    free = _free_from(message, clock, rest)
    if free is not None:
        return free
    return _offered_after(message[: clock.start()], clock, rest, plain=plain)


def _free_from(message: str, clock: re.Match[str], rest: list[str]) -> str | None:
    """`message` as it reads when what keeps the lead at the hour `clock` lasts until a
    later hour, the words `rest` after the refusal: free from then. "at 3 I'm busy until
    5", "jam 3 aku sibuk sampai jam 5", "às 15h tô ocupado até às 17h" are 17:00, "at 10
    I'm busy until 12" 12:00 (an hour alone is the next one after the hour refused). Not
    an hour before it ("tomorrow at 3? I'm busy until 2": free by then, the hour stays),
    nor when another hour or a day follows; an hour offered after it is that hour."""
    if not rest or rest[0] not in _UNTIL:
        return None
    said = " ".join(rest[1:])
    until = _CLOCK.match(f"at {said}" if said[:1].isdigit() else said)
    if until is None or until["after"] or until["near"]:
        return None
    after = until.string[until.end() :]
    if _CLOCK.search(after) or _DAY.search(after):
        return None
    refused = _clock_hour(clock, _part_beside(message, clock)) * 60
    refused += _minute(clock)
    hour, ampm = _as_said(until)
    minute = _minute(until)
    free = _clock_hour(until, None)
    if ampm is None and free * 60 + minute <= refused < (hour + 12) * 60 + minute < 24 * 60:
        free = hour + 12  # "at 8pm I'm busy until 10"
    if free * 60 + minute <= refused:
        return None
    later = _offered_after(message[: clock.start()], clock, after.split())
    if later is not None:
        return later  # "tomorrow at 3 I'm in a meeting until 4, 5 works"
    return f"{message[: clock.start()]}{free:02d}:{minute:02d}"


def _offered_after(
    before: str,
    clock: re.Match[str],
    rest: list[str],
    *,
    again: bool = False,
    plain: bool = False,
) -> str | None:
    """The time the words `rest`, after the hour `clock` refused, offer instead (a later
    hour, a day or a part of the day; `_hour_instead`), read with what is said `before`
    the hour; None when they offer none. `again`: `rest` follows another hour refused, so
    a day said alone there is offered ("at 3 I can't, 5 neither, friday?"). `plain`: the
    refusal ends the hour's clause, so an hour alone after it is offered ("jam 3 gak bisa,
    jam 5"; not "tomorrow at 3? I'm busy at 5", "jam 3, gk bs jam 1": `HourRefused`)."""
    said = " ".join(_less_leading(rest, _TO_ME))
    alone_hour = _HOUR_ALONE.match(said)
    offered = _HOUR_OFFERED.match(said) or _HOUR_PROPOSED.match(said) or alone_hour
    later = offered or next(
        (found for found in _CLOCK.finditer(said) if not found["near"] or _near(found)), None
    )
    if later is None:
        return _day_or_part_instead(before, clock, said, again=again)
    start, end = later.span("hour") if offered else later.span()
    dated = _DATE.search(said, 0, start)
    between = _DAY.sub(" ", _DATE.sub(" ", said[:start])).split()
    if not set(between) <= _OFFERING | _FROM_THEN:
        return None  # "jemput anak jam 5", "my son has a doctor appointment at 5"
    after = _past_its_time(said[end:].split(), later=True)
    if _refused_too(after):  # "jam 4 juga gak bisa", "5pm neither", "17h tb"
        further = _past_refusal(after)
        return _offered_after(before, clock, further, again=True, plain=plain) if further else None
    day = _DAY.match(" ".join(after))
    if day is not None and (day[0] in _LATER or not _only_taking(after, day)):
        day = None  # "jam 5 nanti aku kabarin" is later; "jam 5 besok aku ada acara" busy
    day = day or _DAY.search(said, 0, start)
    while after[1:2] and after[0] in _JOINED and after[1].isdigit():
        after = after[2:]  # "jam 3 atau 4 bisa"
    clause = _first_clause(after)
    taken = _taken(clause, _GOOD) and (not offered or set(clause) <= _ONLY_TAKEN)
    taken = taken or alone_hour is not None
    ends = set(after) <= _FILLERS | _CLOSING | _COURTESY
    alone = not between and not offered and ends
    alone = alone and bool(later[0][:1].isdigit() or later["after"] or after or dated or plain)
    if not (day or taken or alone or (between and (ends or set(between) & _ASKING))):
        return None  # "I can't at 5", "tapi jam 5 aku nyetir", "tapi 6 bisa dicicil?"
    if dated is not None:
        return said[dated.start() :]  # "besok jam 3 gak bisa, 30 nov jam 10 aja"
    hour = f"at {later['hour']}" if offered else later[0]
    if _in_the_evening(clock, later, clock.string, said):
        hour += " pm"  # "jam 5 aku masih kerja, jam 7 aja" is 19:00
    if day is not None and day.start() < start:  # "..., friday at 5", "..., besok jam 7 aja"
        return f"{said[day.start() : start]}{hour}{said[end:]}"
    if day is not None:  # "..., 10am tomorrow"
        return f"{hour}{said[end:]}"
    return f"{_less_part(before, later)}{hour}{said[end:]}"


_TAKING_IT = frozenset({"but", "tapi", "tp", "mas", "ill", "will", "can", "could", "try"})
"""Words after an hour refused before it that may take it after all: "can't at 3 but I'll
try"."""


class HourRefused(Enum):
    """How the clause of the first hour a reply names refuses it (`hour_refused`)."""

    BEFORE = "before"
    """Right before it: "I can't at 3", "gak bisa jam 3", "não posso às 15h"."""
    AFTER = "after"
    """Right after it, and nothing more in the clause: "jam 3 gak bisa", "às 15h não
    posso", "tomorrow at 3 I can't": an hour alone in the next clause is offered."""


def hour_refused(clauses: Iterable[str]) -> HourRefused | None:
    """How the first of the normalised `clauses` that names an hour refuses it: right
    before it ("I can't at 3", "busy at 3 tomorrow", "gak bisa jam 3", "aku kerja jam 3";
    not "I'm not busy at 3", "if you can't at 3", "don't call me at 3", read on their own,
    nor a refusal in a clause of its own: "gabisa, jam 3 ya kak"), or right after it with
    nothing more said in the clause ("jam 3 gak bisa kak"; not "jam 3, gk bs jam 1", whose
    refusal may be of the later hour). None when it does neither."""
    for clause in clauses:
        message = _clock_ready(clause)
        clock = _first_clock(message)
        if clock is not None:
            words = message[: clock.start()].split()
            if (_IF_SAID | _CALL_WORDS) & set(words):
                return None
            if _refusal_before(words, clock) is not None:
                return HourRefused.BEFORE
            rest = _refused_hour(message, clock)
            ends = rest is not None and set(rest) <= _FILLERS | _COURTESY | _CLOSING
            return HourRefused.AFTER if ends else None
    return None


def _refusal_before(words: list[str], clock: re.Match[str]) -> int | None:
    """Where the refusal that ends `words` (said right before the hour `clock`) starts, or
    None; a day said between them is the hour's ("I can't tomorrow at 3", "gak bisa besok
    jam 3"), not one a limit follows ("I'm busy tomorrow after 3" is free then)."""
    day = _day_ending(words) if clock["after"] is None else None
    words = words if day is None else _less_trailing(day.string[: day.start()].split(), _ON)
    while words[-2:] == ["make", "it"] or words[-1:] == ["do"]:
        words = words[:-2] if words[-1] == "it" else words[:-1]
    for start in range(len(words)):
        tail = " ".join(words[start:])
        if any(refusal.fullmatch(tail) for refusal in _OUTRIGHT):
            return None if start and words[start - 1] in _NOT_BUSY else start
    return None


def _offered_instead(message: str, clock: re.Match[str], start: int) -> str | None:
    """What `message` offers after the hour `clock` the lead refused before saying it (the
    refusal starting at its word `start`): a later hour, a day or a part of the day ("I
    can't at 3, how about 6?", "não posso às 15h, às 17h pode"), or the hour itself taken
    after all ("gak bisa jam 3 aja", "can't at 3 but I'll try"); None when none is."""
    words = message[: clock.start()].split()
    rest = message[clock.end() :].split()
    day = _day_ending(words)
    before = " ".join(words[:start] + ([day[0]] if day else []))
    then = _DAY.match(" ".join(rest)) if day is None else None
    other = None
    if then is not None:  # the hour's day said after it: "I can't at 3 tomorrow, 5 works"
        after = " ".join(rest)[then.end() :].split()
        other = _offered_after(f"{before} {then[0]} ".lstrip(), clock, after)
    other = other or _offered_after(f"{before} " if before else "", clock, rest)
    if other is not None:
        return other
    if _taken(rest, _GOOD) or (_TAKING_IT & set(rest[:1]) and _ACCEPTING & set(rest)):
        return f"{before} {message[clock.start() :]}".strip()
    return None


def _day_ending(words: list[str]) -> re.Match[str] | None:
    """The day that ends `words` ("tomorrow" in "I can't tomorrow"), or None."""
    said = " ".join(words)
    return next((day for day in _DAY.finditer(said) if day.end() == len(said)), None)


def _past_refusal(after: list[str]) -> list[str]:
    """The words `after` an hour refused as well, past that refusal: "neither, 7pm ok" is
    "7pm ok", "juga gak bisa, besok aja" "besok aja", "saya ada kelas, jam 1 aja" "jam 1
    aja"."""
    words = _less_leading(after, _TOO)
    words = _after_refusal(words) or words
    return _less_leading(words, _TOO | _NOR_THEN | _COURTESY | _CLOSING)


def _refused_too(after: list[str]) -> bool:
    """The words `after` an hour offered after one refused refuse it as well: "jam 4 juga
    gak bisa", "5pm neither", "17h tb", "5 too"; not "5pm also works", "jam 4 juga bisa"."""
    taking = _less_leading(after, _TOO)
    if len(taking) < len(after) and not _taken(taking, _GOOD):
        return True
    return bool(_NOR_THEN & set(taking[:2])) or _cannot_or_busy(taking[:3])


def _day_or_part_instead(
    before: str, clock: re.Match[str], said: str, *, again: bool = False
) -> str | None:
    """The time `said` offers, after the hour `clock` refused, when it offers a day or a
    part of the day and takes it ("..., tomorrow morning ok", "..., besok pagi aja", "...,
    à noite pode", "..., friday is fine", "..., how about the evening"): a part of the day
    on the day of the hour refused or the day offered ("besok jam 3 gak bisa, sore aja" is
    tomorrow afternoon), a day alone at the hour refused ("tomorrow at 10 I can't, friday
    ok" is Friday at 10). Not a day said with nothing after it, which may be the hour's own
    ("at 3 I'm busy tomorrow"), unless it is another day than the hour's, tonight, or
    follows another hour refused (`again`)."""
    words = said.split()
    offering = _less_leading(words, _OFFERING)
    text = " ".join(_less_leading(offering, _TO_THE_PART))
    day = _DAY.match(text)
    rest = " ".join(_less_leading(text[day.end() :].split(), _TO_THE_PART)) if day else text
    part = _PART.match(rest)
    later = day is not None and day[0] in _LATER
    if (day is None and part is None) or (later and part is None):
        return None  # "jam 3 gak bisa, nanti aku kabarin"
    after = (rest[part.end() :] if part else rest).split()
    if _refused_too(after):
        return None  # "jam 3 gak bisa, sore juga", "..., à noite também não"
    led = len(offering) < len(words)
    offers = set(words[: len(words) - len(offering)]) - _TO_THE_PART
    own = part is not None and _within(clock, part)  # "at 3 I'm busy in the afternoon"
    # after "I can't" or "in the", another part of the day alone is offered ("às 15h não
    # posso, à noite", "at 3 I have a meeting, in the evening"); after what keeps the
    # lead, it may be when that is ("gw ada kelas pagi")
    other_part = part is not None and not own and (led or says_cannot(clock.string))
    its_day = _DAY.search(before)
    other_day = day is not None and (
        again or day[0] in _TONIGHT or (its_day is not None and its_day[0] != day[0])
    )  # "tmrw at 3 cant, thursday pls", "at 3 i cant, tonight pls"
    asked = set(after) <= _COURTESY | _FILLERS | _CLOSING and (
        bool(offers) or other_part or other_day
    )
    if not (_taken(after, _GOOD) or asked):
        return None  # "at 3 I'm busy tomorrow", "at 10 I can't tomorrow morning"
    if later or (day is not None and day[0] in _TONIGHT):
        return text  # "..., tonight ok", "..., nanti malam aja"
    hour = _clock_hour(clock, _part_beside(clock.string, clock))
    if day is not None and part is None:
        minute = _minute(clock)
        noon = "am" if hour < 12 else "pm"  # "jam 8 malam ..., besok aja" is at 8pm
        return f"{text[: day.end()]} {hour % 12 or 12}:{minute:02d}{noon}"
    on = day or _DAY.search(before)
    if part is not None and day is None and _part_hour(part) == hour:
        # "jam 3 gak bisa, sore aja": the afternoon, past the hour refused
        return (
            f"{on[0] if on else 'today'} {hour + 1:02d}:00" if hour + 1 < _PART_ENDS[hour] else None
        )
    return f"{on[0] if on else 'today'} {rest}"


_DOUBLED = re.compile(rf"\b({_PART_WORDS})2\b")
"""A part of the day written doubled with a 2 ("pagi2": early in the morning)."""
_MAIS_TARDE = re.compile(r"\b(?:mais|mas) tarde\b")
""""Mais tarde", "más tarde": later, not the afternoon ("tarde")."""
_LATER_TODAY = re.compile(r"\blater(?: on)? $")
"""Later, said right before an hour: later today ("later at 7", "mais tarde às 7")."""


def _clock_ready(message: str) -> str:
    """`message` as the hours in it are read: greetings and times said as spoken words
    out, clocks as they read, a span of hours as its first one (`_range_start`), a part
    of the day doubled ("pagi2") written out."""
    return _spans_read(_spans_ready(message))


def _spans_ready(message: str) -> str:
    """`message` as `_clock_ready` reads it up to its spans of hours, which are left as
    said ("between 2 and 4")."""
    message = _MAIS_TARDE.sub("later", _DOUBLED.sub(r"\1 \1", message))
    return _as_clock_reads(_GREETING.sub(" ", message))


def _spans_read(spans: str) -> str:
    """`spans` (`_spans_ready`) as `_clock_ready` reads it: its spans of hours as their
    first one, times said as spoken words out."""
    return _TIME_SAID.sub(" ", _RANGE.sub(_range_start, spans))


_EVENING_HOURS = range(7, 10)
"""Hours said with no am or pm whose evening is a time to call: 7, 8 and 9."""


_EVENING_AHEAD = 4
"""Hours before an evening hour from which it said with no day, as with "today", may be
this evening's: "at 7" said from 15:00 is 19:00."""


def _evening_near(clock: re.Match[str], now: datetime) -> bool:
    """The hour `clock` is one of the evening's (`_EVENING_HOURS`) that comes within
    `_EVENING_AHEAD` hours `now`: "at 7" said at 18:00."""
    hour, _ = _as_said(clock)
    return hour in _EVENING_HOURS and now.hour >= hour + 12 - _EVENING_AHEAD


def _evening_meant(clock: re.Match[str], now: datetime) -> bool:
    """The hour `clock`, said of today with no am or pm and not written as a 24-hour clock
    ("07:00"), is one of the evening's (`_EVENING_HOURS`) that has passed this morning
    `now` while its evening is still to come: the lead means this evening, not tomorrow
    morning. An hour said with no day at all in the morning stays the next one to come
    ("jam 8 aja" said at 9 is tomorrow at 8); said a few hours before its evening, it is
    this evening's (`_evening_near`: "at 7" said at 18:00 is 19:00)."""
    hour, ampm = _as_said(clock)
    if ampm is not None or _hour_digits(clock).startswith("0") or hour not in _EVENING_HOURS:
        return False
    return time(hour, _minute(clock)) <= now.time() < time(hour + 12, _minute(clock))


def _span_begun(spans: str, clock: re.Match[str], hour: int, minute: int, now: datetime) -> bool:
    """The hour `clock` (at `hour`:`minute`) is the first of a span of hours the message
    names (`spans`, as `_spans_ready` leaves it: "I'm free between 9 and 11"), and the span
    has begun but not ended `now`."""
    span = _RANGE.search(spans)
    if span is None or span.start() != clock.start() or _kept_in(span):
        return False
    first, last = ("first", "last") if span["first"] else ("start", "end")
    hours = (int(span[last]) - int(span[first])) % 12 or 12
    begun = now.replace(hour=hour, minute=minute)
    return begun <= now < begun + timedelta(hours=hours)


def _first_clock(message: str, start: int = 0) -> re.Match[str] | None:
    """The first hour `message` says from `start` ("around 3" only where it is an hour:
    `_near`)."""
    return next(
        (found for found in _CLOCK.finditer(message, start) if not found["near"] or _near(found)),
        None,
    )


def _refused_hour(message: str, clock: re.Match[str]) -> list[str] | None:
    """The words after the hour `clock` past its refusal, when the lead refuses it there
    ("besok jam 3 gak bisa, ...", "tomorrow at 3 I'm busy"); None when they do not, or
    when the hour is asked for ("call me at 3, I can't at 5") or a condition ("if
    tomorrow at 3 doesn't work, ..."), or the lead is eager ("tomorrow at 3 I can't
    wait")."""
    if (_IF_SAID | _CALL_WORDS) & set(message[: clock.start()].split()):
        return None
    rest = _after_refusal(message[clock.end() :].split())
    return None if rest is None or rest[:1] == ["wait"] else rest


def _refused_alone(message: str, clock: re.Match[str]) -> bool:
    """The lead says outright that the hour `clock` does not suit them (cannot, busy, bad,
    or what keeps them, said of themselves: `_busy_myself`; right after it or the part of
    the day said with it), unless it is when what keeps them ends ("até às 15h tenho
    aula"), and what follows begins a clause of its own (`_NEW_CLAUSE`), offers
    no other time (`_hour_instead` takes one that does) and names no day or part of the
    day: "tomorrow at 3 I can't, I have class", "besok jam 3 gak bisa, tapi jam 5 aku
    nyetir". What keeps the lead, said after the hour, may be of another time ("tomorrow
    3pm? I still have class till 2"), and so may a part of the day ("quinta às 18h? de
    manhã tem aula")."""
    if _refused_hour(message, clock) is None or _until(message[: clock.start()].split()):
        return False  # "até às 15h tenho aula": free from 15:00
    words = _past_own_part(message, clock)
    said = " ".join(_less_leading(words, _BEFORE_REFUSAL | _SEEMS | _OOPS))
    found = _refusal_at(said)
    rest = _busy_myself(words) if found is None else said[found.end() :].split()
    if rest is None:
        return False
    rest = _less_leading(rest, _TO_ME)
    if rest[:2] == ["make", "it"]:
        rest = rest[3:] if rest[2:3] == ["work"] else rest[2:]
    after = " ".join(rest)
    further = _another_refused(after)
    if further is not None or _its_own_part(clock, rest):
        # "às 15h não posso, 17h tb", "at 3 I'm busy in the afternoon"; not "..., 2
        # meetings, tomorrow ok" (tomorrow at 3)
        return not _day_taken(further or "")
    # a bad time (not busy) takes no object: what follows it begins a clause of its own
    # ("tomorrow at 3 is bad, plan 2 is fine")
    bad = found is not None and found.re is _BAD_DAY and not set(found[0].split()) & _BUSY
    if rest and ((rest[0] not in _NEW_CLAUSE and not bad) or (rest[0] == "to" and bad)):
        return False  # "at 3 I can't miss it", "at 3 I'm busy until 2", "hard to say no"
    number = _NUMBER.search(_DATE.sub(lambda found: " " * len(found[0]), after))
    counted = after[: number.start() if number else len(after)].split()  # not "2 orang bisa?"
    if _ACCEPTING & set(counted) and _CLOCK.search(after) is None:
        return False  # "jam 3 sibuk tapi bisa kok", "at 3 I'm busy, my wife can talk"
    return not (_DAY.search(after) or _PART.search(after))


def _another_refused(after: str) -> str | None:
    """`after` a refusal of an hour, another number, or an hour, a part of the day or a
    day refused as well, not an hour the refusal may be of ("tomorrow at 3? I'm busy at 5"):
    "não posso, 2 reuniões seguidas", "às 15 não dá, 16 não dá", "jam 3 gak bisa, jam 4
    juga", "jam 3 gak bisa, abis jam 5 aku kerja", "às 15h não posso, à noite pode não".
    What is said after it (all of `after` after a number), or None."""
    if after[:1].isdigit() and not _DATE.match(after):
        return after
    words = _less_leading(after.split(), _FILLERS | _BUT)
    said = " ".join(_less_leading(words, _TO_THE_PART))
    other = (
        _CLOCK.match(" ".join(_less_leading(words, _FROM_THEN)))
        or _PART.match(said)
        or _DAY.match(said)
    )
    if other is None:
        return None
    refused = other.string[other.end() :].split()
    return " ".join(_past_refusal(refused)) if _refused_too(refused) else None


def _day_taken(said: str) -> bool:
    """`said` names a day and takes it: "tomorrow ok", "besok aja", "amanhã pode"; not
    "tomorrow I'm at work", "not today"."""
    day = _DAY.search(said)
    return day is not None and _taken(said[day.end() :].split(), _GOOD)


def _its_own_part(clock: re.Match[str], words: list[str]) -> bool:
    """The `words` after the refusal of the hour `clock` name the part of the day it falls
    in, and nothing after: "at 3 I'm busy in the afternoon"."""
    said = " ".join(_less_leading(words, _TO_THE_PART))
    part = _PART.match(said)
    return (
        part is not None
        and _within(clock, part)
        and set(said[part.end() :].split()) <= _CLOSING | _COURTESY | _FILLERS
    )


def _until(before: list[str]) -> bool:
    """The words `before` an hour make it the end of what keeps the lead: "until", "até",
    "sampai" right before it, opening the message or after its day ("besok sampai jam 3 aku
    kuliah"); not "aku baru sampe jam 7" (arrive)."""
    if not before or before[-1] not in _UNTIL:
        return False
    opening = before[:-1]
    return not opening or _DAY.fullmatch(" ".join(opening)) is not None


def _past_own_part(message: str, clock: re.Match[str]) -> list[str]:
    """The words of `message` after the hour `clock`, past the part of the day said with
    it, one the hour falls in ("jam 4 sore ...", "at 8 in the morning ..."; not "amanhã às
    15h, de manhã tenho aula")."""
    words = message[clock.end() :].split()
    said = " ".join(_less_leading(words, _TO_THE_PART))
    part = _PART.match(said)
    return said[part.end() :].split() if part is not None and _within(clock, part) else words


def _busy_myself(words: list[str]) -> list[str] | None:
    """The words after what keeps the lead, said of themselves right after an hour: "I have
    class", "I have a meeting", "tenho aula", "aku ada kelas", "saya masih kerja"; None when
    they do not say so. Without the lead said ("ada kelas"), it may be the course's class."""
    if words[:1] and words[0] in _ME | _I_AM:
        doing = words[1:]
    else:
        return None
    doing = _less_leading(doing, _BEING_BUSY)
    return doing[1:] if doing[:1] and doing[0] in _BUSY_WITH else None


def says_cannot(said: str) -> bool:
    """The normalised `said` has a lead say they cannot, are busy, or a time is bad, from a
    word's start: "how about 6" is not "out", nor "useful" "full"."""
    return any(refusal.search(said) for refusal in _OUTRIGHT_ANYWHERE)


def _refusal_at(said: str) -> re.Match[str] | None:
    """The refusal `said` starts with: cannot, a bad time, not free."""
    return next(filter(None, (refusal.match(said) for refusal in _OUTRIGHT)), None)


def _only_taking(after: list[str], day: re.Match[str]) -> bool:
    """The words `after` an hour offered, from the `day` named right after it, take the
    day and hour and say nothing else: "jam 10 besok aja", "10am tomorrow works"."""
    rest = _past_its_time(" ".join(after)[day.end() :].split(), later=True)
    return set(rest) <= _ONLY_TAKEN | _COURTESY


def _in_the_evening(refused: re.Match[str], later: re.Match[str], message: str, said: str) -> bool:
    """The hour `later` (in `said`), said with no am, pm or part of the day, is in the
    evening near the evening hour `refused` (in `message`) said on a 12-hour clock: 7
    after 3 pm or 8 pm, not 9 after 3 pm nor 10 after 5 pm (10 pm is no time to call),
    nor 9 after 14h."""
    hour, ampm = _as_said(later)
    said_as = _as_said(refused)[0]
    refused_hour = _clock_hour(refused, _part_beside(message, refused))
    return (
        ampm is None
        and said_as <= 12 <= refused_hour
        and abs(hour + 12 - refused_hour) <= _NEAR_HOURS
        and hour + 12 <= _LATEST_EVENING
        and _part_beside(said, later) is None
    )


def _after_refusal(words: list[str]) -> list[str] | None:
    """The `words` after an hour, past its part of the day, who and a refusal of it
    ("gak bisa", "I'm busy", "tenho aula", "is bad", "doesn't work"); None when they do not
    refuse it."""
    said = " ".join(_less_leading(words, _TO_THE_PART))
    part = _PART.match(said)
    if part is not None:
        said = said[part.end() :]
    said = " ".join(_less_leading(said.split(), _BEFORE_REFUSAL | _OOPS))
    found = _refusal_at(said)
    if found is not None:
        return said[found.end() :].split()
    doing = _less_leading(said.split(), _HAVING)
    if doing[:1] != [] and doing[0] in _BUSY_WITH:
        return doing[1:]
    return None


def _less_part(before: str, later: re.Match[str]) -> str:
    """`before`, what precedes an hour refused, less the part of the day said with it
    unless the hour offered `later` falls in it ("besok pagi jam 9 gak bisa, jam 2 aja" is
    14:00, "nanti malam jam 8 gak bisa, jam 7 aja" 19:00), ending in a space when not
    empty."""
    words = before.split()
    while words:
        end = " ".join(words)
        part = next((found for found in _PART.finditer(end) if found.end() == len(end)), None)
        if part is not None and not _DAY.search(part[0]):
            own = _as_said(later)[1] or _part_beside(later.string, later) is not None
            if _within(later, part) and not own:
                break  # "nanti malam jam 8 gak bisa, jam 7 aja" is 19:00
            words = end[: part.start()].split()
        elif words[-1] in _TO_THE_PART:
            words.pop()
        else:
            break
    return " ".join(words) + " " if words else ""


def _minute(clock: re.Match[str]) -> int:
    """The minute `clock` says, 0 when it says none."""
    return int(clock["minute"] or clock["hminute"] or 0)


def _first_clause(words: list[str]) -> list[str]:
    """`words` up to the first that joins another clause ("but", "or", "if")."""
    return words[: next((n for n, word in enumerate(words) if word in _CONJ), len(words))]


def _as_said(hour: re.Match[str]) -> tuple[int, str | None]:
    """The number and the am or pm of `hour`, a clock or an hour offered alone."""
    if hour.re is not _CLOCK:
        return int(hour["hour"]), None
    return int(_hour_digits(hour)), hour["ampm"] or hour["mampm"]


def _hour_digits(clock: re.Match[str]) -> str:
    """The hour of `clock` as written ("07" in "07:30")."""
    return str(clock["hour"] or clock["bare"] or clock["near"] or clock["after"])


_CALLED_AFTER_IT = re.compile(
    r" (?:(?:so|then|pls|please|just) )?(?:call|text|ring|phone|telpon|telp|tlp|hubungi|liga"
    r"|me liga|ligue)(?: (?:me|aku|saya))? (?:after that|afterwards|after|after then"
    r"|depois disso|depois|abis itu|habis itu|setelah itu|sesudah itu|despues)\b"
)
"""A request to be called after the hour said right before it: ", call me after that"."""


def _near(clock: re.Match[str]) -> bool:
    """An hour said as "around 3" right after a day, a part of the day or a request
    ("tomorrow around 11", "depois do almoço umas 2", "call me around 3", "amanhã lá pelas
    3"), said alone ("lá pelas 5", "around 5 pls"), right before a part of the day
    ("around 8 in the evening", "por volta das 8 da noite") or right before a request to
    be called after it ("I get home around 6, call me after that"). Elsewhere it may count
    people, years or money ("we have around 3 kids", "anak saya sekitar 8"), or be an hour
    the lead is busy at ("I have a meeting around 11")."""
    message = clock.string
    before = message[: clock.start()]
    said = [found.end() for found in _DAY.finditer(before)] + [
        found.end() for found in _PART.finditer(before) if _part_hour(found) != 12
    ]  # not "I'll be at lunch around 12"
    if len(before) - 1 in said or _NEAR_AFTER.search(before):
        return True  # "tomorrow around 11", "after lunch around 2", "call me around 3"
    if not before.strip() and set(message[clock.end() :].split()) <= _FILLERS | _COURTESY:
        return True  # the whole reply: "lá pelas 5", "around 5 pls"
    if _CALLED_AFTER_IT.match(message, clock.end()):
        return True  # "I get home around 6, call after that"
    linked = _TO_A_PART.match(message, clock.end())
    return linked is not None and _PART.match(message, linked.end()) is not None


_NOT_ID = r"gak|ga|gk|g|nggak|ngga|ngak|kagak|enggak|engga|tidak|tdk|nda|ndak|tak|belum|blm"
"""Indonesian "not", as leads write it."""
_CANNOT_ID = rf"(?:{_NOT_ID}) (?:bisa|bs|sempet|sempat)|gabisa|gbisa|gbs|gakbisa|gkbisa"
"""Indonesian "cannot": "gak bisa", "belum sempat", "gabisa"."""
_NOT_FREE_TO_CALL = (
    r"(?:not|wont be|will not be) (?:available|free|around)|unavailable"
    rf"|(?:{_NOT_ID}) (?:ada waktu|available|free|luang)"
    r"|nao (?:estou|to|tou|vou estar|estarei) (?:disponivel|livre)"
    r"|no (?:estoy|estare|voy a estar) (?:disponible|libre)"
)
"""Not free for a call, said of a day: "not available", "gak ada waktu", "não estou
disponível", "no estoy libre"."""
_CANNOT = re.compile(
    rf"\b(?:{_NOT_ID}|nao|not|dont|doesnt) (?:bisa|bs|sempet|sempat|da|posso|consigo|rola|work"
    r"|make it)\b|\bn (?:da|posso|consigo)\b|\b(?:gabisa|gbisa|gbs|gakbisa|gkbisa|cant|cannot)\b"
    r"|\bno (?:puedo|podre|podemos)\b"
    rf"|\b(?:{_NOT_FREE_TO_CALL})\b"
)
"""A lead saying they cannot: "gak bisa", "gabisa", "não dá", "n posso", "can't", "no
puedo", "not available"."""
_BUSY_WITH = frozenset(
    {"sibuk", "busy", "ocupado", "ocupada", "aula", "class", "kelas", "kuliah", "meeting"}
    | {"rapat", "kerja", "trabalho", "prova", "exam", "ujian", "reuniao", "consulta", "medico"}
    | {"clase", "clases", "reunion", "junta", "examen", "trabajo", "cita"}
    | {"doctor", "doctors", "dentist", "dentista", "dokter", "client", "cliente", "klien"}
    | {"appointment", "appt", "shift"}
)
"""What a lead is busy with: "lagi sibuk", "tenho aula", "I have class"."""

_TO_ME = frozenset({"for", "me", "pra", "para", "mim", "buat"})
"""Who a refusal is of, said after it: "doesn't work for me", "não dá pra mim"."""
_ACCEPTING = frozenset(
    {"can", "could", "try", "make", "call", "answer", "ok", "okay", "yes", "yep", "sure"}
    | {"fine", "free", "anyway", "still", "jk", "kidding", "actually", "talk", "pick"}
    | {"rather", "sempet", "sempat", "coba", "apa2", "da", "vamos"}
    | {"bisa", "bs", "boleh", "oke", "gpp", "gapapa", "iya", "angkat", "telpon", "telp"}
    | {"tlp", "telepon", "usahain", "usahakan", "tetep", "tetap", "becanda", "ternyata"}
    | {"pode", "posso", "consigo", "atendo", "atende", "atender", "liga", "ligar", "ligue"}
    | {"sim", "claro", "livre", "jeito", "tento", "brincadeira", "zoeira", "mentira", "mesmo"}
)
"""Words after a refusal that take the hour after all, or have someone take the call then,
when no other hour is named: "at 3 I'm busy but I'll make time", "jam 3 sibuk tapi bisa
kok", "tô ocupado mas atendo", "my wife can talk", "jk"."""
_NUMBER = re.compile(r"(?<!\S)\d")
"""A word that starts with a digit."""
_OOPS = frozenset({"eh", "ehh", "oh", "ops", "opa", "oops", "wait", "wah", "waduh", "aduh"})
"""Words of a lead taking back the hour they just said: "besok jam 10, eh ga bisa"."""
_SEEMS = frozenset({"prob", "probably", "acho", "que"})
"""How sure the lead is, before a refusal, beyond `_HOW_MUCH`: "at 3 probably can't"."""
_NEW_CLAUSE = frozenset(
    {"i", "im", "ive", "ill", "id", "my", "we", "were", "our", "he", "hes", "she", "shes"}
    | {"they", "theyre", "there", "theres", "sorry", "sry", "but", "because", "cause"}
    | {"cuz", "bc", "since", "how", "what", "whats", "is"}
    | {"aku", "ak", "saya", "sy", "gw", "gue", "kami", "kita", "anak", "anakku", "suami"}
    | {"istri", "ada", "lagi", "lg", "masih", "msh", "kak", "ka", "kk", "kakak", "ya", "maaf"}
    | {"soalnya", "karena", "karna", "krn", "tapi", "tp", "harus", "berapa", "gimana"}
    | {"eu", "tenho", "to", "tou", "estou", "vou", "meu", "minha", "mas", "porque", "pq"}
    | {"desculpa", "desculpe", "preciso", "quanto", "qual", "como", "que", "nao"}
    | {"will", "lets", "pls", "please", "dont", "maybe", "so", "when", "kapan"}
    | {"another", "other", "outro", "outra", "lain", "earlier", "later", "email", "wa"}
    | {"lol", "haha", "kkk", "wkwk", "tbh", "af", "deh", "sih", "dong", "kok", "ding"}
    | {"picking", "working", "driving", "traveling", "sleeping"}
    | {"doctor", "dentist", "appointment", "medico", "dentista", "consulta", "dokter"}
    | {"school", "sekolah", "escola", "faculdade"}
    | _BUSY_WITH
)
"""Words that begin what follows a refusal as a clause of its own (who, why, but, a
courtesy, a question), not as what the lead cannot do ("can't miss it", "gak bisa lama",
"não posso perder") nor when ("busy until 2", "can't do afternoons", "... at 5"): the
comma between them is not read."""
_NOT_BUSY = frozenset(
    {"gak", "ga", "gk", "nggak", "tidak", "tdk", "nao", "not", "no", "sem", "without"}
    | {"after", "abis", "habis", "setelah", "depois", "pulang", "do", "del"}
)
"""Words before a busy word that say the lead is free then: "gak ada kelas", "not busy",
"after class", "saio do trabalho às 17h", "salgo del trabajo a las 6" (from work)."""
_NOT_THIS = re.compile(r"\b(?:not|nao|jangan|bukan|gak|ga|nggak|tidak|no) $")
"""A negator right before a day: "not tomorrow", "jangan besok"."""
_FILLERS = frozenset(
    {"ya", "aja", "saja", "kak", "ka", "deh", "dong", "ok", "okay", "pls", "please", "lah"}
)
"""Words that may end a message after a part of the day asked for: "besok sore ya kak"."""
_ASKED_AFTER = frozenset({"aja", "saja", "works", "fine", "ok", "oke", "okay"})
"""Words right after a day that ask for it: "besok aja", "tomorrow works"."""
_MAY = frozenset({"pode", "bisa"})
"""A word right after a day that asks whether it suits: "quinta pode ser?", "lusa bisa?"."""
_MAY_ENDS = frozenset({"ser", "ga", "gak", "gk", "nggak", "kah", "sim", "ya", "kak", "ka"})
"""Words that may follow it to the end of the ask: "pode ser", "bisa ga kak"."""
_BUSY = frozenset({"sibuk", "repot", "busy", "swamped", "slammed"})
_BUSY |= {"ocupado", "ocupada", "ocupados", "ocupadas"}
"""Busy said outright: of another day than today, what the lead is busy with ("amanhã
tenho prova") may be done by the time they are called."""
_AFTER_IT = re.compile(
    r"\b(?:after|afterwards|depois|abis|habis|setelah|sesudah|despues|luego)"
    r"(?: (?:that|it|this|disso|itu|eso))?\b(?! (?:(?:jam|pukul|das|de las|at) )?\d)"
)
"""After it, said of what the lead has then: "call me after that", "abis itu", "depois"."""
_ENGAGEMENTS = _BUSY_WITH - _BUSY - {"kerja", "trabalho", "trabajo"}
"""What begins at an hour and lasts (a meeting, a class, an exam); not work, nor busy."""
_MINE = frozenset({"i", "ive", "aku", "saya", "sy", "gw", "gue", "eu", "tenho", "yo", "tengo"})
"""Who says an engagement is theirs, opening what is said of a day: "I have class",
"aku ada ujian", "tenho consulta", "tengo examen" (not "ada kelas", the course's)."""


_ENGAGED_AT = re.compile(
    r"\b(?:(?:i|aku|saya|sy|eu|yo|we|my \w+) )?(?:have|has|got|ive|tenho|tem|tengo|ada|punya)"
    rf"(?: \w+){{0,3}}? (?:{'|'.join(sorted(_ENGAGEMENTS))})"
    r"(?: (?:at|as|a las|a|las|jam|jm|pukul|pkl|around))? $"
)
"""What keeps the lead said right before an hour, up to it: "I have a meeting at 3", "aku
ada kelas jam 3", "tenho aula às 15h", "tengo cita con el doctor a las 10"."""


def _called_after_it(message: str, clock: re.Match[str]) -> bool:
    """The hour `clock` is when something the lead has begins ("I have a meeting at 3",
    "jam 3 ada rapat", "tenho aula às 14h"), and they ask to be called after it ("call me
    after", "abis itu telpon aja", "me liga depois"): the call back is an hour later, not
    as it begins. Not the end of it ("in class until 3, call me after")."""
    before = message[: clock.start()].split()
    near = before[-3:] + message[clock.end() :].split()[:3]
    if set(before[-1:]) & _UNTIL or not set(near) & _ENGAGEMENTS:
        return False
    return _AFTER_IT.search(message, clock.end()) is not None


_TAKEN = _ASKED_AFTER | {"siap", "sim", "blz", "beleza", "sure", "good", "yes", "iya"}
"""Words right after a day that take it: "besok oke, gabisa skrg"."""
_NOW = frozenset({"sekarang", "skrg", "skg", "agora", "agr", "now", "rn"})
"""Words that place a refusal now: "tomorrow? busy rn"."""
_CANT_DO = re.compile(r"\b(?:cant|cannot|can not) (?:do|make it)(?: on)? $")
"""An English refusal right before a day: "can't do friday", "can't make it tomorrow",
"can't make it on friday"."""
_IF = frozenset({"if", "kalau", "kalo", "klo", "kl", "se", "caso", "otherwise", "senao"})
"""Words that make a refusal a condition: "if you can't tomorrow, friday works"."""
_YOU = frozenset({"you", "youre", "vc", "voce", "ce", "kakak", "kamu", "anda"})
"""Words for the counsellor: "amanhã vc tá ocupado?" asks about them, not the lead."""
_ALONE_AFTER = frozenset(
    {"aku", "saya", "sy", "aq", "gw", "gue", "eu", "i", "im", "estou", "yo", "estoy"}
)
"""A subject that may stand between a day and its refusal: "besok aku gak bisa"."""
_ALONE_BEFORE = frozenset(
    {"maaf", "sorry", "sori", "kak", "ka", "kk", "wah", "aduh", "duh", "yah", "hmm", "oh"}
    | {"poxa", "ah", "unfortunately", "infelizmente", "sayangnya", "mas", "mbak", "pak", "bu"}
)
"""Words that may come before a day the message refuses: "maaf besok gak bisa kak"."""
_ALONE_END = frozenset(
    {"kak", "ka", "kk", "ya", "deh", "sih", "nih", "dulu", "sorry", "maaf", "desculpa"}
    | {"desculpe", "mesmo", "infelizmente"}
)
"""Words that may end a refusal of a day: "besok gak bisa kak", "tomorrow I can't, sorry"."""
_CALLED = re.compile(
    r"\b(?:call(?: me)?(?: back)?|me (?:liga|ligar|ligue|chama)(?: de novo| so)?"
    r"|(?:telpon|telp|hubungi)(?: (?:saya|aku|sy|lagi))?"
    r"|(?:llamame|llamenme|marcame|escribeme)(?: (?:el|de nuevo))?) $"
)
"""Words right before a day that ask for a call then: "call me tomorrow", "me liga amanhã",
"llámame el lunes"."""
_PROPOSED = re.compile(
    r"\b(?:how about|what about|que tal(?: el)?|(?:gimana|gmn|bagaimana) kalau"
    r"|(?:can|could|shall) we (?:do|make it)) $"
)
"""Words right before a day that propose it instead: "how about thursday", "que tal sexta",
"¿qué tal el lunes?", "can we do monday?"."""
_NOR_THEN = frozenset(
    {"not", "nao", "gak", "ga", "gk", "nggak", "tidak", "tdk", "jangan", "dont", "cant"}
    | {"either", "too", "neither", "juga", "tambem", "same", "worse", "pior", "bad", "repot"}
)
"""Words after the next day that say it is no better: "tomorrow is not good either",
"besok juga repot", "amanhã pode ser pior"."""
_TOO = frozenset({"also", "too", "juga", "jg", "jga", "tambem", "tb", "tbm", "either", "neither"})
"""Words after an hour offered that say it is like the one refused, unless what follows
takes it: "5pm too", "17h tb", "jam 4 juga bisa"."""
_JOINED = frozenset({"or", "atau", "ato", "ou", "and", "dan", "sama", "e"})
"""Words that join two days into one offer or one question: "hari ini atau besok"."""
_IS = frozenset({"is", "e", "ta", "fica", "would", "will", "be", "sounds", "seems"})
_IS |= {"to", "tou", "estou", "im", "i", "am", "aku", "eu", "ini", "also", "juga", "tambem"}
_IS |= {"an", "ish", "lebih", "lbh", "baru", "br"}
"""Words between a day or an hour and what takes it: "friday is fine", "5 would be ok",
"às 11 tô livre", "at 5 I'm free", "jam 5-an aja" and "5ish works" (around 5)."""
_GOOD = _TAKEN | _MAY | {"better", "great", "perfect", "best", "free", "open", "okay", "da"}
_GOOD |= {"livre", "tranquilo", "tranquila", "suave", "bom", "available", "melhor", "serve"}
_GOOD |= {"otimo", "easier", "does", "gimana", "gmn", "gmna", "enak", "kosong", "gpp", "gapapa"}
_GOOD |= {"boleh"}
"""Words that take an hour offered: "5 is fine", "jam 5 aja", "às 17h pode", "5 ok"."""
_FINE = frozenset({"fine", "works", "work", "better", "best", "great", "perfect", "aja", "saja"})
"""Words that take a day or a part of the day after a refusal to be called, not a closing
"ok" or "sure": "tomorrow don't call me, friday is fine"."""


def _taken(words: list[str], taking: frozenset[str]) -> bool:
    """The `words` after a day, a part of the day or an hour take it ("is fine", "aja",
    "would be better"), by a word of `taking`, and offer nothing else after ("better in
    the afternoon" takes the afternoon)."""
    said = _less_leading(words, _IS)
    if not set(said[:1]) & taking or said[1:2] == ["nao"]:
        return False  # not "17h tô livre não"
    rest = " ".join(said[1:])
    return not (_PART.search(rest) or _CLOCK.search(rest) or _DAY.search(rest))


_LATEST_EVENING = 21
"""The latest hour an hour said alone is read in the evening, after one refused."""
_IF_SAID = _IF | {"unless", "jika", "bila", "apabila", "seandainya", "andaikan"}
"""Words that make what follows a condition, before an hour refused: "jika besok jam 3
tidak bisa, jam 5 saja" keeps 15:00 (elsewhere "bila berkenan" is a courtesy)."""
_CONJ = _IF_SAID | {"but", "tapi", "mas", "or", "atau", "ou"}
"""Words that end what is said of an hour offered: "5 is ok but 6 is better"."""
_NEAR_HOURS = 4
"""How far from an evening hour refused an hour said alone is read in the evening too."""
_CALL_WORDS = _CALLING | {"ring", "phone", "ligar", "ligue", "chama", "tlp"}
"""Words asking for a call: before an hour refused they ask for it ("call me at 3, I
can't at 5")."""
_ASKING = _CALLING | {"ligar", "ligue", "try", "how", "what", "pode", "bisa", "maybe"}
"""Words before an hour that offer it: "call me at 5", "how about 5", "pode ser às 5"."""
_STILL = frozenset({"still", "masih", "ainda", "lagi", "lg"})
_HAVING = frozenset(
    {"have", "has", "got", "tenho", "tem", "ada", "punya", "in", "a", "an", "tengo", "una", "un"}
)
_HAVING |= {"uma", "um", "at", "on", "em", "na", "numa", "num", "with", "com"}
"""Words before what keeps the lead at an hour: "I have class", "tenho aula", "ada rapat"."""
_BUT = frozenset(
    {"but", "tapi", "tp", "tpi", "mas", "so", "then", "maybe", "try", "instead", "only"}
)
_OFFERING = _INSTEAD | _BUT | _FILLERS | {"pode", "ser", "bisa", "how", "about", "what"}
_OFFERING |= {"que", "tal", "gimana", "gmn", "bagaimana", "kalau", "kalo", "klo"}
"""Words between a refusal and the hour offered after it: "call me at 5", "pode ser às 5"."""
_FROM_THEN = frozenset(
    {"after", "past", "from", "depois", "das", "de", "partir", "setelah", "sesudah", "stlh"}
    | {"abis", "habis", "lewat"}
)
"""Words before an hour offered from then on: "depois das 17h pode", "after 5 works"."""
_HOUR_OFFERED = re.compile(
    rf"(?:(?:{'|'.join(sorted(_FILLERS | _BUT))}) )*(?P<hour>{_HOUR})(?:ish)?"
    rf"(?= (?:(?:or|ou|atau|ato) (?:{_HOUR}) )?(?:(?:{'|'.join(sorted(_IS))}) )*"
    rf"(?:{'|'.join(sorted(_GOOD | _FINE))})\b)"
)
"""An hour offered with no word of the clock, right after one refused: "5 is fine", "5ish
works", "16 é melhor", "5 or 6 is fine" (the first)."""
_HOUR_ALONE = re.compile(
    rf"(?:(?:{'|'.join(sorted(_FILLERS | _BUT))}) )*(?P<hour>{_HOUR})(?:ish)?"
    rf"(?: (?:{'|'.join(sorted(_COURTESY | _FILLERS | {'then', 'yes', 'sim'}))}))*$"
)
"""An hour said alone after one refused, as the message ends: "jam 3 sibuk, 5", "..., 5
pls", "..., 5 then"."""
_HOUR_PROPOSED = re.compile(
    rf"(?:(?:{'|'.join(sorted(_FILLERS | _BUT))}) )*(?:how about|what about|que tal)"
    rf" (?P<hour>{_HOUR})(?: (?:{'|'.join(sorted(_COURTESY | _FILLERS))}))*$"
)
"""The same, proposed as the message ends: "how about 6?", "que tal 16?"."""


_TO_ITS_HOUR = frozenset(
    {"after", "before", "around", "from", "by", "depois", "das", "antes", "desde", "apos"}
    | {"abis", "habis", "setelah", "sesudah", "sebelum", "sblm", "despues", "de", "las"}
    | {"aja", "saja", "ya", "deh", "kak", "ka", "kk"}
)
"""Words between a day and the hour said of it: "tomorrow after 6pm", "besok abis jam 6",
"amanhã depois das 18h", "besok aja jam 1"."""


def _day_asked(message: str, clock: re.Match[str] | None) -> re.Match[str] | None:
    """Of the days `message` names, the one asked for: the first, unless it is said with
    no hour of its own (nor a part of the day but one right after it), the lead cannot
    or is busy then, and the next day is asked for (the hour asked for right after it,
    an asking word, or a part of the day ending the message), not refused nor busy: "hj
    tenho aula, amanha as 10?", "hari ini gak bisa, besok aja", "besok gak bisa, lusa
    aja", "tomorrow doesn't work, how about thursday?", "tomorrow morning I can't,
    thursday at 10?"; not "hoje não tenho aula, amanhã às 10 tenho", "today, not
    tomorrow at 5", "gak bisa hari ini, besok pagi aku kerja". A next day the lead asks
    to be called on wins whatever is said of the first ("I'm at work today, call me
    tomorrow at 10")."""
    days = list(_DAY.finditer(message))
    if len(days) < 2:
        return days[0] if days else None
    first, then = days[0], days[1]
    said_end = first.end()
    joined = message[first.end() : then.start()].split()
    if len(days) > 2 and len(joined) == 1 and joined[0] in _JOINED:
        # "today and tomorrow I'm busy, call me friday": the two days are one
        said_end, then = then.end(), days[2]
        days = [first, *days[2:]]
    if first[0] in _LATER and not _PART.match(message, first.end() + 1):
        return then  # "nanti aku kabarin minggu depan": "later" is the day said after it
    if _called_for(message, first, then, days[2] if len(days) > 2 else None):
        return then
    if _CLOCK.search(message, first.start(), then.start()):
        return first
    kept_then = False
    if part := _PART.search(message, first.start(), then.start()):
        between = message[said_end : part.start()].split()
        kept_then = bool(_MINE & set(between[:1])) and _cannot_or_busy(between)
        if set(between) - _TO_THE_PART and not kept_then:
            return first
        said_end = part.end()  # "friday afternoon is bad, monday morning works"
    if _NOT_THIS.search(message[: then.start()]):
        return first
    if set(message[: then.start()].split()[-1:]) & _JOINED:
        return first  # "hari ini ada kelas ga kak? atau besok aja?"
    after_first = message[said_end : then.start()].split()[:3]
    if _day_name(first) == "today":
        refused = _cannot_or_busy(message[: first.start()].split()[-2:] + after_first)
        refused |= _said_bad(_less_trailing(after_first, _ON))  # "today is bad, tomorrow at 10"
        refused |= _BAD_FOR.search(message[: first.start()]) is not None
        refused |= kept_then  # "hari ini aku shift malam, besok pagi aja"
    else:
        refused = _later_day_refused(message, first, then, after_first)
    if not refused:
        return then if _tonight_of(first, then, after_first) else first
    rest = message[then.end() : days[2].start() if len(days) > 2 else len(message)]
    if clock is not None and clock.start() >= then.end():
        if set(message[then.end() : clock.start()].split()) - _TO_ITS_HOUR:
            return first  # the hour asked for is not the next day's
        rest = message[clock.end() : len(message) if len(days) < 3 else days[2].start()]
        return first if _cannot_or_busy(rest.split()) else then
    words = rest.split()
    may = words[:1] != [] and words[0] in _MAY and set(words[1:]) <= _MAY_ENDS
    if not may and (_NOR_THEN & set(words) or _cannot_or_busy(words)):
        return first
    part = _PART.match(rest.lstrip()) or _PART.match(" ".join(words[1:]))
    called = _CALLED.search(message[: then.start()])
    if called and _NOR_THEN & set(message[: called.start()].split()[-2:]):
        called = None  # "don't call me tomorrow either"
    asked = (
        may
        or bool(_ASKED_AFTER & set(words[:2]))
        or bool(_PERHAPS & set(message[: then.start()].split()[-1:]))  # "maybe tomorrow"
        or called is not None
        or (_PROPOSED.search(message[: then.start()]) is not None and set(words) <= _FILLERS)
        or (part is not None and set(words[2:]) <= _FILLERS | {"de", "da", "a", "in", "the"})
        or (part is not None and set(part.string[part.end() :].split()) <= _TAKING_A_PART)
    )
    return then if asked else first


_PERHAPS = frozenset({"maybe", "perhaps", "talvez", "mungkin", "quizas", "quiza"})
"""A word right before the next day that offers it: "busy today, maybe tomorrow"."""


_NO_REQUEST = frozenset(
    {"not", "nao", "gak", "ga", "gk", "nggak", "tidak", "tdk", "jangan", "dont", "never"}
    | _JOINED
    | {"otherwise", "else", "senao", "apa"}
    | {"will", "would", "to", "gonna", "vai", "ele", "ela", "tunggu", "nunggu", "terima"}
)
"""Words right before "call me" that make it no request of the lead's: a refusal ("don't
call me tomorrow"), the other half of an offer ("today works, or call me tomorrow",
"senão me liga amanhã", "telpon hari ini apa telpon besok?"), or somebody else's call
("my doctor will call me tomorrow", "tunggu telpon besok")."""


_SAID_NO = frozenset({"not", "no", "nao", "gak", "ga", "gk", "nggak", "tidak", "tdk", "jangan"})


def _said_of_it(between: list[str]) -> bool:
    """The one word `between` a day and "call me" refuses the day, not the call: "hoje
    não, me liga amanhã", "besok jangan, telpon lusa"."""
    return len(between) == 1 and between[0] in _SAID_NO


def _called_for(
    message: str, first: re.Match[str], then: re.Match[str], after: re.Match[str] | None
) -> bool:
    """The lead asks to be called on the day named `then`, a later one than the `first`,
    whatever is said of the first: "I'm at work today, call me tomorrow at 10", "hoje
    estou viajando, me liga amanhã às 10", "não posso amanhã, me liga sexta"; not as a
    fallback ("me liga hoje às 17h, se não der me liga amanhã"), nor when the words up to
    the next day (`after`) refuse it ("telpon besok juga gak bisa")."""
    called = _CALLED.search(message, first.end(), then.start())
    if called is None or called.end() != then.start():
        return False
    between = message[first.end() : called.start()].split()
    if set(between) & _IF or (set(between[-1:]) & _NO_REQUEST and not _said_of_it(between)):
        return False
    rest = message[then.end() : after.start() if after else len(message)].split()
    return not (_NOR_THEN & set(rest) or _cannot_or_busy(rest))


def _later_day_refused(
    message: str, first: re.Match[str], then: re.Match[str], after_first: list[str]
) -> bool:
    """The `first` day, after today, refused before the day named `then`: by a refusal
    said of it ("besok gak bisa", "can't do friday", "amanhã tô ocupado", "tomorrow is
    bad"; what the lead is busy with may be done by then, unless the lead says it is
    theirs: "mañana tengo examen", "besok pagi aku ada ujian"); not when the day is taken
    first ("besok oke, gabisa skrg"), the refusal is of now ("tomorrow? busy rn"), a
    condition ("if you can't tomorrow") or about the counsellor ("vc tá ocupado
    amanhã?")."""
    said = set(_PROPOSED.sub(" ", message[: then.start()]).split())
    if (_IF | _YOU) & said or _TAKEN & set(after_first[:2]) or _NOW & set(after_first):
        return False
    if _engaged(_PART.sub(" ", message[first.end() : then.start()]).split()):
        return True  # "tomorrow I have an exam, thursday afternoon works", "tengo examen"
    return (
        _CANT_DO.search(message[: first.start()]) is not None
        or _cannot_or_busy([word for word in after_first if word not in _BUSY_WITH - _BUSY])
        or _said_bad(_less_trailing(after_first, _ON))  # "tomorrow is bad, on friday at 10"
    )


def _refused(message: str, day: re.Match[str]) -> bool:
    """The message is a refusal of `day`: the day (an apology or an "on" before it at most),
    perhaps who says it, and "cannot" ("maaf besok gak bisa kak", "amanhã eu não posso", "on
    saturday I can't", "tomorrow I can't, sorry"), busy said by the lead ("besok aku sibuk",
    "tomorrow I'm busy") or a bad day ("hoje tá corrido", "today is bad"). Not when anything
    else comes before the day ("call me tomorrow, I can't", "selain besok gak bisa", "e
    amanhã, não dá?"); a refusal before a day may be of now, the comma lost ("gak bisa,
    besok ya", "I can't, tomorrow?"), and so may a busy word alone ("friday? busy", "besok
    ya, lagi sibuk")."""
    if not set(message[: day.start()].split()) <= _ALONE_BEFORE | _ON:
        return False  # "call me tomorrow, I can't", "selain besok gak bisa", "e amanhã, não dá?"
    after = message[day.end() :].split()
    subject = after[:1] != [] and after[0] in _ALONE_AFTER
    words = after[1:] if subject else after
    said = " ".join(words)
    refusal = _CANNOT.match(said)
    bad = _BAD_DAY.match(" ".join(_less_leading(after, _OF_THE_DAY | {"esta"})))
    if refusal is not None:
        rest = said[refusal.end() :].split()
    elif subject and words[:1] != [] and words[0] in _BUSY:
        rest = words[1:]  # "besok aku sibuk"
    elif subject and (work := _at_work(being := _less_leading(words, _BEING))):
        rest = being[work:]  # "tomorrow I'm at work", "friday I am at work", "monday I work"
    elif engaged := _engaged(after):
        rest = after[engaged:]  # "amanhã de manhã tenho consulta", "mañana tengo examen"
    elif bad is not None and not set(bad[0].split()) & _BUSY:  # "friday? busy" may be of now
        rest = bad.string[bad.end() :].split()  # "hoje tá corrido", "today is bad"
    else:
        return False
    return set(rest) <= _ALONE_END


_REFUSAL = re.compile(
    rf"{_CANNOT_ID}|(?:nao|n) (?:posso|consigo|da|rola|vou poder|vai dar)"
    r"|(?:cant|cannot|can not|wont be able to|not able to)(?: make it| do)?"
    rf"|no (?:puedo|podre|podemos|voy a poder)|{_NOT_FREE_TO_CALL}"
)
""""Cannot" said before the day refused: "gak bisa", "não posso", "can't make it", "not
available"; not "don't work" ("I don't work tomorrow" is free then)."""
_REFUSER = _ALONE_AFTER | {"am", "to", "tou", "ill", "will", "be", "we", "kami", "kita"}
"""Who refuses, said before the refusal: "I'll be busy", "tô ocupado", "kami gak bisa";
not "tá", said of someone else ("tá ocupado amanhã" asks the counsellor)."""
_ON = frozenset(
    {"on", "this", "for", "na", "no", "nesta", "neste", "nessa", "nesse", "pra", "para"}
    | {"hari", "di", "pada", "el"}
)
"""Words between a refusal and the day refused: "busy on friday", "não posso na sexta"."""
_LATER = frozenset({"nanti", "ntar", "nti", "entar"})
"""Day words that mean "later" (today's)."""
_TONIGHT = frozenset({"tonight", "tonite"})
"""Day words that are a part of today too."""
_UNTIL = frozenset({"until", "till", "til", "ate", "sampai", "sampe", "smp", "ampe", "hingga"})
_UNTIL |= {"hasta"}
"""Words before an hour that make it the end of what keeps the lead: "sampai jam 3"."""
_TO_THE_PART = frozenset({"de", "a", "in", "the", "en", "la", "por", "pela", "da"})
"""Words between a day and its part: "amanhã à tarde", "tomorrow in the morning", "mañana
en la tarde", "sexta pela manhã"."""


_AWAY_WORDS = (
    r"away|traveling|travelling|out of town|on vacation|on holiday|keluar kota|ke luar kota"
    r"|di luar kota|luar kota|mudik|pulang kampung|viajando|de viagem|de viaje"
    r"|fuera de la ciudad"
)
"""Away for the day: "I'm away tomorrow", "besok aku keluar kota", "amanhã tô viajando"."""
_AWAY = frozenset({"out", *_AWAY_WORDS.split("|")})
_AT_WORK = frozenset(
    {"at work", "working", "work", "kerja", "lagi kerja", "trabalhando", "no trabalho"}
    | {"trabajando", "en el trabajo"}
)
"""At work all of a day, said with who ("I'm at work tomorrow", "tomorrow I work", "aku
kerja besok"): a call that morning finds the lead at work."""
_I_WORK = frozenset({"trabalho", "trabajo"})
"""At work, said with no one as Portuguese and Spanish say it: "trabalho amanhã"."""
_BAD_DAY = re.compile(
    r"(?:bad|not good|no good|isnt good|not great|difficult|tough|hard|impossible|not possible"
    r"|wont work|doesnt work|busy|nao (?:vai dar|da|rola)(?: nao)?|dificil|complicado|ruim"
    r"|corrido|susah|repot|sibuk|full|penuh|packed|lotad[oa]|chei[oa]|llen[oa]|mal[oa]"
    r"|no me (?:queda|sirve|funciona))\b"
)
"""What a lead says of a day that does not suit, after it: "tomorrow is bad", "tomorrow
looks busy", "amanhã fica difícil", "besok susah" (or too early: `_TOO_SOON`); not
"tomorrow is not bad"."""
_NOT_FREE = re.compile(
    r"(?:not available|unavailable|not free|out(?: of town)?"
    r"|(?:cant|cannot|wont be able to)(?: make it)?"
    r"|nao (?:vou poder|posso|consigo|tenho tempo)(?: nao)?|sem tempo|ocupad[oa]|lotad[oa]"
    r"|trabalho"
    r"|no (?:puedo|podre|voy a poder|tengo tiempo)|sin tiempo|trabajo"
    rf"|{_CANNOT_ID}|kerja|lembur|ada (?:acara|urusan|kegiatan)(?: keluarga| kantor| kampus)?"
    rf"|{_AWAY_WORDS}"
    r")\b"
)
"""What a lead says of themselves on a day, after it: "tomorrow I'm out", "amanhã tô
ocupado", "besok aku kerja", "mañana no puedo", "besok aku keluar kota"; not "besok gak
kerja", nor said with "is" or "tá" ("amanhã tá ocupado?" asks about the counsellor)."""
_BAD_FOR = re.compile(rf"\b(?:{_BAD_DAY.pattern}) (?:for|pra|para|buat|untuk) $")
"""What does not suit said before the day it is for: "too late for today", "bad for
tomorrow", "muito tarde pra hoje"."""
_OUTRIGHT = (_CANNOT, _BAD_DAY, _NOT_FREE)
"""A refusal said outright: cannot, a bad time, not free."""
_OUTRIGHT_ANYWHERE = tuple(re.compile(rf"\b(?:{refusal.pattern})") for refusal in _OUTRIGHT)
"""The same, searched for anywhere a word starts."""
_DOING = re.compile(r"(?:working|trabalhando)\b")
"""What keeps a lead, said with who: "tomorrow I'm working"; not "tomorrow working for me"
(it works for them)."""
_BEING = frozenset({"am", "will", "be"})
"""Words of `_REFUSER` that name no one: "tomorrow will be working" may be "works"."""
_OF_THE_DAY = frozenset(
    {"is", "are", "e", "ta", "fica", "its", "looks", "seems", "vai", "ser", "es"}
)
"""Words between a day and what is said of it, with no one said: "today is", "hoje tá",
"mañana es"."""
_SAID_OF_IT = _REFUSER | _OF_THE_DAY
"""Words between a day and what is said of it: "tomorrow is", "amanhã vai ser", "besok
aku"."""
_HOW_MUCH = frozenset(
    {"very", "so", "too", "really", "super", "pretty", "quite", "kinda", "a", "bit", "little"}
    | {"muito", "bem", "meio", "kayaknya", "kyknya", "agak", "muy", "bastante"}
)
"""Words of degree or doubt before what is said: "I'm very busy", "besok kayaknya sibuk"."""
_THEN = frozenset({"lagi", "lg"})
"""Once, after a day and its words of degree: "at the time" ("besok lagi sibuk" is busy that
day). Twice, the first is "again": "besok lagi, lagi sibuk" asks for tomorrow. Before a
day, "aku lagi sibuk besok" may be busy now."""
_BEFORE_REFUSAL = _SAID_OF_IT | _HOW_MUCH | _THEN | _STILL
"""Words between an hour and its refusal: "jam 3 aku lagi sibuk", "at 3 I'm really busy"."""
_ME = frozenset({"i", "im", "ill", "eu", "aku", "ak", "aq", "saya", "sy", "gw", "gue"})
"""The lead, saying what keeps them."""
_I_AM = frozenset({"tenho", "estou", "to", "tou", "tengo", "estoy"})
"""Portuguese and Spanish verbs that say it of the lead themselves: "tenho aula", "tô em
reunião", "tengo clase"."""
_BEING_BUSY = (
    _HAVING | _HOW_MUCH | _STILL | _THEN | {"am", "will", "be", "gonna", "estou", "to", "estoy"}
)
"""Words between the lead and what keeps them: "I have a", "aku masih ada", "I'm in"."""
_OPENING = _ALONE_BEFORE | {"desculpa", "desculpe", "ya", "hi", "hello", "oi", "ola", "halo"}
"""Words that may open a refusal of a day: "desculpa, amanhã não dá", "hi, I'm busy
tomorrow"."""
_CLOSING = (
    _ALONE_END
    | {"too", "also", "juga", "banget", "bgt", "sekali", "seharian"}
    | {"lol", "haha", "hahaha", "hehe", "wkwk", "wkwkwk", "kkk", "kkkk", "rs", "rsrs"}
    | {"thanks", "thx", "makasih", "terima", "kasih", "obrigado", "obrigada", "obg", "valeu"}
)
"""Words that may close a refusal of a day: "tomorrow is bad for me too", "besok sibuk
banget", "tomorrow I'm busy lol", "não posso amanhã, obrigado"; not "ok" or "blz" ("busy
tomorrow ok" may be "busy now, tomorrow ok?")."""
_ALL_DAY = re.compile(r"\b(?:all day|(?:o )?dia (?:todo|inteiro))\b")
"""The whole day, said of a refusal: "I'm busy tomorrow all day", "não posso amanhã o dia
todo"."""
_FOR_ME = _CLOSING | {"for", "me", "pra", "mim", "buat", "aku", "saya", "kayaknya", "kyknya"}
"""Words that may end what is said of a day: "tomorrow is bad for me", "besok susah
kayaknya", "amanhã tô ocupado o dia todo"."""
_ONLY_TAKEN = _IS | _GOOD | _FILLERS | _CLOSING | _FOR_ME | {"ser"}
"""All the words that may follow an hour offered alone: "5 is fine for me" ("tapi 6 bisa
dicicil?" offers no hour)."""


def refuses_day(clauses: list[str]) -> bool:
    """The message, as its normalised `clauses`, refuses the one day it names, in one
    clause: said before the day ("I'm busy tomorrow", "Sorry, can't make it on Friday",
    "gak bisa besok pagi", "não posso amanhã de manhã") or of it, after it ("tomorrow
    morning is bad for me", "amanhã fica difícil", "besok susah kak"), with the hour said
    with the day ("I'm busy tomorrow at 3", "besok jam 10 sibuk"). Any other clause is
    an apology or a closing word ("maaf ya"). The caller leaves out questions ("I'm busy
    tomorrow?"); a comma parts the refusal from the day ("I'm busy, tomorrow", "gak bisa,
    besok ya"); a busy word before the day needs who is busy ("sibuk besok" may be "busy
    now, tomorrow"); and a second part of the day may be the one asked for ("gak bisa
    besok pagi sore")."""
    said = [clause for clause in clauses if clause]
    named = [clause for clause in said if _DAY.search(clause)]
    if len(named) != 1 or any(
        not set(clause.split()) <= _OPENING | _CLOSING for clause in said if clause not in named
    ):
        return False
    clause = _ALL_DAY.sub(" ", named[0])
    days = list(_DAY.finditer(clause))
    if len(days) != 1:
        return False
    before = clause[: days[0].start()].split()
    later = days[0][0] in _LATER
    after = _past_its_time(clause[days[0].end() :].split(), later)
    if set(before) <= _OPENING and _said_bad(after):
        return True
    if not set(after) <= _CLOSING:
        return False
    on = bool(set(before[-2:]) & _ON)  # "busy on friday": the busy is of the day
    while before and before[-1] in _ON | {"the"}:  # "busy on the weekend"
        before.pop()
    while before and before[0] in _OPENING:
        before.pop(0)
    engaged = bool(before) and _engaged(before) == len(before)  # "I have an exam tomorrow"
    subject = False
    while before and before[0] in _REFUSER:
        before.pop(0)
        subject = True
    while before and before[0] in _HOW_MUCH:
        before.pop(0)
    refusal = " ".join(before)
    return (
        _REFUSAL.fullmatch(refusal) is not None
        or ((subject or on) and refusal in _BUSY | _AWAY | _AT_WORK)
        or refusal in _I_WORK
        or engaged
    )


def _past_its_time(after: list[str], later: bool) -> list[str]:
    """The words `after` a day, less the part of the day and the hour said right after it
    ("à tarde", "in the morning", "jam 10", "besok pagi jam 9"). Not an hour outside the
    part ("can't tomorrow morning 3pm" offers 3 pm), after "nanti" ("aku sibuk nanti jam 3
    ya" may offer 3), nor "after 5", which is a limit."""
    said = " ".join(_less_leading(after, _TO_THE_PART))
    part = _PART.match(said)
    if part is not None:
        said = " ".join(_less_leading(said[part.end() :].split(), _TO_THE_PART))
    clock = None if later else _CLOCK.match(said)
    if clock is not None and clock["after"] is None and (part is None or _within(clock, part)):
        said = said[clock.end() :]
    return said.split()


def _less_leading(words: list[str], leading: frozenset[str]) -> list[str]:
    """`words` without those of `leading` they start with."""
    while words and words[0] in leading:
        words = words[1:]
    return words


def _less_trailing(words: list[str], trailing: frozenset[str]) -> list[str]:
    """`words` without those of `trailing` they end with."""
    while words and words[-1] in trailing:
        words = words[:-1]
    return words


def _within(clock: re.Match[str], part: re.Match[str]) -> bool:
    """The hour of `clock` (a clock, or an hour offered alone) falls in `part` of the day:
    "pagi jam 9", not "pagi jam 3"."""
    hour, ampm = _as_said(clock)
    start = _part_hour(part)
    if (ampm == "pm" or (ampm is None and (1 <= hour <= 6 or start > MORNING_HOUR))) and hour < 12:
        hour += 12  # "sore jam 4", "malam jam 8"
    return (5 if start == MORNING_HOUR else start - 2) <= hour < _PART_ENDS[start]


def _tonight_of(first: re.Match[str], then: re.Match[str], after_first: list[str]) -> bool:
    """`then` is a "tonight" that tells the evening of `first`, a "today" said with
    `after_first` after it not to suit: "got paid today, will transfer tonight", not
    "today is bad, maybe tonight" (its "maybe" names the evening as another time)."""
    return (
        _day_name(first) == "today"
        and then[0] in _TONIGHT
        and not _said_bad(_less_trailing(after_first, _ON | _PERHAPS))
    )


def _engaged(words: list[str]) -> int:
    """How many of `words` open them with an engagement the lead says is theirs ("tenho
    consulta", "I have a doctor's appointment", "aku ada ujian"): 0 if none."""
    n = 0
    while n < len(words) and words[n] in _MINE | _HAVING:
        n += 1
    if not _MINE & set(words[:n]) or n == len(words) or words[n] not in _ENGAGEMENTS:
        return 0
    while n < len(words) and words[n] in _ENGAGEMENTS:
        n += 1
    return n


def _at_work(words: list[str]) -> int:
    """How many of `words` open them saying the lead is at work (`_AT_WORK`): 0 if none."""
    return max((n for n in (1, 2, 3) if " ".join(words[:n]) in _AT_WORK), default=0)


def _said_bad(after: list[str]) -> bool:
    """The words `after` a day say it does not suit: who or "is", then what of the day or
    of the lead then, then closing words."""
    said = list(after)
    who: list[str] = []
    while said and said[0] in _SAID_OF_IT:
        who.append(said.pop(0))
    while said and said[0] in _HOW_MUCH:
        said.pop(0)
    if said and said[0] in _THEN:
        said.pop(0)
    words = " ".join(said)
    found = _BAD_DAY.match(words)
    if found is None and set(who) <= _REFUSER:
        found = _NOT_FREE.match(words) or (_DOING.match(words) if set(who) - _BEING else None)
    return found is not None and set(words[found.end() :].split()) <= _FOR_ME


def _cannot_or_busy(words: list[str]) -> bool:
    """The lead says, in `words`, they cannot or are busy (not "gak ada kelas")."""
    if _CANNOT.search(" ".join(words)):
        return True
    return any(
        word in _BUSY_WITH and not _NOT_BUSY & set(words[:n]) for n, word in enumerate(words)
    )


_AT_CLOCK = (
    rf"(?P<{{0}}>{_HOUR})(?!\d)(?:[:.h](?P<{{0}}_minute>[0-5]\d))?(?: ?(?P<{{0}}_ampm>am|pm)\b)?"
)
_NOT_A_NUMBER_OF = (
    rf"(?! ?(?:{_DAY_UNIT}|months?|bulan|mes|meses|years?|tahun|anos?|minutes?|mins?|menit|mnt"
    rf"|minutos?|{_COUNTED}|juta|jt|rb|ribu|k|reais|rs|dollars?|orang|people|kali|x)\b)"
    rf"(?! (?:(?:de|of) )?(?:{'|'.join(_MONTHS)})\b)"
)
_RANGE = re.compile(
    # "between 2 and 4", "antara jam 2-4 sore", "entre 2 e 4 da tarde", "from 10 to 12",
    # "jam 10-12"
    r"\b(?:(?:between|antara|entre|dari|from|de|das) (?:(?:jam|pukul|as|las) )?"
    r"|(?:jam|pukul|pkl) (?=\S+ (?:to|sampai|sampe|smp) ))"
    + _AT_CLOCK.format("first")
    + r" (?:(?:and|to|till|until|sampai|sampe|smp|e|a|y|ate|as) )?(?:(?:jam|pukul|as|las) )?"
    + _AT_CLOCK.format("last")
    + _NOT_A_NUMBER_OF
    # "2 to 4pm", "3-4pm" (`plain_words`): the end says am or pm
    + r"|\b(?<![:.])"
    + _AT_CLOCK.format("start")
    + r" (?:to|till|until|sampai|sampe|smp|ate) (?P<end>"
    + _HOUR
    + r")(?:[:.][0-5]\d)? ?(?P<end_ampm>am|pm)\b"
)
"""A span of hours: the lead is free in it (its first hour is asked for), or kept in it
(`_kept_in`: its last)."""
_DAYS_SPANNED = re.compile(
    r"\b(?:(?:between|from|de|entre|dari|antara) )?(?:(?:tanggal|tgl|dia|the) )?"
    r"(?P<first>[0-3]?\d)(?:st|nd|rd|th)? (?:to|till|until|and|a|e|ate|sampai|sampe|smp"
    r"|hingga|y|al) (?:(?:tanggal|tgl|dia|the) )?(?P<last>[0-3]?\d)(?:st|nd|rd|th)?"
    rf" (?P<month>(?:of |de )?(?:{'|'.join(_MONTHS)}))\b"
)
"""A span of days of one month ("de 10 a 12 de dezembro", "10-12 dec"): its first day is
asked for."""
_ISH = re.compile(rf"\b(?P<hour>{_HOUR}) ?ish\b")
"""An hour said roughly: "10ish", "3-ish"."""


_BEFORE = r"before|sebelum|sblm|antes das|antes da|antes de|antes do|antes de las|hasta las"
_UNTIL_WORDS = "|".join(["ate as", "hasta las", *sorted(_UNTIL, key=len, reverse=True)])
_BEFORE_HOUR = re.compile(
    rf"\b(?P<before>{_BEFORE}|{_UNTIL_WORDS}) (?P<hour>{_HOUR})(?![:.\dh])" + _NOT_A_NUMBER_OF
)
"""An hour said as the limit of when to call ("before 5", "antes das 10", "free until
5")."""
_NOON_LIMIT = re.compile(rf"\b(?P<before>{_BEFORE}|{_UNTIL_WORDS}|ate o|hasta el) (?:{_NOON})\b")
"""Noon said as a limit: "until noon", "before midday", "até meio dia", "hasta mediodía"."""
_ASKED_BEFORE = re.compile(rf"\b(?:{_BEFORE}) $")
_NOT_BUSY_SAID = (
    r"(?:not|no|nao|gak|ga|gk|nggak|tidak|tdk)(?: (?:to|tou|estou|estoy|lagi|lg))?"
    r" (?:busy|ocupad[oa]|sibuk)"
)
"""Busy said not to be the case: "I'm not busy", "não tô ocupado", "gak sibuk"."""
_FREE_UNTIL = re.compile(
    rf"\b(?:{_FREE}|{_NOT_BUSY_SAID})(?: (?:today|hari ini|hoje|hoy))?"
    rf" (?:{_UNTIL_WORDS}) $"
)
"""The lead free until an hour: "free until 5", "not busy till 5", "não tô ocupado até as
5" (soon, as a limit is)."""
_ASKING_BEFORE = frozenset(
    {"call", "text", "message", "me", "us", "can", "you", "anytime", "any", "time", "reach"}
    | {"liga", "ligue", "manda", "mensagem", "pode", "qualquer", "hora", "telp", "telpon"}
    | {"hubungi", "kabari", "wa", "chat", "kapan", "aja", "saja", "llamame", "escribeme"}
)
"""Words that may come before a limit asked for plainly: "call me anytime before 5"."""


_NO_AFTER = re.compile(r" (?:nao|no|not|jangan|jgn|gak|ga|nggak)(?: (?:please|pls|ya|kak|ka))*$")
"""A bare no that ends a message after an hour: "antes das 11 não"."""


def _asked_before(message: str, clock: re.Match[str]) -> bool:
    """The hour `clock` is the limit of when to call, asked for plainly ("call me before
    5", "sebelum jam 12 ya", "besok sebelum jam 3", "antes das 10") or as the end of the
    lead's free time ("I'm free until 5", "aku free sampai jam 5", "tô livre até as
    17h"); not what keeps the lead until then ("I'm busy before 5", "gak bisa sebelum jam
    3", "not free until 5") nor one they refuse anything before ("not before 10", "jangan
    telpon sebelum jam 10", "antes das 10 não"): from then."""
    return _a_limit(message[: clock.start()]) and not _NO_AFTER.match(message, clock.end())


def _part_limit(message: str) -> int | None:
    """The hour of the part of the day `message` names when it is the limit of when to
    call, as an hour may be (`_asked_before`: "tomorrow before lunch", "besok sebelum sore",
    "amanhã antes do almoço", "tomorrow I'm free until the evening")."""
    part = _PART.search(message)
    if part is None or not _a_limit(_THE_END.sub("", message[: part.start()])):
        return None
    return _part_hour(part)


def _free_after_part(message: str) -> int | None:
    """The hour of the part of the day the lead says they are kept before ("tomorrow I'm
    busy before lunch", "besok sibuk sebelum sore"): when they are free; None when no part
    is said so."""
    part = _PART.search(message)
    if part is None:
        return None
    before = _THE_END.sub("", message[: part.start()])
    limit = _ASKED_BEFORE.search(before)
    if limit is None or not _REFUSED_BEFORE.search(_DAY.sub(" ", before[: limit.start()])):
        return None
    return _part_hour(part)


_THE_END = re.compile(r"\bthe $")
"""A "the" right before a part of the day: "before the evening"."""


def _a_limit(before: str) -> bool:
    """Whether `before`, what is said before an hour, makes it the limit of when to call
    (`_asked_before`)."""
    limit = _ASKED_BEFORE.search(before)
    if limit is not None:
        return _asks_plainly(before[: limit.start()])
    free = _FREE_UNTIL.search(before)
    return free is not None and not _NOT_NOW & set(before[: free.start()].split()[-3:])


def _asks_plainly(said: str) -> bool:
    """Whether `said`, the words before a limit, only ask for a contact and say when."""
    return set(_PART.sub(" ", _DAY.sub(" ", said)).split()) <= _ASKING_BEFORE | _ASKING_PLAINLY


def _limit_as_clock(found: re.Match[str]) -> str:
    """A bare hour said as the limit of when to call (`_asked_before`), as the end of what
    keeps the lead on the one day the message names, if any ("I'm in a meeting till 3",
    "tomorrow I'm at work until 5"), or as a limit refused ("not before 11": from then), as
    a clock reads it ("before 5" is "before jam 5"); else as it was ("I need to pay before
    5?", "I'm busy today until 5, call me tomorrow")."""
    before = f"{found.string[: found.start()]}{found['before']} "
    # the keeper's day, if any, is the hour's: "tomorrow I'm busy until 5", "... till 3
    # tomorrow"; not "I'm busy today until 5, call me tomorrow"
    later = _DAY.search(found.string, found.end())
    own_day = later is None or later.start() == found.end() + 1
    kept = own_day and len(_DAY.findall(found.string)) < 2 and _kept_until(before)
    refused = (
        own_day
        and len(_DAY.findall(found.string)) < 2
        and _ASKED_BEFORE.search(before) is not None
        and _REFUSED_BEFORE.search(_DAY.sub(" ", found.string[: found.start()])) is not None
    )
    if not (_a_limit(before) or kept or refused or _NOT_THIS.search(found.string[: found.start()])):
        return found[0]
    return f"{found['before']} jam {found['hour']}"


_REFUSED_BEFORE = re.compile(
    rf"\b(?:{_REFUSAL.pattern}|not available|unavailable|not free|(?<!not )busy|sibuk)\s+$"
)
"""A refusal right before a limit (the day aside): "tomorrow I can't before 5", "I'm busy
tomorrow before 5": the hour is when the lead is free."""


_KEEPS_UNTIL = re.compile(
    r"\b(?:(?<!not )(?<!nt )(?:busy|in a meeting|in class|at work|at school|working"
    r"|(?<=i )work|have class|have a class|in a call|on a call|driving|out)|not (?:free|available)"
    r"|(?<!no )(?<!no estoy )(?<!nao )(?<!nao to )(?<!nao estou )(?:ocupad[oa]|en (?:una )?"
    r"(?:reunion|junta|clase)|en el trabajo|trabajando|manejando|em (?:aula|reuniao)"
    r"|no trabalho|trabalho|trabalhando|trabajo|dirigindo)"
    r"|(?<!gak )(?<!tidak )(?:sibuk|rapat|kerja|kuliah|meeting))"
    r"(?: (?:today|now|rn|right now|hoy|ahorita|hoje|agora|hari ini|sekarang))? $"
)
"""What keeps the lead, said right before "until" ("busy", "in a meeting", "not free",
"I work", "ocupado", "em aula", "trabajo", "sibuk")."""


def _kept_until(before: str) -> bool:
    """Whether `before`, what is said before a bare hour, ends with what keeps the lead and
    an until-word ("I'm busy until", "in a meeting till", "working till"): the hour is when
    they are free."""
    words = _less_trailing(before.split(), frozenset({"las", "as", "jam"}))  # "hasta las"
    return (
        bool(words)
        and words[-1] in _UNTIL
        and _KEEPS_UNTIL.search(f"{' '.join(words[:-1])} ") is not None
    )


_MIDNIGHT = re.compile(
    r"\b(?:(?:at|a|a la|as|pukul|jam) )?(?:midnight|meia noite|medianoche|tengah malam)\b"
)


def _as_clock_reads(message: str) -> str:
    """`message` with its half and quarter hours as a clock reads them ("2:30"), an hour
    said roughly as that hour ("10ish"), the hour the lead is free by as "at" it, a bare
    hour right beside a day as a clock (`_DAY_THEN_HOUR`, `_HOUR_THEN_DAY`), a bare hour
    said as a limit or as the end of what keeps the lead as a clock (`_limit_as_clock`),
    and a span of days as its first one ("de 10 a 12 de dezembro"); midnight as the "jam 12
    malam" that ends the day ("tomorrow at midnight", "amanhã à meia-noite")."""
    message = _MIDNIGHT.sub("jam 12 malam", message)
    for said, hours, minutes in _SPOKEN:
        spoken = [(found.span(), int(found[1])) for found in said.finditer(message)]
        for (start, end), hour in reversed(spoken):
            message = f"{message[:start]}{(hour + hours) or 12}:{minutes}{message[end:]}"
    message = _ISH.sub(lambda found: f"jam {found['hour']}", message)
    message = _HALF_PAST_NOON.sub("12:30", message)
    message = _NOON_ENDING.sub(r"\g<span> 12pm", message)
    message = _NOON_LIMIT.sub(r"\g<before> 12pm", message)
    message = _BEFORE_HOUR.sub(_limit_as_clock, message)
    message = _FREE_BY.sub(r"\1 at ", message)
    message = _HOUR_THEN_DAY.sub(r"jam \g<hour>\g<or> \g<day>", message)
    message = _DAY_THEN_HOUR.sub(r"\g<day> jam \g<hour>", message)
    return _DAYS_SPANNED.sub(_first_day, message)


_FREE_BY = re.compile(r"\b(done|finished|home|back|free|off|available) by (?=\d)")
"""The hour the lead is free by, said "at": "I'll be home by 6", "I should be done by 4";
not "call me by 5" (before it)."""
_ANY_DAY_WORD = "|".join(_DAYS.values())
_AN_HOUR = r"[1-9]|1\d|2[0-3]"
"""An hour said bare beside a day: never 0."""
_DAY_THEN_HOUR = re.compile(
    rf"\b(?P<day>{_ANY_DAY_WORD}) (?P<hour>{_AN_HOUR})"
    r"(?=$| (?:or \d{1,2}|ok|okay|works?|is (?:fine|good|ok|better)|pls|please|then|aja|ya"
    r"|pode|sounds good|would work|pagi|siang|sore|malam|malem|in the (?:morning|afternoon"
    r"|evening)|at night|tonight|da (?:manha|tarde|noite)|de la (?:manana|tarde|noche))\b)"
)
"""A bare hour right after a day, ending the message, taken or followed by its part of the
day: "tomorrow 10", "amanhã 15", "friday 2 works", "tomorrow 3 or 4", "besok 8 malam",
"tomorrow 7 in the morning"; not "tomorrow 3 people"."""
_HOUR_THEN_DAY = re.compile(
    rf"(?:(?<=\bdo )|(?<=\babout )|^)(?P<hour>{_AN_HOUR})(?P<or> or (?:{_AN_HOUR}))?"
    rf" (?P<day>{_ANY_DAY_WORD})\b"
)
"""A bare hour (or two) right before a day, opening the message or offered: "3
tomorrow?", "I can do 3 or 4 tomorrow", "how about 10 friday"; not "I have 3 classes
tomorrow"."""


_HALF_PAST_NOON = re.compile(r"\b(?:(?:ao|al|a) )?(?:meio dia|mediodia) (?:e|y) (?:meia|media)\b")
"""Half past noon as it is said: "meio-dia e meia", "mediodía y media" (12:30)."""
_NOON_ENDING = re.compile(
    r"(?P<span>\b(?:between|antara|entre|dari|from|de|das) (?:(?:jam|pukul|as|las) )?"
    rf"(?:{_HOUR})(?:[:.][0-5]\d)?(?: ?am)?"
    r" (?:and|to|till|until|sampai|sampe|smp|e|a|y|ate|as))(?: (?:the|o|el))?"
    rf" (?:{_NOON})\b"
)
"""A span of hours that ends at noon: "between 10 and noon", "entre 10 e meio dia"."""


def _first_day(found: re.Match[str]) -> str:
    """The first day of the span of days `found` with its month ("10 de dezembro"), or
    the words as said when they name no span ("12 and 10 dec")."""
    if int(found["first"]) >= int(found["last"]):
        return found[0]
    return f"{found['first']} {found['month']}"


def _range_start(found: re.Match[str]) -> str:
    """The first hour of the span of hours `found` ("between 2 and 4", "2-4pm", "entre 2
    e 4 da tarde") as a clock reads it: "jam 2pm", with the am or pm the span ends with
    when it says none itself and comes first in the day ("between 11 and 1pm" is 11 am);
    its last, when the lead is kept in it (`_kept_in`)."""
    first = "first" if found["first"] else "start"
    last = "last" if found["first"] else "end"
    if _kept_in(found):
        end_ampm = found[f"{last}_ampm"]
        return f"until jam {found[last]}{f' {end_ampm}' if end_ampm else ''}"
    hour, minute, ampm = int(found[first]), found[f"{first}_minute"], found[f"{first}_ampm"]
    end_ampm = found[f"{last}_ampm"]
    before_end = hour < int(found[last]) % 12  # "between 10 and 12pm" is in the morning
    if ampm is None and end_ampm is not None and (end_ampm == "am" or before_end):
        ampm = end_ampm
    return f"jam {hour}{f':{minute}' if minute else ''}{f' {ampm}' if ampm else ''}"


_KEPT_DOING = frozenset({"work", "working", "school", "trabalhando", "trabajando"})
"""What keeps the lead besides `_BUSY_WITH`: "I'm at work from 9 to 5"."""
_PT_AT_THE = frozenset({"trabalho", "medico", "dentista"})
"""Where a Portuguese "no" before it is "at the", no negation: "tô no trabalho"."""


def _kept_in(span: re.Match[str]) -> bool:
    """The span of hours `span` is one the lead is kept in, said right before it ("I'm at
    work from 9 to 5", "in class between 10 and 12", "tô no trabalho das 9 às 18", "I
    can't between 2 and 4"; not of now, nor a span taken after it: "busy now, from 2 to 4
    is fine", "I'm busy, between 2 and 4 works") or, with nothing asked before it and no
    hour after, right after it ("from 9 to 5 I'm at work"; not "between 2 and 4, I'm in
    class until 1")."""
    message = span.string
    before = message[: span.start()].split()[-3:]
    after = message[span.end() :].split()[:3]
    if _TAKEN & set(after[:2]) or {"is", "sounds"} & set(after[:1]) or _NOW & set(before):
        return False
    if _CANNOT.search(" ".join(before)) or _keeps(before):
        return True
    asked = _ASKS.search(message, 0, span.start()) or _CLOCK.search(message, span.end())
    return not asked and _keeps(after)


def _keeps(words: list[str]) -> bool:
    """`words` say what keeps the lead: busy, in class, at work ("tô no trabalho" is at
    work, "not busy" and "sem aula" free)."""
    for n, word in enumerate(words):
        if word in _BUSY_WITH or word in _KEPT_DOING:
            said = set(words[:n]) - ({"no"} if word in _PT_AT_THE else set())
            return not _NOT_BUSY & said
    return False


def _later(relative: re.Match[str]) -> timedelta:
    hours = relative["hh"] or relative["hh2"] or relative["hh3"]
    if hours:
        minutes = relative["mm"] or relative["mm2"] or relative["mm3"]
        return timedelta(hours=int(hours), minutes=int(minutes))
    if relative["hd"] or relative["hd2"]:
        return timedelta(hours=int(relative["hd"] or relative["hd2"]), minutes=30)
    if relative["oh"] or relative["oh2"]:
        return timedelta(minutes=90)
    if relative["half"] or relative["half2"]:
        return timedelta(minutes=30)
    if relative["one"] or relative["one2"]:
        return timedelta(hours=1)
    if relative["minutes"]:
        return timedelta(minutes=int(relative["minutes"]))
    some = relative["some"] or relative["some2"]
    if some:  # a couple: two; a few: three
        return timedelta(hours=_SOME_COUNTS[some])
    count = int(relative["n"] or relative["n2"])
    unit = relative["unit"] or relative["unit2"]
    return timedelta(minutes=count) if unit.startswith("m") else timedelta(hours=count)


def _part_beside(message: str, anchor: re.Match[str] | None) -> int | None:
    """The hour of the part of the day said beside `anchor` (the hour asked for, else the
    day), a word apart at most ("jam 7 malam", "besok sore jam 4", "at 8 in the evening"),
    the nearer of two, or the one after it ("lagi makan siang, nanti sore aja"); not one
    the lead speaks of ("udah malem", "kerja sampe malam")."""
    if anchor is None:
        return None
    spoken = [found.span() for found in _SAID_OF.finditer(message)]
    beside = [
        (_words_between(message, anchor.span(), part.span()), part.start() < anchor.start(), part)
        for part in _PART.finditer(message)
        if not any(start <= part.start() < end for start, end in spoken)
        and not _after_lunch_refused(part)
    ]
    near = min(
        (found for found in beside if found[0] <= 1), key=lambda found: found[:2], default=None
    )
    if near is None:
        return None
    return next(int(key[1:]) for key, value in near[2].groupdict().items() if value)


_LINKING = frozenset(
    {"in", "the", "at", "de", "da", "a", "pela", "di", "of", "on", "que", "vem", "next", "depan"}
    | {"aja", "saja", "ya", "deh", "nanti", "ntar", "nti", "por", "en", "la"}
    | {"na", "hora", "do", "horario", "abis", "habis", "setelah", "sesudah", "bada"}
    | {"kak", "ka", "kk", "mas", "mbak", "mba", "pak", "bu", "bang", "sis"}
)
"""Words that join a day or an hour to its part of the day: "at 8 in the evening", "sexta
que vem de tarde", "besok aja ya sore", "mañana por la tarde", "amanhã na hora do
almoço", "kamis aja kak habis maghrib"."""


def _words_between(message: str, one: tuple[int, int], other: tuple[int, int]) -> int:
    """How many words stand between two spans of `message`, linking words ("in the", "da")
    and other days joined to the first ("mon or tue afternoon") aside; 0 when they touch
    or overlap."""
    start, end = min(one[1], other[1]), max(one[0], other[0])
    between = _JOINED_DAY.sub(" ", message[start:end]).split()
    return len([word for word in between if word not in _LINKING])


_JOINED_DAY = re.compile(rf"\b(?:or|and|atau|dan|ou|e|y|o) {_DAY.pattern}")
"""Another day joined to one: "mon or tue afternoon", "besok atau lusa sore"."""


def _part_asked(message: str, now: datetime) -> str | None:
    """The phrase for a part of the day asked for with no day or hour: today's ("call me
    this evening", "malam ini aja"), or the next one ("in the evening", "à noite", "sore
    aja", "abis isya"). Of several, the one the request names: after the asking word
    ("trabalho à noite, me liga de manhã"), else before it; a refusal asks for none ("malam
    ini gak bisa")."""
    asks = [
        found.span()
        for found in _ASKS.finditer(message)
        if not _NEGATED_ASK.search(message[: found.start()])
    ]
    spoken = [found.span() for found in _SAID_OF.finditer(message)]
    said = [
        found
        for pattern in (_TODAYS_PART, _A_PART)
        for found in pattern.finditer(message)
        if not any(start <= found.start() < end for start, end in spoken)
        and not _after_lunch_refused(found)
    ]
    # an asking word of a part's own ("morning is better") asks for that part alone
    asks = [ask for ask in asks if not any(f.start() <= ask[0] < f.end() for f in said)]
    alone = said[0] if said and _only_it(*said) else None
    chosen = _asked_for(said, asks) or next(filter(_asks_itself, said), None) or alone
    if chosen is None:
        return None
    hour = _part_hour(chosen)
    if chosen.re is _TODAYS_PART:
        return _todays(hour, now)
    if (chosen.groupdict().get("z") or chosen.groupdict().get("l")) and (
        hour <= now.hour < _PART_ENDS[hour]
    ):
        return _todays(hour, now)  # "abis isya" said as isya comes: tonight, soon
    return f"{hour:02d}:00"


_AS_ASKED = re.compile(r" (?:aja|saja|ya|deh|dong)\b")
"""Words after a part of the day that ask for it: "sore aja", "abis makan siang ya"."""


_NOT_THEN = frozenset({"cant", "cannot", "dont", "never"}) | _SAID_NO


def _after_lunch_refused(said: re.Match[str]) -> bool:
    """ "After lunch" refused, or when the lead is busy: "can't after lunch", "jangan telpon
    abis makan siang", "depois do almoço não dá", "after lunch I'm busy"; not a refusal of
    a day named before its own ("hoje não dá, amanhã depois do almoço")."""
    if said[0] not in _AFTER_LUNCH:
        return False
    before = _DAY.split(said.string[: said.start()])[-1].split()[-3:]
    after = said.string[said.end() :].split()[:3]
    return bool(_NOT_THEN & set(before) or _NOR_THEN & set(after[:2])) or _cannot_or_busy(after)


_LATER_SAID = frozenset({"later", "nanti", "ntar", "then", "ok", "okay", "oke", "by"})


def _only_it(*said: re.Match[str]) -> bool:
    """The part of the day `said` (or several that are the same part, "this evening after
    dinner") is all its message says, but for words that ask for it or say "later": "in
    the evening", "later this evening", "mais tarde à noite", "this afternoon please"
    answer when to call."""
    if len({_part_hour(found) for found in said}) != 1:
        return False
    message = said[0].string
    for found in sorted(said, key=lambda found: found.start(), reverse=True):
        message = f"{message[: found.start()]} {message[found.end() :]}"
    return set(message.split()) <= _ASKING_PLAINLY | _LATER_SAID


def _part_asking_itself(message: str) -> int | None:
    """The hour of the part of the day the normalised `message` asks for on its own
    (`_asks_itself`: "malem aja", "evenings are better"), away from the day it names; not
    one spoken of nor "after lunch" refused."""
    spoken = [found.span() for found in _SAID_OF.finditer(message)]
    return next(
        (
            _part_hour(found)
            for found in _A_PART.finditer(message)
            if _asks_itself(found)
            and not any(start <= found.start() < end for start, end in spoken)
            and not _after_lunch_refused(found)
        ),
        None,
    )


def _asks_itself(said: re.Match[str]) -> bool:
    """A part of the day said as a request of its own: "sore aja", "abis isya", "abis
    makan siang ya", "pulang kerja ya", "evenings are better", "mornings only" (not "after
    lunch I have a meeting", "I work evenings")."""
    groups = said.groupdict()
    if groups.get("l") or groups.get("v"):
        return _AS_ASKED.match(said.string, said.end()) is not None
    return any(groups.get(name) for name in "yzpqori")


def _asked_for(said: list[re.Match[str]], asks: list[tuple[int, int]]) -> re.Match[str] | None:
    """Of the parts of the day `said`, the one nearest after an asking word, else the one
    nearest before one."""
    after = [
        (found.start() - end, found) for found in said for _, end in asks if found.start() >= end
    ]
    if after:
        return min(after, key=lambda pair: pair[0])[1]
    before = [
        (start - found.end(), found) for found in said for start, _ in asks if found.end() <= start
    ]
    return min(before, key=lambda pair: pair[0])[1] if before else None


def _part_hour(found: re.Match[str]) -> int:
    return _PART_HOURS[next(value for value in found.groupdict().values() if value)]


def _todays(hour: int, now: datetime) -> str | None:
    """Today's part of the day from `hour`: at that hour, soon once it has begun, none once
    it is over."""
    if now.hour >= _PART_ENDS[hour]:
        return None
    if now.hour < hour:
        return f"today {hour:02d}:00"
    soon = now + SOON
    return f"{soon.date().isoformat()} {soon:%H:%M}"


def _date_named(found: re.Match[str], now: datetime, hour: int, minute: int) -> date | None:
    """The next date that `found` names whose `hour`:`minute` is after `now` (the 24th at
    08:00, asked at 09:00 on the 24th, is next month's, or next year's when the month is
    named); None for a day of the month that month (or, with no month named, the coming
    months) does not have."""
    today = now.date()
    dom = int(found["dom"] or found["dom2"] or found["dom3"] or found["dom4"])
    month = next((n + 1 for n in range(len(_MONTHS)) if found[f"x{n}"] or found[f"y{n}"]), None)
    months = [month] if month else [today.month + k for k in range(3)]
    for year in (today.year, today.year + 1):
        for m in months:
            y, m12 = year + (m - 1) // 12, (m - 1) % 12 + 1
            try:
                named = date(y, m12, dom)
            except ValueError:
                continue
            if datetime.combine(named, time(hour, minute)) > now:
                return named
    return None


def _day_name(day: re.Match[str]) -> str:
    return next(name for n, name in enumerate(_DAY_NAMES) if day[f"d{n}"])


_SAYING_NO = frozenset({"no", "not", "nope", "nah", "nao", "jangan", "jgn", "bukan", "ga"})
_SAYING_NO |= {"gak", "gk", "nggak", "ngga", "engga", "enggak", "tidak", "tdk", "ndak"}
_JOINING_DAYS = frozenset({"or", "and", "atau", "dan", "ou", "e", "y", "o", "nor"})
_NO_GOES_ON = _FILLERS | _COURTESY | {"sorry", "maaf", "desculpa", "perdon", "thanks", "gracias"}
_NO_GOES_ON |= {"wait", "actually", "eh", "hmm", "espera", "though", "tho"}
"""Words a no may go on with ("not monday though") or before the time asked instead ("no
wait, friday")."""
_SAYING_NO_ALSO = _SAYING_NO | _JOINING_DAYS | _NO_GOES_ON
_SAYING_NO_ALSO |= {"this", "the", "on", "el", "este", "esse", "ini", "in", "de"}
# "asal jangan weekend", "jangan hari senin", "não na segunda", "amanhã à noite não",
# "mañana en la tarde no"
_SAYING_NO_ALSO |= {"asal", "hari", "na", "a", "en", "la"}
_IF_POSSIBLE = re.compile(r"^(?:(?:kalau|kalo|klo|kl) bisa|if possible|se possivel|si se puede) ")
"""Opening words that soften what follows, no condition: "kalo bisa jangan hari senin"."""
_DAYS_AHEAD = {"today": 0, "tomorrow": 1, "day after tomorrow": 2}


_ALL_DAY = re.compile(
    r"\b(?:all day|the whole day|whole day|seharian|sehari penuh|o dia todo|o dia inteiro"
    r"|todo o dia|todo el dia|el dia entero)\b"
)
"""The whole of a day, said of what keeps the lead: "besok seharian sibuk"."""


class SaidNo(NamedTuple):
    """What a clause says no to: the hours `start` to `end` of each of its `dates` (of any
    day when None), and what it leaves of itself to read (the day, when only a part of it
    was said no to)."""

    dates: frozenset[date] | None
    start: int
    end: int
    leaves: str

    def covers(self, local: datetime) -> bool:
        """Whether the wall-clock time `local` is one this says no to."""
        on_day = self.dates is None or local.date() in self.dates
        return on_day and self.start <= local.hour < self.end


def said_no_to(
    clause: str,
    today: date,
    *,
    hour_said: bool,
    plainly: bool = False,
    after_no: bool = False,
) -> SaidNo | None:
    """What the normalised `clause` says no to, when it names a day (or a part of one),
    no hour, and only says no to it ("not tomorrow", "amanhã não", "besok pagi jangan
    ya", "not today or tomorrow"), or the same as the clause before it (`after_no`:
    "hari ini gak bisa, besok juga", "I'm busy today, tomorrow too") or, when the
    message names no hour (`hour_said`: "tomorrow I'm busy, at 3 is fine" may be
    tomorrow at 3), that the lead cannot or is busy on the one day it names, said right
    after it (`_refused`: "tomorrow I can't", "amanhã não posso", "besok pagi gak bisa")
    or, in a clause said `plainly` (no mark within it, in a sentence that asks nothing
    of it) with no part of the day but the day's own, before it (`refuses_day`: "I can't
    tomorrow", "gak bisa besok", "não posso amanhã"). None for a "no" that asks or sets
    a condition ("why not tomorrow", "if not tomorrow"), or says something else of the
    day ("tomorrow no problem", "amanhã não tenho aula"). A weekday that is today's
    stands for both ("not friday" said on a Friday). A part of the day said doubled is
    said once ("jgn malem2 ya")."""
    clause = _IF_POSSIBLE.sub("", _DOUBLED.sub(r"\1", clause))
    days = list(_DAY.finditer(clause))
    parts = list(_PART.finditer(clause))
    if not (days or parts) or len(parts) > 1 or _CLOCK.search(clause):
        return None
    if not days:
        return _part_said_no_to(clause, parts[0])
    said = set(_PART.sub(" ", _DAY.sub(" ", clause)).split())
    bare = bool(said & _SAYING_NO) and said <= _SAYING_NO_ALSO
    bare |= after_no and bool(said & _TOO) and said <= _TOO | _SAYING_NO_ALSO
    # a "tonight" is a day and its part: it stays as the day ("I'm out tonight")
    plain = " ".join(
        _PART.sub(lambda part: part[0] if part[0] in _TONIGHT else " ", clause).split()
    )
    all_day = _ALL_DAY.search(plain)
    plain = " ".join(_ALL_DAY.sub(" ", plain).split())
    first = _DAY.search(plain)
    busy_all_day = all_day is not None and bool(said & _BUSY)
    before = plainly and _part_of_the_day(clause, days, parts) and refuses_day([plain])
    refused = first is not None and (busy_all_day or _refused(plain, first) or before)
    cannot = not hour_said and ((len(days) == 1 and refused) or _days_refused(plain))
    if not (bare or cannot):
        return None
    dates = _dates_of(days, today)
    if not parts:
        return SaidNo(dates, 0, 24, "")
    hour = _PART_HOURS[parts[0][0]]
    start = 0 if hour == MORNING_HOUR else hour
    leaves = " ".join("today" if d[0] in _TONIGHT else d[0] for d in days)
    return SaidNo(dates, start, _PART_ENDS[hour], leaves)


def _days_refused(plain: str) -> bool:
    """The lead cannot or is busy on the days the normalised `plain` joins, said right
    after the last ("saturday and sunday I can't", "sábado e domingo não posso")."""
    days = list(_DAY.finditer(plain))
    if len(days) < 2:
        return False
    between = _DAY.sub(" ", plain[days[0].start() : days[-1].start()]).split()
    if not set(between) <= _JOINING_DAYS:
        return False
    first, last = days[0].start(), days[-1].start()
    return _refused(plain[:first] + " " * (last - first) + plain[last:], days[-1])


def _dates_of(days: list[re.Match[str]], today: date) -> frozenset[date]:
    """The dates the `days` named on `today` may stand for (a weekday that is today's for
    both, next week for all of it, a weekend for its two days)."""
    dates: set[date] = set()
    for day in days:
        name = _day_name(day)
        if name in _DAYS_AHEAD:
            dates.add(today + timedelta(days=_DAYS_AHEAD[name]))
        elif name in _WEEKDAYS:
            ahead = (_WEEKDAYS.index(name) - today.weekday()) % 7
            dates |= {today + timedelta(days=ahead), today + timedelta(days=ahead or 7)}
        elif name in _WEEKS_AHEAD:  # next week, or the one after: all of it
            monday = _monday_of(name, today)
            dates |= {monday + timedelta(days=n) for n in range(7)}
        elif name == "weekend":
            saturday = today + timedelta(days=(5 - today.weekday()) % 7)
            dates |= {saturday, saturday + timedelta(days=1)}
            if today.weekday() == 6:  # said on a Sunday: today too
                dates.add(today)
    return frozenset(dates)


_NEGATING = frozenset({"not", "jangan", "jgn", "bukan"})
"""No-words that say no to what follows them ("not tomorrow at 3"); a "no" that opens a
clause may answer something else ("no tomorrow at 3" for "no, tomorrow at 3")."""


def hour_said_no_to(clause: str, today: date, then: str) -> SaidNo | None:
    """What the normalised `clause` naming one hour says no to, when it only says no to
    that hour ("not tomorrow at 3", "besok jangan jam 3", "tomorrow at 3 no" as the answer
    to "tomorrow at 3? no"): the hour of its day (of any day when it names none). The day
    is left to read when what is said `then` asks for an hour or a part of the day and
    names no day of its own ("besok jam 3? ga, jam 5 aja", "not tomorrow at 3, 5 is fine"
    are tomorrow at 5; "tomorrow at 3? no, friday" is Friday; "not tomorrow at 3" alone
    asks for nothing). Not a clause a plain "no" opens ("no tomorrow at 3" may answer
    something else with that time)."""
    ready = _clock_ready(clause)
    clocks, days = list(_CLOCK.finditer(ready)), list(_DAY.finditer(ready))
    parts = list(_PART.finditer(ready))
    if len(clocks) != 1 or len(days) > 1 or len(parts) > 1:
        return None
    said = _PART.sub(" ", _DAY.sub(" ", _CLOCK.sub(" ", ready))).split()
    bad = bool(said) and said[0] in _OF_THE_DAY and _said_bad(said)  # "friday at 10 is bad"
    if not bad and (not set(said) & _SAYING_NO or not set(said) <= _SAYING_NO_ALSO):
        return None
    first = ready.split()[0]
    if first in _SAYING_NO - _NEGATING:
        return None
    hour = _clock_hour(clocks[0], _part_hour(parts[0]) if parts else None)
    dates = _dates_of(days, today) if days else None
    ready_then = _clock_ready(then)
    if not days or _DAY.search(ready_then):
        return SaidNo(dates, hour, hour + 1, "")
    if _HOUR_OFFERED.match(ready_then):
        return SaidNo(dates, hour, hour + 1, f"{days[0][0]} at")  # "..., 5 is fine"
    kept = _CLOCK.search(ready_then) or _PART.search(then)
    return SaidNo(dates, hour, hour + 1, days[0][0] if kept else "")


def _part_of_the_day(clause: str, days: list[re.Match[str]], parts: list[re.Match[str]]) -> bool:
    """The part of the day `clause` names, if any, is of its day, right after it ("gak bisa
    besok pagi", "I can't tomorrow morning"), not one asked apart ("gak bisa besok kak
    sore")."""
    if not parts or parts[0].span() == days[-1].span():
        return True  # none, or the day's own: "I'm out tonight"
    between = clause[days[-1].end() : parts[0].start()].split()
    return len(days) == 1 and parts[0].start() > days[0].end() and set(between) <= _TO_THE_PART


_ASKING_PLAINLY = _FILLERS | _COURTESY | _ASKED_AFTER | _JOINING_DAYS | _INSTEAD
_ASKING_PLAINLY |= {"maybe", "talvez", "mungkin", "quizas", "yes", "sim", "si", "el", "la"}
_ASKING_PLAINLY |= {"at", "is", "good", "better", "pode", "ser", "bisa", "boleh", "as", "a"}
_ASKING_PLAINLY |= {"gimana", "gmn", "bagaimana", "how", "about", "what"}
_ASKING_PLAINLY |= _TO_ME | {"mi", "melhor", "mejor", "es"}
_ASKING_PLAINLY |= {"only", "so", "solo", "apenas", "cuma", "hanya"}
"""Words a time asked for may go with and say nothing else of it: "maybe thursday",
"tomorrow works for me", "amanhã é melhor pra mim", "solo en las tardes"."""
_TAKING_A_PART = _FILLERS | _ASKING_PLAINLY | {"puedo", "works", "work", "fine", "ok", "okay"}
"""Words after a part of the next day that take it: "el jueves en la tarde sí puedo"."""


def asks_only_a_time(message: str) -> bool:
    """The normalised `message` names a day or an hour and says nothing else of it than
    asking for it ("maybe thursday", "quinta talvez", "besok aja", "friday at 3"): not what
    keeps the lead then, or someone else's call ("amanhã tenho prova", "meu pai vai me
    ligar amanhã")."""
    if _DAY.search(message) is None and _CLOCK.search(message) is None:
        return False
    rest = _PART.sub(" ", _CLOCK.sub(" ", _DAY.sub(" ", message)))
    return set(rest.split()) <= _ASKING_PLAINLY


ANSWERING_NO = _SAYING_NO - {"not", "bukan"}
"""The words of a no that answers: "tomorrow? no", "ga kak makasih"."""
_NO_THEN_A_DAY = frozenset({"no", "nah", "nope"})
"""English answers that may run straight on to the day asked instead ("nah friday");
"jangan jumat" and "não sexta" say no to the day they name."""


def opens_with_no(clause: str) -> int:
    """How many words of the normalised `clause` that answers a question the lead asked
    themselves ("tomorrow? no, friday") say no to it: its no (after an "eh" or "oh", if
    any) and the words that go on from it ("no wait", "ga deh"), when what is left of the
    clause is nothing, or a time asked for right after an English no ("nah friday"); else
    0 ("no problem")."""
    words = clause.split()
    first = len(words) - len(_less_leading(words, _OOPS))  # "eh ga deh"
    if first == len(words) or words[first] not in ANSWERING_NO:
        return 0
    count = first + 1
    while count < len(words) and words[count] in _NO_GOES_ON | ANSWERING_NO:
        count += 1
    rest = " ".join(words[count:])
    if not rest or (words[first] in _NO_THEN_A_DAY and asks_only_a_time(rest)):
        return count
    return 0


def answered_no_to(clause: str, today: date, then: str) -> SaidNo | None:
    """What the normalised `clause`, a question the lead asked themselves and answered
    with a no, says no to: the day, the part of it or the hour it names, whatever it
    asked with ("can you call tomorrow? no wait, friday", "besok bisa? ga, jumat aja",
    "how about tomorrow at 3? no, 5"); `then` is what is said after it
    (`hour_said_no_to`)."""
    ready = _clock_ready(clause)
    named = sorted(
        [*_DAY.finditer(ready), *_PART.finditer(ready), *_CLOCK.finditer(ready)], key=_start
    )
    if not named:
        return None
    core = f"{' '.join(found[0] for found in named)} no"
    if any(found.re is _CLOCK for found in named):
        return hour_said_no_to(core, today, then)
    return said_no_to(core, today, hour_said=False)


def part_named(message: str) -> tuple[int, int] | None:
    """The hours (from, to) of the one part of the day the normalised `message` names, if
    it names one ("sore aja": 15 to 18)."""
    parts = list(_PART.finditer(message))
    if len(parts) != 1:
        return None
    hour = _part_hour(parts[0])
    return hour, _PART_ENDS[hour]


def span_named(message: str, today: date) -> list[date]:
    """The days of the one span of days the normalised `message` said on `today` names
    (next week, a weekend), soonest first; none when it names any other day."""
    days = list(_DAY.finditer(message))
    if len(days) != 1 or _day_name(days[0]) not in ("next monday", "monday after next", "weekend"):
        return []
    return sorted(_dates_of(days, today))


def names_an_hour(message: str) -> bool:
    """The normalised `message` names an hour of the clock ("at 3", "jam 10", "às 15h")."""
    return _CLOCK.search(_clock_ready(message)) is not None


def _part_said_no_to(clause: str, part: re.Match[str]) -> SaidNo | None:
    """What the normalised `clause` naming a part of the day and no day says no to: that
    part of any day, when the clause only says no to it or that the lead cannot then,
    right after it ("depois do trabalho não dá", "after work no", "malam jangan") or
    right before it ("can't do afternoons", "não posso à tarde")."""
    said = set((clause[: part.start()] + " " + clause[part.end() :]).split())
    bare = bool(said & _SAYING_NO) and said <= _SAYING_NO_ALSO
    rest = clause[part.end() :].strip()
    refusal = _CANNOT.match(rest)
    before = clause[: part.start()].split()
    cannot = (
        refusal is not None
        and set(before) <= _ALONE_BEFORE
        and set(rest[refusal.end() :].split()) <= _ALONE_END
    )
    refusing = _less_leading(_less_leading(before, _ALONE_BEFORE), _REFUSER)
    refusing = _less_trailing(refusing, _TO_THE_PART | {"at", "on", "in", "the"})
    cannot |= _REFUSAL.fullmatch(" ".join(refusing)) is not None and set(rest.split()) <= _ALONE_END
    if not (bare or cannot):
        return None
    hour = _PART_HOURS[part[0]]
    return SaidNo(None, 0 if hour == MORNING_HOUR else hour, _PART_ENDS[hour], "")
