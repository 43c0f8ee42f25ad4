"""Each workspace's effective playbook: the deployment's (``SALESBOT_CONFIG``, else the built-in one)
unless the workspace's admins set their own (``/salesbot playbook set``, stored in
``workspace_playbooks``), whose keys then override the deployment's, key by key.

``services.playbook`` reads the current workspace's through ``Playbooks.current``: a dictionary keyed
by workspace, each entry kept for ``FRESH_FOR`` seconds (a change made by another instance is seen
within that time) and forgotten at once when this process changes it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import select

from bot.playbook import Playbook, PlaybookError, load_playbook
from bot.storage.db import SessionFactory, unit_of_work
from bot.storage.models import WorkspacePlaybook
from bot.storage.tenancy import ALL_TEAMS, current_team

log = logging.getLogger(__name__)


class Playbooks:
    FRESH_FOR = 30.0  # seconds

    def __init__(
        self,
        default: Playbook,
        session_factory: SessionFactory,
        *,
        config_path: str | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self._sessions = session_factory
        self._config_path = config_path
        self._timer = timer
        self._memory: dict[str, tuple[float, Playbook]] = {}  # team → (good until, playbook)
        self._lock = threading.Lock()

    def current(self) -> Playbook:
        return self.of(current_team())

    def of(self, team_id: str) -> Playbook:
        """``team_id``'s effective playbook."""
        with self._lock:
            hit = self._memory.get(team_id)
        if hit is not None and hit[0] > self._timer():
            return hit[1]
        text = self.stored(team_id)
        playbook = self.default
        if text is not None:
            try:
                playbook = self.check(text)
            except PlaybookError as exc:  # valid when saved; a newer release may read it differently
                log.error("team %s: its playbook is invalid (%s); the default one applies", team_id, exc)
        with self._lock:
            self._memory[team_id] = (self._timer() + self.FRESH_FOR, playbook)
        return playbook

    def stored(self, team_id: str) -> str | None:
        """The TOML the workspace's admins set, if any (read without taking SQLite's write lock)."""
        with unit_of_work(self._sessions, read_only=True) as session:
            return session.scalar(
                select(WorkspacePlaybook.toml)
                .where(WorkspacePlaybook.team_id == team_id)
                .execution_options(**{ALL_TEAMS: True})
            )

    def check(self, text: str) -> Playbook:
        """The playbook ``text`` makes, over the deployment's; ``PlaybookError`` names what is wrong."""
        return load_playbook(self._config_path, workspace=text)

    def forget(self, team_id: str | None = None) -> None:
        """Read ``team_id``'s playbook afresh next time (every workspace's when None)."""
        with self._lock:
            if team_id is None:
                self._memory.clear()
            else:
                self._memory.pop(team_id, None)
