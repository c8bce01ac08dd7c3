"""What a contact receives: free text inside WhatsApp's 24-hour window, else the template."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from followup.domain.contact import Contact
from followup.domain.durations import Duration
from followup.domain.messaging import compose, placeholders, render_text, window_open
from followup.domain.rule import Step, TemplateParam, TemplateRef
from tests.support.builders import contact_at

NOW = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
TEMPLATE = TemplateRef(name="gentle_nudge", language="id")


def a_contact(**overrides: object) -> Contact:
    return contact_at(NOW, **overrides)


def a_step(text: str | None = None, template: TemplateRef | None = None) -> Step:
    return Step(wait=Duration.of(1, "days"), text=text, template=template)


# --- the 24-hour window: a property over steps, inbound times and send moments -------------

moments = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3))]),
)
# How long before the send the contact last wrote (negative: a clock-skewed future inbound).
silences = st.one_of(
    st.timedeltas(min_value=-timedelta(hours=3), max_value=timedelta(hours=72)),
    st.sampled_from(
        [
            timedelta(0),
            DAY,
            DAY - timedelta(microseconds=1),
            DAY + timedelta(microseconds=1),
            -timedelta(microseconds=1),
        ]
    ),
)
templates = st.builds(
    TemplateRef,
    name=st.sampled_from(["gentle_nudge", "intake_reminder"]),
    language=st.sampled_from(["id", "en", "pt_BR"]),
)


@st.composite
def steps(draw: st.DrawFn) -> Step:
    text = draw(st.one_of(st.none(), st.just(""), st.text(min_size=1, max_size=40)))
    template = draw(st.one_of(st.none(), templates) if text and text.strip() else templates)
    return a_step(text=text, template=template)


@settings(deadline=None)
@given(
    step=steps(),
    at=moments,
    silence=st.one_of(st.none(), silences),
    inbound_zone=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
)
@example(  # text that renders blank inside the window: the template goes
    step=a_step(text=" ", template=TEMPLATE), at=NOW, silence=timedelta(0), inbound_zone=UTC
)
def test_free_text_only_inside_24h_of_last_inbound_else_template_else_nothing(
    step: Step, at: datetime, silence: timedelta | None, inbound_zone: timezone
) -> None:
    # Given a step and a contact who last wrote `silence` before the send (or never)
    last_inbound = None if silence is None else (at - silence).astimezone(inbound_zone)
    contact = a_contact(name="Siti Rahma", last_inbound_at=last_inbound)

    # When the message is composed at `at`
    message = compose(step, contact, at)

    # Then it is free text iff the step has text and the contact wrote < 24 h ago
    # (not in the future), else the step's template, else nothing may be sent; text that
    # renders blank (" ", a placeholder the contact leaves empty) gives way to a template
    inside = silence is not None and timedelta(0) <= silence < DAY
    assert window_open(contact, at) is inside
    rendered = render_text(step.text, contact) if step.text else ""
    if step.text and inside and (rendered.strip() or step.template is None):
        assert message is not None
        assert message.kind == "text"
        assert message.text == rendered
    elif step.template is not None:
        assert message is not None
        assert message.kind == "template"
        assert message.template_name == step.template.name
        assert message.language == step.template.language
        assert message.text is None
    else:
        assert message is None


def test_exactly_24_hours_after_the_last_inbound_the_window_is_closed() -> None:
    # Given a contact who wrote exactly 24 h before the send
    contact = a_contact(last_inbound_at=NOW - DAY)
    step = a_step(text="Hi!", template=TEMPLATE)

    # When the message is composed / Then the approved template goes out, not free text
    message = compose(step, contact, NOW)
    assert message is not None
    assert message.kind == "template"
    # ...while a contact who wrote one second later still gets free text
    just_inside = a_contact(last_inbound_at=NOW - DAY + timedelta(seconds=1))
    message = compose(step, just_inside, NOW)
    assert message is not None
    assert message.kind == "text"


def test_text_only_step_outside_the_window_yields_nothing_to_send() -> None:
    # Given a text-only step and a contact silent for two days
    contact = a_contact(last_inbound_at=NOW - timedelta(days=2))

    # When composed / Then nothing may be sent (the caller skips it: window_closed)
    assert compose(a_step(text="Still interested?"), contact, NOW) is None


def test_contact_who_never_wrote_gets_the_template() -> None:
    # Given a contact imported from a form who never messaged us
    contact = a_contact(last_inbound_at=None)

    # When composed / Then free text is not allowed: the template goes out
    message = compose(a_step(text="Hi!", template=TEMPLATE), contact, NOW)
    assert message is not None
    assert message.kind == "template"


def test_inbound_stamped_after_the_send_moment_does_not_open_the_window() -> None:
    # Given a clock-skewed inbound one minute "in the future"
    contact = a_contact(last_inbound_at=NOW + timedelta(minutes=1))

    # Then the window is not considered open
    assert not window_open(contact, NOW)


def test_window_is_24_elapsed_hours_even_when_times_share_a_dst_zone() -> None:
    # Given a Lisbon contact who wrote at 12:00 WEST the day before clocks go back
    lisbon = ZoneInfo("Europe/Lisbon")
    last_inbound = datetime(2024, 10, 26, 12, 0, tzinfo=lisbon)
    contact = a_contact(last_inbound_at=last_inbound)
    # When a send is attempted at 11:30 WET next day: 24.5 h have elapsed
    at = datetime(2024, 10, 27, 11, 30, tzinfo=lisbon)
    assert at.astimezone(UTC) - last_inbound.astimezone(UTC) == DAY + timedelta(minutes=30)

    # Then the window is closed
    assert not window_open(contact, at)


# --- personalisation ------------------------------------------------------------------------


def inside_window(**fields: object) -> Contact:
    return a_contact(last_inbound_at=NOW - timedelta(hours=1), **fields)


def text_of(text: str, contact: Contact) -> str | None:
    message = compose(a_step(text=text), contact, NOW)
    assert message is not None
    return message.text


def test_name_placeholder_is_replaced_by_the_contact_name() -> None:
    # Given a contact called Siti Rahma inside the window
    contact = inside_window(name="Siti Rahma")

    # When a text with {name} is sent / Then it reads with her name
    assert text_of("Halo {name}, apa kabar?", contact) == "Halo Siti Rahma, apa kabar?"


def test_first_name_falls_back_when_the_name_is_unknown() -> None:
    # Given one contact with a name and one without
    named = inside_window(name="  Siti Rahma ")
    unnamed = inside_window(name="")

    # When the same text is sent to both
    text = "Hi {first_name|there}!"

    # Then the named one gets her first name, the other the fallback
    assert text_of(text, named) == "Hi Siti!"
    assert text_of(text, unnamed) == "Hi there!"


def test_attribute_placeholder_reads_the_contact_attribute() -> None:
    # Given a contact interested in the MBA programme
    contact = inside_window(name="Budi", attributes={"program": "MBA"})

    # When the text refers to attributes.program / Then the programme name appears
    assert text_of("{name}, the {attributes.program} intake closes soon", contact) == (
        "Budi, the MBA intake closes soon"
    )


def test_an_attribute_is_named_as_it_is_stored_spaces_and_capitals_included() -> None:
    # Given a contact imported from a CSV column `attr.My Program`
    contact = inside_window(name="Siti", attributes={"My Program": "MBA", "intake.2025": "May"})

    # When the text names the attribute as it is stored / Then its value appears
    assert text_of("{attributes.My Program|our programmes}, {attributes.intake.2025}", contact) == (
        "MBA, May"
    )
    # And a lead without it reads the default, never the braces
    assert text_of("About {attributes.My Program|our programmes}.", inside_window()) == (
        "About our programmes."
    )


def test_missing_field_without_fallback_renders_empty_not_the_raw_placeholder() -> None:
    # Given a contact without the `program` attribute
    contact = inside_window(name="Budi")

    # Then the customer never sees "{attributes.program}" verbatim
    assert text_of("About {attributes.program}.", contact) == "About ."
    assert text_of("About {attributes.program|our programmes}.", contact) == (
        "About our programmes."
    )


def test_a_field_a_crm_sent_blank_reads_the_default() -> None:
    # Given a lead whose CRM sent the program as an empty field and a name of spaces
    contact = inside_window(name="   ", attributes={"program": "", "intake": " "})
    text = "Hi {name|there}, still thinking about {attributes.program|our course}?"

    # Then the lead reads the defaults, not gaps, in free text and in a template alike
    assert text_of(text, contact) == "Hi there, still thinking about our course?"
    template = TemplateRef(
        name="intake_reminder",
        language="en",
        params=[TemplateParam(field="attributes.intake", default="the next intake")],
    )
    composed = compose(a_step(template=template), a_contact(attributes={"intake": " "}), NOW)
    assert composed is not None
    assert composed.params == ["the next intake"]


def test_a_parameter_default_goes_on_one_line_as_whatsapp_takes_it() -> None:
    # Given a template parameter whose default was written on two lines
    template = TemplateRef(
        name="intake_reminder",
        language="en",
        params=[TemplateParam(field="attributes.intake", default="the next\nintake   soon")],
    )
    # When a lead without the field is sent it / Then the default goes on one line
    composed = compose(a_step(template=template), a_contact(), NOW)
    assert composed is not None
    assert composed.params == ["the next intake soon"]


def test_text_without_placeholders_is_sent_verbatim() -> None:
    contact = inside_window(name="Budi")
    text = 'Literal braces stay: {"json": 1} and {Name} and {}'
    assert text_of(text, contact) == text


def test_placeholders_lists_the_fields_a_text_uses() -> None:
    assert placeholders("Hi {first_name|there}, {attributes.program} at {name}") == [
        "first_name",
        "attributes.program",
        "name",
    ]


def test_template_params_come_from_fields_defaults_and_fixed_text() -> None:
    # Given a template with a name field, an attribute field with a default, and fixed text
    template = TemplateRef(
        name="intake_reminder",
        language="en",
        params=[
            TemplateParam(field="first_name", default="there"),
            TemplateParam(field="attributes.intake", default="the next intake"),
            TemplateParam(text="Jakarta Campus"),
        ],
    )
    step = a_step(template=template)
    known = a_contact(name="Siti Rahma", attributes={"intake": "September 2026"})
    unknown = a_contact(name="")

    # When composed outside the window for both contacts
    for_known = compose(step, known, NOW)
    for_unknown = compose(step, unknown, NOW)

    # Then fields fill in, missing ones use their defaults, fixed text is kept as is
    assert for_known is not None
    assert for_known.params == ["Siti", "September 2026", "Jakarta Campus"]
    assert for_unknown is not None
    assert for_unknown.params == ["there", "the next intake", "Jakarta Campus"]
    assert for_known.template_name == "intake_reminder"
    assert for_known.language == "en"
