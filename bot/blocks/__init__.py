"""Block Kit builders. Functions return plain dicts; nothing here talks to Slack."""
