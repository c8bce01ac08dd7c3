"""What a Lambda function logged, as Powertools writes it to CloudWatch."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest


def logged(
    caplog: pytest.LogCaptureFixture, function: str, message: str
) -> tuple[str, list[dict[str, Any]]]:
    """Every line `function` logged, as written, and those saying `message`, read."""
    handler = importlib.import_module(f"functions.{function}.handler")
    formatter = handler.logger.registered_formatter
    written = [formatter.format(r) for r in caplog.records if r.name == function]
    lines = [json.loads(line) for line in written]
    return "\n".join(written), [line for line in lines if line["message"] == message]
