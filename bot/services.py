"""Everything a handler or job needs, built once by ``build_app`` and passed explicitly."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.domain.activities import ActivityHook
from bot.domain.events import MessageBus
from bot.domain.nudges import NudgeSource
from bot.people import People
from bot.playbook import Playbook
from bot.reminders.outbox import Renderer
from bot.settings import Settings
from bot.storage.db import SessionFactory, unit_of_work
from bot.storage.models import Account, Reminder
from bot.storage.tenancy import current_team
from bot.workers import WorkPool

if TYPE_CHECKING:
    from bot.installs import InstallationStore
    from bot.workspace_playbooks import Playbooks

# Extra Block Kit blocks for the account card (follow-ups, signals, opportunities, visit plan …).
# ``now`` is in the reader's zone (``now.tzinfo``): dates on the card read in it.
CardSection = Callable[[Session, Account, datetime], list[dict[str, Any]]]
# Called after something changed for a person (e.g. to refresh their App Home).
ChangeListener = Callable[[str], None]
# A planning pass: idempotent work the scheduler runs periodically (materialise visit occurrences,
# escalate signals, build morning nudges …). Gets the services and "now"; enqueues reminders.
PlanningPass = Callable[["Services", datetime], None]
# Before a batch of due reminders is rendered (in one read-only unit of work): compute once what many
# of them need, e.g. the figures of every digest and weekly summary in the batch, in a few queries.
BatchPreparer = Callable[["Services", Session, Sequence[Reminder]], None]


@dataclass
class Services:
    settings: Settings
    default_playbook: Playbook  # the deployment's (SALESBOT_CONFIG): every workspace's unless it set one
    client: WebClient
    session_factory: SessionFactory
    clock: Clock
    people: People
    activity_hooks: list[ActivityHook] = field(default_factory=list)
    card_sections: list[CardSection] = field(default_factory=list)
    change_listeners: list[ChangeListener] = field(default_factory=list)
    renderers: dict[str, Renderer] = field(default_factory=dict)  # reminder kind → message builder
    batch_preparers: list[BatchPreparer] = field(default_factory=list)
    planning_passes: list[PlanningPass] = field(default_factory=list)
    # Run once per weekly slot (playbook ``scheduler.weekly_digest``, UTC): digests, weekly summaries.
    weekly_passes: list[PlanningPass] = field(default_factory=list)
    nudge_sources: list[NudgeSource] = field(default_factory=list)
    # Listeners of domain events (bot/domain/events.py): outbox scheduling, App Home refresh …
    bus: MessageBus = field(default_factory=MessageBus)
    # The work after an ack (bounded; inline in tests and the console: see bot/workers.py).
    work: WorkPool = field(default_factory=lambda: WorkPool("work", inline=True))
    # Side effects nobody waits for (App Home refreshes), so they never queue before commands.
    background: WorkPool = field(default_factory=lambda: WorkPool("background", inline=True))
    # OAuth mode: every workspace's installation and bot token (bot/installs.py); None with one token.
    installations: InstallationStore | None = None
    # Each workspace's effective playbook, kept in memory by workspace (bot/workspace_playbooks.py).
    playbooks: Playbooks | None = None

    @property
    def playbook(self) -> Playbook:
        """The playbook of the workspace being served (``current_team``)."""
        return self.playbooks.current() if self.playbooks is not None else self.default_playbook

    @playbook.setter
    def playbook(self, playbook: Playbook) -> None:
        """A new default for every workspace that has none of its own."""
        self.default_playbook = playbook
        if self.playbooks is not None:
            self.playbooks.default = playbook
            self.playbooks.forget()

    @contextmanager
    def uow(self, *, read_only: bool = False) -> Iterator[Session]:
        """One transaction whose domain events reach ``bus``; after-commit listeners run once it commits.

        ``read_only`` units don't take SQLite's write lock (and may not write)."""
        with unit_of_work(self.session_factory, read_only=read_only) as session:
            session.info["bus"] = self.bus
            session.info["team_id"] = current_team()  # every query of this unit: this workspace's rows
            session.info["now"] = self.clock.now  # audit entries carry the same time as the change
            yield session
            events = session.info.pop("events", [])
        self.bus.committed(events)

    def changed(self, *user_ids: str | None) -> None:
        for user_id in {u for u in user_ids if u}:
            for listener in self.change_listeners:
                listener(user_id)
