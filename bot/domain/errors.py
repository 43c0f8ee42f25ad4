"""The one error type users see: what went wrong, and a command that would have worked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class UserError(Exception):
    """Bad input. ``message`` is plain text (escaped when rendered); ``example`` is a correct command."""

    message: str
    example: str | None = None
    # Optional follow-up choices, e.g. "did you mean" accounts: (label, action_id, value).
    choices: list[tuple[str, str, str]] = field(default_factory=list)
    # The part of the command the choices replace (e.g. the account name as typed), for re-running it.
    typed: str = ""
    # The message is already safe mrkdwn (mentions built from user ids, typed text escaped by whoever
    # built it), so it is shown as is: a refusal names the people who may act.
    mrkdwn: bool = False

    def __str__(self) -> str:
        return self.message
