"""The local console: the real app against a fake Slack, on the embedded database."""
