"""The sales playbook: activity types, statuses, tiers, cadences, rules, signal kinds, roles.

Built-in defaults ship as ``config/salesbot.toml``; ``SALESBOT_CONFIG`` names a file whose keys
override them. Everything is validated once at start, with errors that name the offending key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from dateutil.rrule import rrulestr

# Activity types the bot itself records, whatever the playbook says: type → (emoji, label).
BUILT_IN_TYPES = {"noshow": (":no_entry_sign:", "no-show")}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class PlaybookError(ValueError):
    """The playbook file is invalid; the message names the key and what is wrong."""


@lru_cache(maxsize=64)
def _country_days(country: str, year: int) -> dict[date, str]:
    import holidays as holiday_calendars  # only for playbooks that name a country

    return dict(holiday_calendars.country_holidays(country, years=year).items())


@dataclass(frozen=True)
class Holidays:
    """Days nobody works: the playbook's own ``holidays.dates`` and the public holidays of
    ``holidays.country`` (from the ``holidays`` package, computed per year on demand)."""

    dates: frozenset[date] = frozenset()
    country: str | None = None

    def name(self, day: date) -> str | None:
        """The holiday's name (``Christmas Day``; ``holiday`` for a date of the playbook), or None."""
        if self.country and (named := _country_days(self.country, day.year).get(day)):
            return named
        return "holiday" if day in self.dates else None

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.name(day) is not None


NO_HOLIDAYS = Holidays()


@dataclass(frozen=True)
class WorkingHours:
    days: tuple[int, ...]  # 0 = Monday
    start: time
    end: time
    holidays: Holidays = NO_HOLIDAYS  # honoured like weekends

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays


@dataclass(frozen=True)
class FollowupRule:
    after: tuple[str, ...]
    title: str
    due: str
    tiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class TierCadence:
    activity: str
    rrule: str


@dataclass(frozen=True)
class SignalKind:
    name: str
    points: int
    route_to: tuple[str, ...]
    risk: bool = False


DEFAULT_BUYING_ROLES = (
    "economic buyer",
    "decision maker",
    "champion",
    "influencer",
    "technical evaluator",
    "user",
    "procurement",
    "blocker",
)
DEFAULT_BUYING_STAGES = (
    "unaware",
    "problem aware",
    "exploring solutions",
    "evaluating",
    "validating",
    "ready to decide",
    "bought",
)


@dataclass(frozen=True)
class Content:
    """Something to send a buyer in a given role at a given stage (e.g. an ROI calculator)."""

    role: str
    stage: str
    title: str
    link: str


@dataclass(frozen=True)
class BuyingTeam:
    """The playbook's ``[buying_team]``: roles, the buyer's journey, and when warnings start."""

    roles: tuple[str, ...] = DEFAULT_BUYING_ROLES
    stages: tuple[str, ...] = DEFAULT_BUYING_STAGES
    engaged_days: int = 30  # touched within this many days = engaged
    quiet_days: int = 21  # a champion or economic buyer untouched this long has gone quiet
    spread: int = 2  # members this many stages apart or more: the team is not aligned
    economic_buyer_from: str | None = (
        "proposal"  # from this opportunity stage on, an economic buyer is needed
    )
    content: tuple[Content, ...] = ()

    def content_for(self, role: str | None, stage: str) -> Content | None:
        return next((c for c in self.content if c.role == role and c.stage == stage), None)

    def stage_index(self, stage: str) -> int:
        """Position on the journey; a stage no longer configured counts as the first."""
        return self.stages.index(stage) if stage in self.stages else 0


@dataclass(frozen=True)
class Playbook:
    statuses: tuple[str, ...]
    tiers: tuple[str, ...]
    default_status: str
    activity_types: dict[str, str]  # name -> emoji
    working_hours: WorkingHours
    dispatch_every_seconds: int = 5
    claim_lease_seconds: int = 120
    daily_nudge_time: time = time(8, 30)
    weekly_digest: str = "mon 08:30"  # local day and time in each manager's zone
    followup_rules: tuple[FollowupRule, ...] = ()
    announce_days_ahead: int = 7
    tier_cadence: dict[str, TierCadence] = field(default_factory=dict)
    noshow_chase_after_working_days: int = 3
    channel_posts: dict[str, bool] = field(default_factory=dict)
    signal_kinds: dict[str, SignalKind] = field(default_factory=dict)
    signal_half_life_days: float = 30.0
    expansion_threshold: float = 60.0
    risk_threshold: float = 40.0
    escalate_after_working_days: int = 2
    signals_in_account_channel: bool = False
    opportunity_kinds: tuple[str, ...] = ("new", "upsell", "cross-sell", "renewal")
    opportunity_stages: tuple[str, ...] = ("qualified", "discovery", "proposal", "negotiation")
    renewal_days: tuple[int, ...] = (90, 60, 30)
    inactive_days: dict[str, int] = field(default_factory=dict)
    admins: tuple[str, ...] = ()
    # role → people: the first-start seed of the roles table (admins and managers included)
    role_seed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # tier → activity type → how many per account per year (the plan each rep's accounts imply)
    coverage_targets: dict[str, dict[str, float]] = field(default_factory=dict)
    managers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # first-start seed of the teams
    date_order: str | None = None  # "DMY" | "MDY"; None: each person's Slack locale decides
    buying_team: BuyingTeam = field(default_factory=BuyingTeam)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def emoji(self, activity_type: str) -> str:
        return self.activity_types.get(activity_type) or BUILT_IN_TYPES.get(activity_type, (":memo:", ""))[0]

    def label(self, activity_type: str) -> str:
        """How a type reads in a sentence: ``no-show`` for the built-in ``noshow``."""
        return BUILT_IN_TYPES.get(activity_type, ("", activity_type))[1] or activity_type


def default_playbook_path() -> Path:
    """The shipped defaults: inside the wheel, or ``config/`` in a source checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "default_playbook.toml"
    return packaged if packaged.exists() else here.parent / "config" / "salesbot.toml"


# Keys of the whole deployment (its SALESBOT_CONFIG), which a workspace's own playbook may not set:
# roles are given with /salesbot role, and one scheduler serves every workspace.
DEPLOYMENT_KEYS = ("scheduler.dispatch_every_seconds", "scheduler.claim_lease_seconds")


def load_playbook(path: str | Path | None = None, *, workspace: str | None = None) -> Playbook:
    """Defaults, overridden key by key by the file at ``path`` (if any), then by a workspace's own
    playbook (``workspace``: its TOML text, ``/salesbot playbook set``), validated."""
    data = _read(default_playbook_path())
    if path:
        p = Path(path)
        if not p.is_file():
            raise PlaybookError(
                f"config file not found: {p}"
                + ("" if p.is_absolute() else f" (looked for {p.resolve()})")
                + ". SALESBOT_CONFIG must name an existing TOML file; unset it for the built-in playbook."
            )
        data = _override(data, _read(p))
    if workspace is not None:
        data = _override(data, _workspace_keys(_read_text(workspace)))
    return parse_playbook(data)


def _override(data: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    data = _merge(data, override, replace_lists=True)
    if isinstance(override.get("activity_types"), dict):
        data["activity_types"] = override["activity_types"]  # a list of types replaces the defaults
    _drop_stale_defaults(data, override)
    return data


def _read_text(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"not valid TOML: {exc}") from exc


def _workspace_keys(data: dict[str, Any]) -> dict[str, Any]:
    """A workspace's playbook sets everything but the deployment's keys."""
    if "roles" in data:
        raise PlaybookError(
            "roles: roles are given with /salesbot role (people and user groups), not in the playbook; "
            "remove the [roles] table"
        )
    for dotted in DEPLOYMENT_KEYS:
        table, _, name = dotted.partition(".")
        if isinstance(data.get(table), dict) and name in data[table]:
            raise PlaybookError(f"{dotted}: set for the whole salesbot (SALESBOT_CONFIG), not per workspace")
    return data


def _names(value: Any) -> set[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return {v.strip().lower() for v in value}
    return None  # invalid: parse_playbook reports it


def _drop_stale_defaults(data: dict[str, Any], override: dict[str, Any]) -> None:
    """Built-in entries that name a status, tier or activity type the config file removed are dropped.

    Only what the file itself says can be an error: renaming the tiers must not fail on the
    default visit cadence for "gold".
    """
    accounts, own_accounts = data.get("accounts", {}), override.get("accounts", {})
    statuses, tiers = _names(accounts.get("statuses")), _names(accounts.get("tiers"))
    types = set(data.get("activity_types") or {}) if isinstance(data.get("activity_types"), dict) else None
    if statuses and "default_status" not in own_accounts:
        default = str(accounts.get("default_status", "")).lower()
        if default not in statuses:
            accounts["default_status"] = accounts["statuses"][0]
    visits, own_visits = data.get("visits", {}), override.get("visits", {})
    cadence, own_cadence = visits.get("tier_cadence"), own_visits.get("tier_cadence", {})
    if isinstance(cadence, dict) and tiers is not None and types is not None:
        for tier in [t for t in cadence if t not in own_cadence]:
            spec = cadence[tier] if isinstance(cadence[tier], dict) else {}
            if tier not in tiers or spec.get("activity", "visit") not in types:
                del cadence[tier]
    if "followup_rules" not in override and types is not None:
        kept = []
        for rule in data.get("followup_rules", []):
            after = [t for t in rule.get("after", []) if t in types]
            if after:
                kept.append({**rule, "after": after})
        data["followup_rules"] = kept
    coverage = data.get("targets", {}).get("coverage")
    own_coverage = override.get("targets", {}).get("coverage", {})
    if isinstance(coverage, dict) and tiers is not None and types is not None:
        for tier in [t for t in coverage if t not in own_coverage]:
            spec = coverage[tier] if isinstance(coverage[tier], dict) else {}
            if tier not in tiers:
                del coverage[tier]
            else:
                coverage[tier] = {k: v for k, v in spec.items() if k in types}
    team, own_team = data.get("buying_team"), override.get("buying_team", {})
    opp_stages = _names(data.get("opportunities", {}).get("stages"))
    if (
        isinstance(team, dict)
        and "economic_buyer_from" not in own_team
        and opp_stages is not None
        and str(team.get("economic_buyer_from", "")).lower() not in opp_stages
    ):
        team.pop("economic_buyer_from", None)  # the default names a stage the file removed
    nudges, own_nudges = data.get("nudges", {}), override.get("nudges", {})
    inactive, own_inactive = nudges.get("inactive_days"), own_nudges.get("inactive_days", {})
    if isinstance(inactive, dict) and statuses is not None:
        for status in [s for s in inactive if s not in own_inactive and s.lower() not in statuses]:
            del inactive[status]


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{path.name}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise PlaybookError(f"cannot read the config file {path}: {exc.strerror or exc}") from exc


def _merge(base: dict[str, Any], override: dict[str, Any], *, replace_lists: bool) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, replace_lists=replace_lists)
        else:
            out[key] = value
    return out


def _time(value: Any, key: str) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise PlaybookError(f'{key}: expected a time like "09:00", got {value!r}')
    hours, minutes = (int(x) for x in value.split(":"))
    if hours > 23 or minutes > 59:
        raise PlaybookError(f"{key}: {value!r} is not a time of day")
    return time(hours, minutes)


def parse_weekly(value: Any, key: str = "scheduler.weekly_digest") -> tuple[int, time]:
    """``"mon 08:30"`` → (weekday with Monday = 0, time of day)."""
    parts = value.split() if isinstance(value, str) else []
    if len(parts) != 2 or parts[0].lower()[:3] not in WEEKDAYS:
        raise PlaybookError(f'{key}: expected a day and a time like "mon 08:30", got {value!r}')
    return WEEKDAYS.index(parts[0].lower()[:3]), _time(parts[1], key)


def _user_ids(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PlaybookError(f'{key}: expected a list of Slack user ids, e.g. ["U0123ABCD"], got {value!r}')
    return tuple(v.strip() for v in value)


def _str_list(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PlaybookError(f"{key}: expected a list of names, got {value!r}")
    return tuple(v.strip().lower() for v in value)


def _unique(names: tuple[str, ...], key: str) -> tuple[str, ...]:
    for name in names:
        if names.count(name) > 1:
            raise PlaybookError(f"{key}: {name!r} is listed twice")
    return names


def _weekly(value: Any) -> str:
    parse_weekly(value)
    return str(value)


def _positive(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PlaybookError(f"{key}: expected a whole number >= 0, got {value!r}")
    return value


def _positive_number(value: Any, key: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise PlaybookError(f"{key}: expected a number > 0, got {value!r}")
    return float(value)


def _holidays(data: dict[str, Any]) -> Holidays:
    spec = data.get("holidays", {})
    if not isinstance(spec, dict):
        raise PlaybookError("holidays: expected a table with `dates` and/or `country`")
    days: set[date] = set()
    for value in spec.get("dates", []):
        try:
            days.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise PlaybookError(f"holidays.dates: {value!r} is not a date like 2026-12-24") from None
    country = spec.get("country")
    if country is not None:
        country = str(country).upper()
        import holidays as holiday_calendars  # only for playbooks that name a country

        if country not in holiday_calendars.list_supported_countries():
            raise PlaybookError(
                f"holidays.country: {country!r} is not a country code the holidays package knows"
            )
    return Holidays(frozenset(days), country)


def parse_playbook(data: dict[str, Any]) -> Playbook:
    accounts = data.get("accounts", {})
    statuses = _unique(_str_list(accounts.get("statuses"), "accounts.statuses"), "accounts.statuses")
    if not statuses:
        raise PlaybookError("accounts.statuses: list at least one status")
    tiers = _unique(_str_list(accounts.get("tiers"), "accounts.tiers"), "accounts.tiers")
    default_status = str(accounts.get("default_status", statuses[0])).lower()
    if default_status not in statuses:
        raise PlaybookError(f"accounts.default_status: {default_status!r} is not one of accounts.statuses")

    types_raw = data.get("activity_types", {})
    if not isinstance(types_raw, dict) or not types_raw:
        raise PlaybookError("activity_types: expected a table of type = emoji")
    activity_types: dict[str, str] = {}
    for name, emoji in types_raw.items():
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
            raise PlaybookError(f"activity_types.{name}: a type is one lower-case word")
        if not isinstance(emoji, str) or not re.fullmatch(r":[a-z0-9_+'-]+:", emoji):
            raise PlaybookError(
                f"activity_types.{name}: expected an emoji like ':telephone_receiver:', got {emoji!r}"
            )
        activity_types[name] = emoji

    wh = data.get("working_hours", {})
    days = _str_list(wh.get("days"), "working_hours.days")
    for day in days:
        if day not in WEEKDAYS:
            raise PlaybookError(f"working_hours.days: {day!r} is not one of {', '.join(WEEKDAYS)}")
    start = _time(wh.get("start"), "working_hours.start")
    end = _time(wh.get("end"), "working_hours.end")
    if end <= start:
        raise PlaybookError("working_hours: end must be after start")
    working_hours = WorkingHours(tuple(WEEKDAYS.index(d) for d in days), start, end, _holidays(data))

    sched = data.get("scheduler", {})
    rules: list[FollowupRule] = []
    for i, rule in enumerate(data.get("followup_rules", [])):
        key = f"followup_rules[{i}]"
        after = _str_list(rule.get("after"), f"{key}.after")
        for t in after:
            if t not in activity_types:
                raise PlaybookError(f"{key}.after: {t!r} is not an activity type")
        title = rule.get("title")
        if not isinstance(title, str) or not title.strip():
            raise PlaybookError(f"{key}.title: expected text")
        due = rule.get("due")
        if not isinstance(due, str) or not re.fullmatch(r"next_working_day \d{1,2}:\d{2}|\d+[mhd]", due):
            raise PlaybookError(f'{key}.due: expected "next_working_day 09:00" or a delay like "2h", "3d"')
        rule_tiers = _str_list(rule.get("tiers", []), f"{key}.tiers") if rule.get("tiers") else ()
        rules.append(FollowupRule(after, title.strip(), due, rule_tiers))

    visits = data.get("visits", {})
    cadence: dict[str, TierCadence] = {}
    for tier, spec in visits.get("tier_cadence", {}).items():
        key = f"visits.tier_cadence.{tier}"
        if tier not in tiers:
            raise PlaybookError(f"{key}: {tier!r} is not one of accounts.tiers")
        activity = spec.get("activity", "visit")
        if activity not in activity_types:
            raise PlaybookError(f"{key}.activity: {activity!r} is not an activity type")
        rule_text = spec.get("rrule", "")
        try:
            rrulestr(rule_text)
        except (ValueError, TypeError) as exc:
            raise PlaybookError(f"{key}.rrule: not an RFC 5545 rule ({exc})") from exc
        cadence[tier] = TierCadence(activity, rule_text)

    signals = data.get("signals", {})
    kinds: dict[str, SignalKind] = {}
    for name, spec in signals.get("kinds", {}).items():
        key = f"signals.kinds.{name}"
        route = _str_list(spec.get("route_to", ["owner"]), f"{key}.route_to")
        for r in route:
            if r not in ("owner", "csm"):
                raise PlaybookError(f"{key}.route_to: {r!r} must be owner or csm")
        kinds[name] = SignalKind(
            name, _positive(spec.get("points", 0), f"{key}.points"), route, bool(spec.get("risk", False))
        )

    opps = data.get("opportunities", {})
    nudges = data.get("nudges", {})
    inactive = {
        str(k).lower(): _positive(v, f"nudges.inactive_days.{k}")
        for k, v in nudges.get("inactive_days", {}).items()
    }
    for status in inactive:
        if status not in statuses:
            raise PlaybookError(f"nudges.inactive_days: {status!r} is not one of accounts.statuses")
    coverage: dict[str, dict[str, float]] = {}
    for tier, spec in data.get("targets", {}).get("coverage", {}).items():
        key = f"targets.coverage.{tier}"
        if tier not in tiers:
            raise PlaybookError(f"{key}: {tier!r} is not one of accounts.tiers")
        if not isinstance(spec, dict):
            raise PlaybookError(f"{key}: expected a table of activity type = count per account per year")
        for activity, count in spec.items():
            if activity not in activity_types:
                raise PlaybookError(f"{key}.{activity}: {activity!r} is not an activity type")
            coverage.setdefault(tier, {})[activity] = _positive_number(count, f"{key}.{activity}")
    date_order = data.get("locale", {}).get("date_order")
    if date_order is not None and date_order not in ("DMY", "MDY"):
        raise PlaybookError(f'locale.date_order: expected "DMY" or "MDY", got {date_order!r}')
    roles = data.get("roles", {})
    managers = {str(m): tuple(str(r) for r in reps) for m, reps in roles.get("managers", {}).items()}
    role_seed = {
        "admin": tuple(str(a) for a in roles.get("admins", [])),
        "manager": tuple(managers),
        **{
            role: _user_ids(roles.get(key, []), f"roles.{key}")
            for role, key in (("csm", "csms"), ("rep", "reps"), ("viewer", "viewers"))
        },
    }

    opportunity_stages = _str_list(
        opps.get("stages", ["qualified", "discovery", "proposal", "negotiation"]), "opportunities.stages"
    )
    return Playbook(
        statuses=statuses,
        tiers=tiers,
        default_status=default_status,
        activity_types=activity_types,
        working_hours=working_hours,
        dispatch_every_seconds=max(
            1, _positive(sched.get("dispatch_every_seconds", 5), "scheduler.dispatch_every_seconds")
        ),
        claim_lease_seconds=_positive(sched.get("claim_lease_seconds", 120), "scheduler.claim_lease_seconds"),
        daily_nudge_time=_time(sched.get("daily_nudge_time", "08:30"), "scheduler.daily_nudge_time"),
        weekly_digest=_weekly(sched.get("weekly_digest", "mon 08:30")),
        followup_rules=tuple(rules),
        announce_days_ahead=_positive(visits.get("announce_days_ahead", 7), "visits.announce_days_ahead"),
        tier_cadence=cadence,
        noshow_chase_after_working_days=_positive(
            data.get("noshow", {}).get("chase_after_working_days", 3), "noshow.chase_after_working_days"
        ),
        channel_posts={k: bool(v) for k, v in data.get("channels", {}).items()},
        signal_kinds=kinds,
        signal_half_life_days=_positive_number(signals.get("half_life_days", 30), "signals.half_life_days"),
        expansion_threshold=_positive_number(
            signals.get("expansion_threshold", 60), "signals.expansion_threshold"
        ),
        risk_threshold=_positive_number(signals.get("risk_threshold", 40), "signals.risk_threshold"),
        escalate_after_working_days=_positive(
            signals.get("escalate_after_working_days", 2), "signals.escalate_after_working_days"
        ),
        signals_in_account_channel=bool(signals.get("post_in_account_channel", False)),
        opportunity_kinds=_str_list(
            opps.get("kinds", ["new", "upsell", "cross-sell", "renewal"]), "opportunities.kinds"
        ),
        opportunity_stages=opportunity_stages,
        renewal_days=tuple(
            sorted(
                (_positive(d, "nudges.renewal_days") for d in nudges.get("renewal_days", [90, 60, 30])),
                reverse=True,
            )
        ),
        inactive_days=inactive,
        admins=tuple(str(a) for a in roles.get("admins", [])),
        coverage_targets=coverage,
        managers=managers,
        role_seed=role_seed,
        date_order=date_order,
        buying_team=parse_buying_team(data.get("buying_team", {}), opportunity_stages),
        raw=data,
    )


def parse_buying_team(section: Any, opportunity_stages: tuple[str, ...]) -> BuyingTeam:
    """``[buying_team]``: roles and journey stages (lists of names), day limits, content per (role, stage)."""
    if not isinstance(section, dict):
        raise PlaybookError("buying_team: expected a table")
    key = "buying_team"
    roles = _unique(
        _str_list(section.get("roles", list(DEFAULT_BUYING_ROLES)), f"{key}.roles"), f"{key}.roles"
    )
    stages = _unique(
        _str_list(section.get("stages", list(DEFAULT_BUYING_STAGES)), f"{key}.stages"), f"{key}.stages"
    )
    if not roles:
        raise PlaybookError(f"{key}.roles: list at least one role")
    if len(stages) < 2:
        raise PlaybookError(f"{key}.stages: list the journey's stages, at least two, first to last")
    eb_from: str | None = None
    if "economic_buyer_from" in section:
        raw = section["economic_buyer_from"]
        if raw not in ("", None):
            eb_from = str(raw).strip().lower()
            if eb_from not in opportunity_stages:
                raise PlaybookError(
                    f"{key}.economic_buyer_from: {raw!r} is not one of opportunities.stages "
                    f'({", ".join(opportunity_stages)}); use "" to turn the warning off'
                )
    elif "proposal" in opportunity_stages:
        eb_from = "proposal"
    content: list[Content] = []
    for i, item in enumerate(section.get("content", [])):
        where = f"{key}.content[{i}]"
        if not isinstance(item, dict):
            raise PlaybookError(f"{where}: expected a table with role, stage, title and link")
        role, stage = str(item.get("role", "")).strip().lower(), str(item.get("stage", "")).strip().lower()
        if role not in roles:
            raise PlaybookError(f"{where}.role: {item.get('role')!r} is not one of {key}.roles")
        if stage not in stages:
            raise PlaybookError(f"{where}.stage: {item.get('stage')!r} is not one of {key}.stages")
        title, link = item.get("title"), item.get("link")
        if not isinstance(title, str) or not title.strip():
            raise PlaybookError(f"{where}.title: expected text")
        if not isinstance(link, str) or not re.fullmatch(r"https?://\S+", link.strip()):
            raise PlaybookError(f'{where}.link: expected a web address like "https://example.com/roi"')
        content.append(Content(role, stage, title.strip(), link.strip()))
    spread = _positive(section.get("spread", 2), f"{key}.spread")
    return BuyingTeam(
        roles=roles,
        stages=stages,
        engaged_days=_positive(section.get("engaged_days", 30), f"{key}.engaged_days"),
        quiet_days=_positive(section.get("quiet_days", 21), f"{key}.quiet_days"),
        spread=max(1, spread),
        economic_buyer_from=eb_from,
        content=tuple(content),
    )
