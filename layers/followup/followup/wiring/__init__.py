"""The one place that builds real adapters from configuration."""
