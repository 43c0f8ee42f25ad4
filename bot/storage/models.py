"""The schema. Every instant is stored as a timezone-aware UTC ``DateTime``.

Scheduled things (follow-ups, visit occurrences, nudges) are rows with a due time and a status;
the ``reminders`` table is the outbox the dispatcher claims from (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from bot.storage import keys
from bot.storage.tenancy import LOCAL_TEAM as LOCAL_TEAM  # the single workspace's key, as before
from bot.storage.tenancy import TeamOwned, current_team

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which drops the zone) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


@dataclass(frozen=True)
class AuditSpec:
    """How changes to a model's rows are written to the audit trail (``bot/storage/audit.py``)."""

    record_type: str  # "account", "follow-up" …: how the trail names the record
    ignore: frozenset[str] = frozenset()  # derived columns not worth a line (e.g. a lookup key)
    reversible: frozenset[str] = frozenset()  # fields whose change Undo may put back


AUDITED: dict[type[Base], AuditSpec] = {}

M = TypeVar("M", bound=type[Base])


def audited(
    record_type: str, *, ignore: Iterable[str] = (), reversible: Iterable[str] = ()
) -> Callable[[M], M]:
    """Class decorator: every insert, update and delete of the model's rows gets an audit entry."""

    def register(model: M) -> M:
        AUDITED[model] = AuditSpec(record_type, frozenset(ignore) | {"updated_at"}, frozenset(reversible))
        return model

    return register


@audited(
    "account",
    ignore=("name_key",),
    reversible=(
        "status",
        "tier",
        "tags",
        "owner_id",
        "csm_id",
        "channel_id",
        "mrr",
        "renewal_date",
        "external_id",
    ),
)
class Account(TeamOwned, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("team_id", "name_key", name="uq_accounts_team_name"),
        Index("ix_accounts_team_external", "team_id", "external_id"),
        # Lookups by what people type: equality and prefix (LIKE 'abc%' on PostgreSQL needs pattern ops).
        Index(
            "ix_accounts_team_search",
            "team_id",
            "search_key",
            postgresql_ops={"search_key": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), default=current_team)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # case- and space-folded name: one per team
    search_key: Mapped[str] = mapped_column(String(200))  # no accents, case, punctuation: what is typed
    status: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str | None] = mapped_column(String(40))
    tags: Mapped[list[str]] = mapped_column(default=list)
    owner_id: Mapped[str | None] = mapped_column(String(32), index=True)
    csm_id: Mapped[str | None] = mapped_column(String(32), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(32), index=True)
    mrr: Mapped[int | None] = mapped_column(Integer)  # whole currency units per month
    renewal_date: Mapped[date | None] = mapped_column(Date)
    external_id: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When the expansion / risk score last crossed its threshold and the team was told; cleared when
    # the score falls below again, so the next crossing (after new signals) is told once more.
    expansion_alerted_at: Mapped[datetime | None]
    risk_alerted_at: Mapped[datetime | None]

    activities: Mapped[list[Activity]] = relationship(back_populates="account", lazy="raise")

    @validates("name")
    def _keep_search_key(self, _key: str, name: str) -> str:
        self.search_key = keys.search_key(name)
        return name


@audited("activity", reversible=("notes", "type"))
class Activity(TeamOwned, Base):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_account_time", "account_id", "occurred_at"),
        Index("ix_activities_user_time", "user_id", "occurred_at"),
        # "The last visit or meeting": MAX(occurred_at) reads one index entry, however long the history.
        Index("ix_activities_account_type_time", "account_id", "type", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    occurred_at: Mapped[datetime]
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))  # command | modal | shortcut | import | button
    permalink: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    undone_at: Mapped[datetime | None]  # Undo hides the activity; the row is kept

    account: Mapped[Account] = relationship(back_populates="activities", lazy="raise")


class UserProfile(TeamOwned, Base):
    """What the bot knows about a person: time zone (from users.info), working hours, preferences."""

    __tablename__ = "user_profiles"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=current_team)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str | None] = mapped_column(String(16))  # Slack's, e.g. en-US: how dates are typed
    tz_checked_at: Mapped[datetime | None]
    work_days: Mapped[list[str] | None] = mapped_column(JSON)  # None = playbook default
    work_start: Mapped[str | None] = mapped_column(String(5))
    work_end: Mapped[str | None] = mapped_column(String(5))
    nudges_off: Mapped[list[str]] = mapped_column(default=list)  # nudge kinds this person turned off


@audited("task", reversible=("title",))
class Task(TeamOwned, Base):
    """Something a person has to do by a time: a follow-up, a planned visit, a no-show chase."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_at"),
        UniqueConstraint("team_id", "assignee_id", "number", name="uq_tasks_team_assignee_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # followup | visit | noshow
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[str] = mapped_column(String(32))
    # A follow-up's number in its assignee's own sequence (1, 2, 3 …): what people type and read.
    number: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)  # given as a day, not a time
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | done | cancelled
    channel_id: Mapped[str | None] = mapped_column(String(32))  # also post the reminder here
    source_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    visit_plan_id: Mapped[int | None] = mapped_column(ForeignKey("visit_plans.id", ondelete="SET NULL"))
    occurrence_at: Mapped[datetime | None]  # for visit tasks: the planned occurrence
    booked_at: Mapped[datetime | None]  # for visit tasks: the slot booked ("Slot booked" on the announcement)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


@audited("visit plan")
class VisitPlan(TeamOwned, Base):
    """A recurrence (RFC 5545 RRULE) of visits, meetings or calls with one account."""

    __tablename__ = "visit_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    activity_type: Mapped[str] = mapped_column(String(40), default="visit")
    rrule: Mapped[str | None] = mapped_column(String(300))  # None = a one-off at dtstart
    dtstart: Mapped[datetime]
    tz: Mapped[str] = mapped_column(String(64), default="UTC")  # the zone the rule is computed in
    source: Mapped[str] = mapped_column(String(20), default="explicit")  # explicit | tier
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]


class Reminder(TeamOwned, Base):
    """The outbox. One row per message to deliver; the dispatcher claims, sends and marks it."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_status_due", "status", "due_at"),
        Index("ix_reminders_team_status_due", "team_id", "status", "due_at"),
        UniqueConstraint("team_id", "dedupe_key", name="uq_reminders_team_dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # followup_due | visit_announce | nudge_digest | signal …
    recipient_id: Mapped[str | None] = mapped_column(String(32), index=True)  # DM target
    channel_id: Mapped[str | None] = mapped_column(String(32))  # channel target (mentions the recipient)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(
        String(20), default="pending"
    )  # pending|claimed|sent|failed|cancelled
    dedupe_key: Mapped[str | None] = mapped_column(String(200))  # the same reminder is never queued twice
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # sends that reached Slack (not rate-limited)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]  # a pending row waits until then (Retry-After, backoff)
    first_claimed_at: Mapped[datetime | None]  # where the search for an unconfirmed earlier send starts
    attempt_channel: Mapped[str | None] = mapped_column(String(32))  # the target of the last send
    sent_at: Mapped[datetime | None]
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    sent_channel: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]


@audited("signal")
class Signal(TeamOwned, Base):
    """Evidence of expansion or risk in an account, flagged by anyone."""

    __tablename__ = "signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text, default="")
    permalink: Mapped[str | None] = mapped_column(String(500))
    flagged_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | snoozed | acted | dismissed
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    snoozed_until: Mapped[datetime | None]
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id", ondelete="SET NULL"))
    escalated_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    acted_at: Mapped[datetime | None]


@audited("opportunity", reversible=("kind", "title", "mrr", "stage", "close_date", "owner_id"))
class Opportunity(TeamOwned, Base):
    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # new | upsell | cross-sell | renewal
    title: Mapped[str] = mapped_column(Text)
    mrr: Mapped[int] = mapped_column(Integer, default=0)  # added monthly revenue
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | won | lost
    close_date: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[str | None] = mapped_column(String(32), index=True)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    signal_id: Mapped[int | None] = mapped_column(Integer)  # the signal it was created from
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class NudgeState(TeamOwned, Base):
    """Remembers which conditions a person was already told about, so a nudge fires once per start."""

    __tablename__ = "nudge_states"
    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "subject", name="uq_nudge_states_team_user_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))  # e.g. "overdue:account:12", "ripe:account:12"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime]
    notified_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]


class JobRun(TeamOwned, Base):
    """The last slot a periodic job ran for (e.g. the weekly digest), so it runs once per slot across
    instances and restarts, and a slot missed during downtime is caught up."""

    __tablename__ = "job_runs"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=current_team)
    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot_at: Mapped[datetime]
    ran_at: Mapped[datetime]
    ran_by: Mapped[str | None] = mapped_column(String(64))


class PlanningMark(TeamOwned, Base):
    """Something a planning pass reads changed: written with the change, in its transaction
    (``bot.storage.planning_marks``). A pass handles the marks it finds, then deletes them."""

    __tablename__ = "planning_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # account | person
    # account: this account's visit plans (or, with user_id, those of the accounts the person owns;
    # with neither, every account). person: someone the bot may not know yet (neither: look at everyone).
    account_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[str | None] = mapped_column(String(32))


class PlanningState(TeamOwned, Base):
    """What a planning pass last ran with (e.g. the playbook's tier cadences), by pass."""

    __tablename__ = "planning_state"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=current_team)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


@audited("team member")
class TeamMember(TeamOwned, Base):
    """Who reports to whom, per Slack workspace: a member has at most one manager."""

    __tablename__ = "team_members"
    __table_args__ = (Index("ix_team_members_manager", "team_id", "manager_id"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=current_team)
    member_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    manager_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


@audited("team setting")
class TeamSetting(TeamOwned, Base):
    """A manager's team settings: the channel its weekly digest goes to (else the manager's DMs)."""

    __tablename__ = "team_settings"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=current_team)
    manager_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime]


@audited("target", reversible=("amount", "per"))
class Target(TeamOwned, Base):
    """An action-plan target: ``amount`` of ``metric`` per ``per`` (week, month, quarter, year), for one
    rep (``scope = "rep"``, ``subject_id`` the rep) or a whole team (``"team"``, the manager)."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("team_id", "scope", "subject_id", "metric", name="uq_targets_subject_metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), default=current_team)
    scope: Mapped[str] = mapped_column(String(10))  # rep | team
    subject_id: Mapped[str] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(40))  # calls, meetings, won_mrr, opportunities …
    amount: Mapped[float] = mapped_column(Float)
    per: Mapped[str] = mapped_column(String(10))  # week | month | quarter | year
    set_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]


@audited("role", ignore=("members", "members_checked_at"), reversible=("role",))
class Role(TeamOwned, Base):
    """Who may do what (``bot/domain/permissions.py``): a person's role, or a Slack user group's, whose
    members are cached in ``members`` (``usergroups.users.list``, refreshed when older than an hour)."""

    __tablename__ = "roles"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=current_team)
    subject_id: Mapped[str] = mapped_column(String(32), primary_key=True)  # U… a person, S… a user group
    kind: Mapped[str] = mapped_column(String(10), default="user")  # user | usergroup
    role: Mapped[str] = mapped_column(String(10))  # admin | manager | csm | rep | viewer
    handle: Mapped[str | None] = mapped_column(String(100))  # a user group's @handle, for display
    members: Mapped[list[str]] = mapped_column(default=list)  # a user group's members, as last read
    members_checked_at: Mapped[datetime | None]
    set_by: Mapped[str | None] = mapped_column(String(32))  # None: seeded from the playbook
    updated_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Slack event ids already handled: Slack retries events, we act on each once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]


class SeenRequest(Base):
    """Signed requests already acted on (SHA-256 of their bytes), kept until ``expires_at``: Slack's
    retries and replayed copies run once (bot/replays.py)."""

    __tablename__ = "seen_requests"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AuditEntry(TeamOwned, Base):
    """One change to an audited row: who, when, from which surface, which fields before → after."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_record", "record_type", "record_id", "id"),
        Index("ix_audit_entries_account", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32), default=current_team)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[str | None] = mapped_column(String(32), index=True)  # None: the bot on its own, the CLI
    surface: Mapped[str] = mapped_column(
        String(20)
    )  # command | button | modal | shortcut | import | automation …
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(100))  # the primary key (composite keys joined by ":")
    account_id: Mapped[int | None] = mapped_column(Integer)  # the account it belongs to (kept after deletes)
    action: Mapped[str] = mapped_column(String(10))  # create | update | delete
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field → [before, after]
    undo_of: Mapped[int | None] = mapped_column(Integer)  # the entry this change undid


@audited("contact", ignore=("name_key",))
class Contact(TeamOwned, Base):
    """A person at an account: their role in the buying decision and how far along their journey they are."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_account_name", "account_id", "name_key"),
        Index("ix_contacts_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # case- and space-folded name, for lookups
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))  # lower-case
    phone: Mapped[str | None] = mapped_column(String(60))
    role: Mapped[str | None] = mapped_column(String(40))  # playbook buying_team.roles
    stage: Mapped[str] = mapped_column(String(40))  # playbook buying_team.stages
    stage_changed_at: Mapped[datetime]
    stage_changed_by: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[str | None] = mapped_column(String(32))  # the colleague who owns the relationship
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


@audited("contact stage change")
class ContactStageChange(TeamOwned, Base):
    """One move of a contact along the buying journey: when, by whom, from where to where, and why."""

    __tablename__ = "contact_stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(40))  # None: the contact was created
    to_stage: Mapped[str] = mapped_column(String(40))
    changed_by: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime]


class ActivityContact(TeamOwned, Base):
    """Who from the customer's side took part in an activity."""

    __tablename__ = "activity_contacts"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )


@audited("opportunity team member")
class OpportunityContact(TeamOwned, Base):
    """A member of an opportunity's buying team."""

    __tablename__ = "opportunity_contacts"

    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime]


# OAuth mode (bot/installs.py): slack_sdk's installation and OAuth state stores keep their rows in
# these tables, declared by slack_sdk itself so their shape is exactly what its stores read and write.
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, SQLAlchemyInstallationStore.default_installations_table_name
)
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(
    Base.metadata, SQLAlchemyInstallationStore.default_bots_table_name
)
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, SQLAlchemyOAuthStateStore.default_table_name
)


@audited("playbook")
class WorkspacePlaybook(TeamOwned, Base):
    """A workspace's own playbook (``/salesbot playbook set``): TOML whose keys override the
    deployment's playbook (``SALESBOT_CONFIG``), checked like it before it is stored."""

    __tablename__ = "workspace_playbooks"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True, default=current_team)
    toml: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]


class WorkspaceRecord(Base):
    """A workspace salesbot has served (OAuth mode): the scheduler's passes run for each one that
    is still installed, with its organisation's token when the install is org-wide."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    first_seen_at: Mapped[datetime]
