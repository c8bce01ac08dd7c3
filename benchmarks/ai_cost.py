"""What one AI-written follow-up costs, against the $0.0002 target.

Builds a full admissions-funnel context (50 messages, a contact with attributes, deal
attributes) through the prompt builder, sends it through the Claude writer and the real
SDK to the fake Anthropic server, and prints the tokens and the cost at Haiku 5.5 prices.
Token counts are the fake server's ESTIMATES (characters / 4), not a tokenizer's.
Run: `.venv/bin/python -m benchmarks.ai_cost`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from benchmarks.figures import Figure, at_most
from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import AiContext, AiRequest, AiText, Line
from followup.domain.ai_prompt import build_request, context_for
from followup.domain.contact import Contact, Score, Speaker
from followup.domain.conversation import Direction, Message
from followup_local.fake_anthropic import LABEL, FakeAnthropic

KEY = "bench-key"
MODEL = "claude-haiku-5-5"
TARGET_USD = 0.0002
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
INSTRUCTIONS = (
    "The contact registered for the January intake but has not paid the registration fee. "
    "Remind them kindly that seats are confirmed only after payment, mention the program "
    "they chose, and offer to answer questions about scholarships. One short paragraph."
)
# A reply as long as the step allows (~400 characters), so output tokens are not flattered.
REPLY = LABEL + (
    "Halo Kak Rina, semoga harinya menyenangkan! Kami ingin mengingatkan bahwa kursi Kakak di "
    "program S1 Teknik Informatika untuk intake Januari 2027 baru terkonfirmasi setelah biaya "
    "pendaftaran dibayar, dan pembayarannya bisa dua kali. Kalau Kakak ingin tahu lebih lanjut "
    "soal beasiswa yang masih dibuka, balas saja pesan ini ya, kami siap membantu."
)
CONTACT_LINES = (
    "Halo kak, saya mau tanya soal jadwal kuliah kelas karyawan untuk program {program}.",
    "Biaya pendaftarannya bisa dicicil tidak ya? Saya baru gajian akhir bulan.",
    "Oke kak, nanti saya diskusikan dulu dengan orang tua saya, terima kasih infonya.",
    "Kalau kelasnya online semua atau ada tatap muka di kampus setiap Sabtu?",
)
AGENT_LINES = (
    "Halo {name}, kelas karyawan {program} berjalan Sabtu dan Minggu, sebagian online.",
    "Bisa kak, pembayaran bisa dua kali. Formulir beasiswa juga masih dibuka sampai 15 Desember.",
    "Siap kak, kalau ada pertanyaan lain silakan hubungi kami di sini kapan saja ya.",
)


def _contact() -> Contact:
    return Contact(
        id="c-bench",
        wa_id="6281234567890",
        name="Rina Kartika",
        stage="registered",
        score=Score.WARM,
        created_at=NOW - timedelta(days=40),
        attributes={
            "program": "S1 Teknik Informatika",
            "campus": "Bandung",
            "intake": "January 2027",
            "lead_source": "Instagram ad",
            "student_id": "REG-2027-00042",
        },
    )


def _messages(contact: Contact) -> list[Message]:
    fill = {"name": contact.name.split()[0], "program": contact.attributes["program"]}
    messages = []
    for index in range(50):
        inbound = index % 2 == 0
        lines = CONTACT_LINES if inbound else AGENT_LINES
        messages.append(
            Message(
                id=f"m-{index}",
                contact_id=contact.id,
                at=NOW - timedelta(hours=50 - index),
                direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                speaker=Speaker.CONTACT if inbound else Speaker.AGENT,
                text=lines[index % len(lines)].format(**fill),
            )
        )
    return messages


def _request(contact: Contact) -> AiRequest:
    context = context_for(
        contact,
        _messages(contact),
        language="id",
        tone="friendly",
        rule_purpose="registered, not paid",
        deal_attributes={"fee": "Rp 350.000", "installments": "2", "scholarship": "open"},
    )
    return build_request(context, INSTRUCTIONS, max_chars=400)


def _untrimmed(request: AiRequest, contact: Contact) -> AiRequest:
    lines = tuple(Line(message.speaker, message.text) for message in _messages(contact))
    context: AiContext = replace(request.context, lines=lines, earlier_lines=0)
    return replace(request, context=context)


def _row(label: str, server: FakeAnthropic, writer: ClaudeWriter, request: AiRequest) -> float:
    server.reply_next(REPLY)
    result = writer.write(request)
    if not isinstance(result, AiText):
        raise SystemExit(f"{label}: no text ({result})")
    usage = result.usage
    print(
        f"{label:<34} input {usage.input_tokens:>5}  cache write "
        f"{usage.cache_creation_input_tokens:>4}  cache read {usage.cache_read_input_tokens:>4}  "
        f"output {usage.output_tokens:>3}  ${usage.cost_usd:.7f}  "
        f"{usage.cost_usd / TARGET_USD:.2f}× target"
    )
    return usage.cost_usd


def main() -> list[Figure]:
    contact = _contact()
    other = contact.model_copy(update={"id": "c-bench-2", "name": "Dewi Lestari"})
    with FakeAnthropic(KEY) as server:
        writer = ClaudeWriter(KEY, MODEL, base_url=server.base_url, budget_seconds=10)
        print(
            f"One AI follow-up at {MODEL} prices ($0.10 / $0.50 per million tokens in / out; "
            f"cache write 1.25×, read 0.1× of input). Tokens ESTIMATED as characters / 4."
        )
        _row("first call (cache written)", server, writer, _request(contact))
        _row("next contact (cache read)", server, writer, _request(other))
        server.forget_cache()
        no_hit = _row("no cache hit (cache expired)", server, writer, _request(other))
        server.forget_cache()
        _row("all 50 lines verbatim (no trim)", server, writer, _untrimmed(_request(other), other))
    print(f"Target: ${TARGET_USD} per AI-written follow-up. The real API caches only prompts")
    print("above a model-specific minimum length, so trust the 'no cache hit' line.")
    return [at_most("AI-written follow-up, no cache hit", round(no_hit, 7), "$", TARGET_USD)]


if __name__ == "__main__":
    main()
