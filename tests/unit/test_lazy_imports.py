"""Heavy libraries load only where they are used: the Anthropic SDK (about a second) where
a message is written, the date parser where a reply names a time."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from tests.support.fresh import ROOT, python

HANDLERS = sorted(
    f"functions.{path.parent.name}.handler" for path in ROOT.glob("functions/*/handler.py")
)

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
before = "anthropic" in sys.modules
from followup.domain.ai import AiContext, AiRequest, Score
from followup.wiring.ai import writer
from followup.wiring.config import Config
context = AiContext("Budi", "registered", Score.WARM, "id", "friendly", "not paid")
writer(Config()).write(AiRequest("system", "instructions", context, 300))
print(json.dumps({"handlers": before, "no_key_write": "anthropic" in sys.modules}))
"""


def test_no_handler_imports_the_anthropic_sdk() -> None:
    modules = [*HANDLERS, "followup.adapters.claude", "followup.wiring.ai"]
    done = python(PROBE, *modules, ANTHROPIC_API_KEY="")
    assert len(HANDLERS) >= 10
    assert json.loads(done.stdout.splitlines()[-1]) == {"handlers": False, "no_key_write": False}


def test_no_handler_loads_the_date_parser_until_a_reply_names_a_time() -> None:
    probe = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "print('dateparser' in sys.modules)\n"
    )
    done = python(probe, *HANDLERS)
    assert done.stdout.splitlines()[-1] == "False"


def _loaded(code: str, *args: str, **env: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = python(probe, *args, **env)
    return set(json.loads(done.stdout.splitlines()[-1]))


# Clients and libraries only a use case's own calls need: 360dialog and webhooks (httpx),
# SMS, email, the queue, the AI writer, holiday calendars. No handler loads the X-Ray SDK:
# the traced functions rely on Lambda's active tracing, the SDK would double their cold start.
SEND_ADAPTERS = {
    "httpx",
    "holidays",
    "followup.adapters.whatsapp",
    "followup.adapters.sms",
    "followup.adapters.email",
    "followup.adapters.notify",
    "followup.adapters.claude",
}
# Modules the services name only in type hints: the reply classifier, the pacer and the
# dependencies container load when a request uses them, not with a handler; the in-memory
# store (and the table models it loads) only when the API runs a dry run.
HINTED_ONLY = {
    "followup.domain.ai_classify",
    "followup.services.pacing",
    "followup.services.deps",
    "followup.adapters.memory",
}
# The table models and pynamodb (botocore's session with them, about a bare `import boto3`)
# load with the store when a request first builds the dependencies, in every handler alike.
STORE = {"pynamodb", "followup.adapters.tables", "followup.adapters.dynamo"}
# The configuration (pydantic-settings, with the asyncio it loads) is read when a request
# first asks for it (`runtime.config()` or `runtime.deps()`), with the store.
CONFIGURATION = {"pydantic_settings", "followup.wiring.config"}
# The rules that read a reply compile their phrase patterns as they load (about a tenth of a
# second): they load with the first reply read, never with a handler. The types of what a
# reply means (`followup.domain.intent`) load where intents are stored, planned or counted.
REPLY_RULES = {"followup.domain.intents", "followup.domain.replytime"}
# The date rules' indexing loads with the enqueue tick, which walks it, and with a save of
# the settings that changes the zone; reading the settings (`services.settings`) needs none.
DATE_INDEXING = "followup.services.date_triggers"


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_module_loads_no_adapter_it_does_not_call_at_import(handler: str) -> None:
    loaded = _loaded("import importlib, sys\nimportlib.import_module(sys.argv[1])", handler)
    name = handler.split(".")[1]
    unwanted = (
        SEND_ADAPTERS
        | {"followup.adapters.sqs", "aws_xray_sdk"}
        | HINTED_ONLY
        | STORE
        | CONFIGURATION
        | REPLY_RULES
    )
    if name != "enqueue":
        unwanted |= {DATE_INDEXING}
    if name != "ws_authorizer":
        unwanted |= {"jwt", "followup.adapters.cognito"}
    else:  # it checks a token against the configuration, and touches no table
        unwanted |= {"followup.services.deps", "followup.domain.rule"}
    assert handler in loaded
    assert sorted(loaded & unwanted) == []


BUILT_MODELS = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
from pydantic import BaseModel
own = [
    (name, model)
    for name, module in list(sys.modules.items())
    if name.startswith(("followup.", "functions."))
    for model in vars(module).values()
    if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == name
]
print(json.dumps({
    "models": len(own),
    "built": sorted(f"{name}.{m.__qualname__}" for name, m in own if m.__pydantic_complete__),
    "parser": "aws_lambda_powertools.utilities.parser" in sys.modules,
}))
"""


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_module_builds_no_model_schema_at_import(handler: str) -> None:
    """Our pydantic models defer their validators to first use (`defer_build`), so a handler
    pays for the models its requests validate, not for every model its modules name. Powertools'
    own event models (its parser) stay unloaded too: its batch module loads them all when
    pydantic came first."""
    found = _loaded_json(BUILT_MODELS, handler)
    assert found["models"] >= 1
    assert found["built"] == []
    assert found["parser"] is False


def _loaded_json(code: str, *args: str) -> dict[str, Any]:
    done = python(code, *args)
    found: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_building_the_dependencies_loads_each_adapter_only_on_its_first_call() -> None:
    built = (
        "from followup.wiring import runtime\n"
        "from followup.wiring.config import Config\n"
        "deps = runtime.build(Config(ANTHROPIC_API_KEY='k', EMAIL_FROM='a@b.invalid',"
        " UNSUBSCRIBE_SECRET='s'))\n"
    )
    assert sorted(_loaded(built) & (SEND_ADAPTERS | {"followup.adapters.sqs"})) == []
    used = _loaded(built + "deps.queue.enqueue\ndeps.whatsapp.send\n")
    assert {"followup.adapters.sqs", "followup.adapters.whatsapp", "httpx"} <= used
    assert sorted(used & {"followup.adapters.sms", "followup.adapters.email"}) == []


def test_the_holiday_calendars_load_only_for_a_window_that_names_a_country() -> None:
    window = (
        "from datetime import UTC, datetime\n"
        "from zoneinfo import ZoneInfo\n"
        "from followup.domain.policy import SendWindow\n"
        "window = SendWindow.model_validate({'holiday_countries': %s})\n"
        "window.next_opening(datetime(2026, 12, 24, 20, tzinfo=UTC), ZoneInfo('Asia/Jakarta'))\n"
    )
    assert "holidays" not in _loaded(window % "[]")
    assert "holidays" in _loaded(window % "['ID']")


def test_importing_every_handler_makes_no_network_call() -> None:
    """With a secret to read and AWS unreachable (a closed port), every import succeeds."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    loaded = _loaded(
        "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)",
        *HANDLERS,
        FOLLOWUP_SECRETS_NAME="followup-secrets",
        AWS_ENDPOINT_URL=closed,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_MAX_ATTEMPTS="1",
    )
    assert set(HANDLERS) <= loaded


# Powertools' event handler package loads every resolver it has with its first import: the
# webhook answers its two routes without it, the API loads it with its first request, and
# then only the route modules under that request's path.
EVENT_HANDLER = "aws_lambda_powertools.event_handler"
ROUTE_MODULES = {
    f"followup.api.{name}"
    for name in (
        "resolver",
        "contacts",
        "contact_care",
        "events",
        "queue",
        "recipes",
        "rules",
        "settings",
        "tasks",
        "templates",
        "unsubscribe",
    )
}


@pytest.mark.parametrize("handler", ["functions.webhook.handler", "functions.api.handler"])
def test_the_http_handlers_load_no_resolver_nor_route_module_at_import(handler: str) -> None:
    loaded = _loaded("import importlib, sys\nimportlib.import_module(sys.argv[1])", handler)
    assert handler in loaded
    assert EVENT_HANDLER not in loaded
    assert sorted(loaded & ROUTE_MODULES) == []


@pytest.mark.parametrize(
    ("handler", "later"),
    [
        ("functions.sender.handler", {"followup.services.send", "followup.domain.followup"}),
        (
            "functions.webhook.handler",
            {"followup.services.webhook", "followup.adapters.whatsapp_webhook"},
        ),
        (
            "functions.bus_events.handler",
            {"followup.services.crm_events", "followup.services.email_feedback"},
        ),
    ],
)
def test_the_sender_the_webhook_and_the_bus_load_their_use_cases_with_their_first_event(
    handler: str, later: set[str]
) -> None:
    loaded = _loaded("import importlib, sys\nimportlib.import_module(sys.argv[1])", handler)
    assert handler in loaded
    assert sorted(loaded & later) == []
