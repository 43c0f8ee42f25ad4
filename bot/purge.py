"""``salesbot purge team T…``: delete every row a workspace owns, after a confirmation.

For a workspace that uninstalled the app (its tokens are already gone, its data was kept): every
table whose rows belong to a workspace (``TeamOwned``) loses that workspace's rows, children first,
and its installation records go too. Other workspaces are untouched: every statement runs as that
workspace (``bot/storage/tenancy.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from sqlalchemy import delete, func, select

from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, unit_of_work, upgrade
from bot.storage.models import Base, WorkspaceRecord
from bot.storage.tenancy import TeamOwned, as_team


def owned_models() -> list[type[Base]]:
    """Every workspace-owned model, children before the tables they refer to."""
    by_table = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}
    ordered = [by_table[t.name] for t in reversed(Base.metadata.sorted_tables) if t.name in by_table]
    return [model for model in ordered if issubclass(model, TeamOwned)]


def run_purge_team(
    settings: Settings,
    team_id: str,
    *,
    yes: bool = False,
    out: TextIO | None = None,
    ask: Callable[[str], str] = input,
) -> int:
    out = out or sys.stdout
    engine = make_engine(settings.database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    try:
        with as_team(team_id), unit_of_work(factory, read_only=True) as session:
            counts = {
                m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
                for m in owned_models()
            }
        total = sum(counts.values())
        listed = ", ".join(f"{n} {table}" for table, n in counts.items() if n) or "no rows"
        print(f"Workspace {team_id}: {listed}.", file=out)
        if not yes:
            answer = ask(f"Type {team_id} to delete all of it for good: ").strip()
            if answer != team_id:
                print("Nothing was deleted.", file=out)
                return 1
        with as_team(team_id), unit_of_work(factory) as session:
            for model in owned_models():
                session.execute(delete(model).execution_options(synchronize_session=False))
            session.execute(delete(WorkspaceRecord).where(WorkspaceRecord.team_id == team_id))
        if settings.client_id:
            from bot.installs import InstallationStore

            store = InstallationStore(settings.client_id, engine)
            store.delete_all(enterprise_id=None, team_id=team_id)
        print(f"Deleted {total} rows of workspace {team_id}.", file=out)
        return 0
    finally:
        engine.dispose()
