"""What a failed Web API call means for delivery: wait (rate limit), retry later, or give up."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from slack_sdk.errors import SlackApiError

DEFAULT_RETRY_AFTER = 30  # seconds, when a 429 comes without a usable Retry-After header

# Error codes Slack documents as temporary; everything else it answers is treated as permanent.
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "timeout"}
)
# The common permanent ones, listed for the documentation's sake (any other code is permanent too).
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "account_inactive",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "cannot_dm_bot",
        "user_disabled",
        "invalid_blocks",
        "msg_too_long",
        "restricted_action",
    }
)


class Outcome(Enum):
    RATE_LIMITED = "rate_limited"  # nothing happened; try again after ``retry_after``
    TRANSIENT = "transient"  # may or may not have happened; retry with backoff
    PERMANENT = "permanent"  # rejected; retrying will not help


@dataclass(frozen=True)
class CallFailure:
    outcome: Outcome
    reason: str
    retry_after: int | None = None


def classify(exc: BaseException) -> CallFailure:
    """Sort an exception raised by a Web API call into one of the three outcomes."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = int(getattr(response, "status_code", 200) or 200)
        error = _error_code(response) or f"http_{status}"
        if status == 429 or error in ("ratelimited", "rate_limited"):
            return CallFailure(Outcome.RATE_LIMITED, "ratelimited", _retry_after(response))
        if status >= 500 or error in TRANSIENT_ERRORS:
            return CallFailure(Outcome.TRANSIENT, error if error != f"http_{status}" else f"HTTP {status}")
        return CallFailure(Outcome.PERMANENT, error)
    # Connection errors, timeouts, unreadable answers: the request may or may not have reached Slack.
    text = str(exc).strip()
    return CallFailure(
        Outcome.TRANSIENT, f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
    )


def _error_code(response: Any) -> str | None:
    try:
        error = response.get("error")
    except (AttributeError, TypeError, ValueError):
        return None
    return str(error) if error else None


def _retry_after(response: Any) -> int:
    headers = getattr(response, "headers", None) or {}
    for key, value in dict(headers).items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(1, int(float(str(raw))))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER
