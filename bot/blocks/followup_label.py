"""A follow-up's number as markup, for every message that names one."""

from __future__ import annotations

from bot.domain.text import mention
from bot.storage.models import Task


def number_label(task: Task, viewer_id: str | None = None) -> str:
    """``#3`` in code when it is the reader's, ``@bob `#3``` when it is in a colleague's sequence:
    the mention stays outside the code, where Slack shows it as a name (inside, as a raw id)."""
    own = viewer_id is None or viewer_id == task.assignee_id
    number = f"`#{task.number}`"
    return number if own else f"{mention(task.assignee_id)} {number}"
