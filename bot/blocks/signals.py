"""Block Kit for signals: the routed message with its buttons, thank-yous, nudges, the three modals."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.accounts import when_local
from bot.blocks.common import (
    Block,
    account_picker,
    actions,
    bounded_lines,
    button,
    context,
    input_block,
    modal,
    option,
    plain_text,
    section,
    static_select,
)
from bot.domain.scoring import Scores, display, reached
from bot.domain.text import escape, mention, quote
from bot.playbook import Playbook
from bot.storage.models import Account, Signal

SIGNAL_MODAL_CALLBACK = "flag_signal_modal"
OPPORTUNITY_MODAL_CALLBACK = "signal_opportunity_modal"
DISMISS_MODAL_CALLBACK = "signal_dismiss_modal"
FROM_MORNING = "morning"


def morning_button_value(signal_id: int) -> str:
    """A signal's button value in the morning message: a click there must leave that message alone."""
    return f"{signal_id}:{FROM_MORNING}"


def kind_label(kind: str) -> str:
    return kind.replace("-", " ").replace("_", " ").capitalize()


def article(word: str) -> str:
    """ "A" or "An", for the word that follows: "An upsell signal", "A cross sell signal"."""
    return "An" if word[:1].lower() in "aeiou" else "A"


def emoji(kind: str, playbook: Playbook) -> str:
    spec = playbook.signal_kinds.get(kind)
    return ":warning:" if spec and spec.risk else ":chart_with_upwards_trend:"


def link(permalink: str | None, label: str = "the message") -> str:
    if not permalink:
        return ""
    url = permalink.replace("<", "").replace(">", "").replace("|", "")
    return f"<{url}|{label}>"


def signal_text(signal: Signal, account: Account, playbook: Playbook, *, with_quote: bool = True) -> str:
    text = (
        f"{emoji(signal.kind, playbook)} *{kind_label(signal.kind)}* signal on *{escape(account.name)}* "
        f"(+{signal.points}) · flagged by {mention(signal.flagged_by)}"
    )
    if with_quote:
        text += "\n" + quote(signal.quote, 500)
    if signal.permalink:
        text += f"\nSee {link(signal.permalink)}."
    return text


def signal_buttons(signal_id: int) -> Block:
    return actions(
        button("Create opportunity", "signal_create_opportunity", str(signal_id), style="primary"),
        button("Not now", "signal_snooze", str(signal_id)),
        button("Dismiss", "signal_dismiss", str(signal_id), style="danger"),
        block_id=f"signal:{signal_id}",
    )


def routed_blocks(
    signal: Signal, account: Account, playbook: Playbook, *, intro: str | None = None
) -> list[Block]:
    blocks: list[Block] = []
    if intro:
        blocks.append(section(intro))
    blocks.append(section(signal_text(signal, account, playbook)))
    blocks.append(signal_buttons(signal.id))
    blocks.append(
        context("Create an opportunity from it, snooze it for a week, or dismiss it with a reason.")
    )
    return blocks


def thanks_blocks(
    signal: Signal,
    account: Account,
    playbook: Playbook,
    *,
    told: list[str],
    in_channel: str | None,
    manager: str | None,
    self_routed: bool,
) -> list[Block]:
    text = (
        f":raised_hands: Thanks! Flagged {article(kind_label(signal.kind)).lower()} *{kind_label(signal.kind)}* signal on *{escape(account.name)}* "
        f"(+{signal.points})."
    )
    if told:
        who = ", ".join(mention(u) for u in told)
        where = f" in <#{in_channel}>" if in_channel else ""
        text += f"\nWhat happens next: {who} will get it{where} and decide: create an opportunity, snooze it or dismiss it."
        if manager:
            text += (
                f" If nobody reacts within {playbook.escalate_after_working_days} working days, "
                f"it goes to {mention(manager)}."
            )
    elif not self_routed:
        text += (
            f"\n:information_source: *{escape(account.name)}* has no owner or CSM to tell. "
            f"Set one: `/account set {escape(account.name)} owner:@alice`."
        )
    blocks: list[Block] = [section(text), context(quote(signal.quote, 300))]
    if self_routed:
        blocks.append(section("It's your account: decide now or later from this message."))
        blocks.append(signal_buttons(signal.id))
    return blocks


def decided_blocks(signal: Signal, account: Account, playbook: Playbook, outcome: str) -> list[Block]:
    """The routed message once somebody decided: no buttons any more."""
    return [section(signal_text(signal, account, playbook)), context(outcome)]


CARD_SIGNALS = 5  # on the account card; `/signal list <account>` shows every one


def signal_line(s: Signal, tz: ZoneInfo, now: datetime) -> str:
    """One open signal: kind, points, snooze, who flagged it and what they heard."""
    snippet = s.quote if len(s.quote) <= 100 else s.quote[:99] + "…"
    snoozed = (
        f" (snoozed until {when_local(s.snoozed_until, tz, now=now, with_time=False)})"
        if s.status == "snoozed" and s.snoozed_until and s.snoozed_until > now
        else ""
    )
    when = when_local(s.created_at, tz, now=now, with_time=False)
    return (
        f"• {kind_label(s.kind)} +{s.points}{snoozed} · {when} · {mention(s.flagged_by)}: “{escape(snippet)}”"
    )


def list_blocks(account: Account, signals: list[Signal], tz: ZoneInfo, now: datetime) -> list[Block]:
    """``/signal list Acme Corp``: every signal that counts in the account's scores, newest first."""
    if not signals:
        return [
            section(
                f"*{escape(account.name)}* has no open signals. Flag one: `/signal {escape(account.name)} upsell: …`"
            )
        ]
    lines = [
        signal_line(s, tz, now) for s in sorted(signals, key=lambda s: (s.created_at, s.id), reverse=True)
    ]
    return bounded_lines(
        f"*Open signals of {escape(account.name)}* ({len(signals)})",
        lines,
        hint="The oldest are not shown: `salesbot export audit` lists every signal ever flagged.",
    )


def card_section(
    account: Account,
    scores: Scores,
    open_signals: list[Signal],
    playbook: Playbook,
    tz: ZoneInfo,
    now: datetime,
) -> list[Block]:
    ripe = " :seedling: ripe" if reached(scores.expansion, playbook.expansion_threshold) else ""
    risky = " :rotating_light: at risk" if reached(scores.risk, playbook.risk_threshold) else ""
    text = (
        f"*Expansion score:* {display(scores.expansion)} / {display(playbook.expansion_threshold)}{ripe}   "
        f"*Risk:* {display(scores.risk)} / {display(playbook.risk_threshold)}{risky}"
    )
    if open_signals:
        lines = [signal_line(s, tz, now) for s in open_signals[:CARD_SIGNALS]]
        more = (
            f"\n_…and {len(open_signals) - CARD_SIGNALS} more. "
            f"`/signal list {escape(account.name)}` shows every one._"
            if len(open_signals) > CARD_SIGNALS
            else ""
        )
        text += f"\n*Open signals ({len(open_signals)})*\n" + "\n".join(lines) + more
    else:
        text += "\n*Open signals:* none. Flag one: `/signal " + escape(account.name) + " upsell: …`"
    return [section(text)]


def signal_modal(
    playbook: Playbook, *, account: Account | None, quote_text: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    kinds = [option(f"{kind_label(k)} (+{s.points})", k) for k, s in playbook.signal_kinds.items()]
    initial_account = option(account.name, str(account.id)) if account is not None else None
    return modal(
        SIGNAL_MODAL_CALLBACK,
        title="Flag a signal",
        submit="Flag",
        metadata=metadata,
        blocks=[
            input_block("account", "Account", account_picker(initial_account)),
            input_block("kind", "Kind", static_select(kinds, kinds[0])),
            input_block(
                "quote",
                "What the customer said",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "initial_value": quote_text[:3000],
                    "max_length": 3000,
                },
            ),
        ],
    )


def opportunity_modal(
    signal: Signal, account: Account, playbook: Playbook, *, kind: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    kinds = [option(kind_label(k), k) for k in playbook.opportunity_kinds]
    stages = [option(kind_label(s), s) for s in playbook.opportunity_stages]
    title = signal.quote if len(signal.quote) <= 150 else signal.quote[:149] + "…"
    return modal(
        OPPORTUNITY_MODAL_CALLBACK,
        title="Create opportunity",
        submit="Create",
        metadata=metadata,
        blocks=[
            section(signal_text(signal, account, playbook)),
            input_block("kind", "Kind", static_select(kinds, next(o for o in kinds if o["value"] == kind))),
            input_block(
                "title", "Title", {"type": "plain_text_input", "initial_value": title, "max_length": 300}
            ),
            input_block(
                "mrr",
                "Added MRR",
                {"type": "plain_text_input"},
                optional=True,
                hint="A number, like 1200 or 1.2k",
            ),
            input_block("stage", "Stage", static_select(stages, stages[0])),
            input_block("close", "Expected close", {"type": "datepicker"}, optional=True),
        ],
    )


def dismiss_modal(
    signal: Signal, account: Account, playbook: Playbook, metadata: dict[str, Any]
) -> dict[str, Any]:
    return modal(
        DISMISS_MODAL_CALLBACK,
        title="Dismiss signal",
        submit="Dismiss",
        metadata=metadata,
        blocks=[
            section(signal_text(signal, account, playbook)),
            input_block(
                "reason",
                "Why dismiss it?",
                {
                    "type": "plain_text_input",
                    "multiline": True,
                    "max_length": 3000,
                    "placeholder": plain_text("e.g. they already have every seat they need"),
                },
            ),
        ],
    )
