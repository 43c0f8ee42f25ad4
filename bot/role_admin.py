"""``salesbot role USER_ID ROLE``: set a role from the operator's shell (trusted, like import), e.g.
to name the first admin of an install whose playbook listed none. ``--team T…``: in that workspace
(the command line runs as it, ``bot/cli.py``)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TextIO

from bot.domain import roles
from bot.domain.errors import UserError
from bot.settings import Settings
from bot.storage.audit import acting_as
from bot.storage.db import make_engine, make_session_factory, unit_of_work, upgrade
from bot.storage.tenancy import current_team


def run_set_role(
    settings: Settings, user_id: str, role: str, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    if not user_id.startswith(("U", "W")) or not user_id.isalnum() or len(user_id) > 32:
        print(f"salesbot: {user_id!r} is not a Slack user id (like U0123ABCD)", file=err)
        return 2
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        with acting_as(None, "cli"), unit_of_work(factory) as session:
            wanted = roles.parse_role(role)
            change = roles.set_role(
                session, user_id, wanted, now=datetime.now(UTC), set_by=None, team_id=current_team()
            )
    except UserError as exc:
        print(f"salesbot: {exc.message}", file=err)
        return 2
    finally:
        engine.dispose()
    print(
        f"{user_id} is now {change.after} (was {change.before or 'without a role of their own'}).", file=out
    )
    return 0
