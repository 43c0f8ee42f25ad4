"""salesbot: a Slack sales assistant."""

__version__ = "0.1.0"
