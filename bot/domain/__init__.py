"""Business rules in plain Python: no Slack, no HTTP. Handlers call into here."""
