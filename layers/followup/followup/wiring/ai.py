"""Builds the AI writer from configuration; the Anthropic SDK loads only on its first call."""

from __future__ import annotations

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import Pricing
from followup.wiring.config import Config


def writer(config: Config) -> ClaudeWriter:
    """Claude with the configured key, model, time budget and prices."""
    return ClaudeWriter(
        config.anthropic_api_key.get_secret_value(),
        config.anthropic_model,
        budget_seconds=config.anthropic_timeout_seconds,
        base_url=config.anthropic_base_url,
        pricing=Pricing(
            input_per_million=config.anthropic_input_usd_per_million,
            output_per_million=config.anthropic_output_usd_per_million,
        ),
    )
