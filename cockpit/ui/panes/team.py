"""Team: who does what, and who is tired?

One row per person (roles, status, time engaged), the core roles nobody holds yet, the open
ask-timers ("bob: check replica lag, back in 10 min") counting down, and the roster warnings.
Enter acts on the row (change a person's status, fill an empty role, acknowledge an ask); ``+``
adds a person from the roster or by hand, ``r`` gives the selected person a role, ``o`` hands a
role over with a short briefing, ``k`` starts an ask-timer, ``p`` pages the selected person or
role (``[paging]``). Under a person paged, the page's state: "paged 4 min ago, no ack", a warning
past ``ack_warn_after``, then when and how it was answered.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rich.text import Text
from textual import work
from textual.binding import Binding

from cockpit.domain.durations import hours_minutes, to_the_minute
from cockpit.domain.events import (
    AskDone, AskStarted, MemberJoined, MemberStatusChanged, PageAcknowledged, RoleAssigned, RoleReleased,
)
from cockpit.domain.paging import DEFAULT_WARN_AFTER, page_status
from cockpit.domain.roster import RosterLimits, roster_warnings
from cockpit.domain.state import Ask, IncidentState, Page
from cockpit.domain.vocabulary import MEMBER_STATUSES, ROLE_TITLES, ROLES
from cockpit.text import printable
from cockpit.ui.paging import PageWanted
from cockpit.ui.panes.rows import Pane, Propose, Row, RowList, cells
from cockpit.ui.prompts import ChoicePrompt, ConfirmPrompt, TextPrompt

CORE_ROLES = ("commander", "deputy", "scribe", "ops", "comms")
"""Roles every major incident should have filled: an empty one is shown as a row to fill."""
STATUS_SYMBOLS = {"engaged": "●", "paged": "◌", "resting": "◐", "off": "○"}
ASK_PATTERN = re.compile(r"^\s*(?P<handle>[\w.@-]+)\s*:\s*(?P<rest>.+?)\s*$", re.DOTALL)
_UNIT = r"(?:(?P<unit>h|hr|hrs|hours?|m|mins?|minutes?)\b\.?)"
ASK_TIME = re.compile(
    r"(?:^|[\s,;:.(–—-])\s*"
    r"(?:"
    # "back to me in 2 min", "report back in 10", "back within 5m", "in 5m", "within 10 minutes"
    r"(?:(?:and\s+)?(?:(?:get|come|report|check|circle)\s+)?back(?:\s+to\s+(?:me|us))?\s+)?"
    r"(?:in|within)\s+(?P<n1>\d+(?:\.\d+)?)\s*" + _UNIT.replace("unit", "u1") + r"?"
    r"|"
    # "10 minutes", "5m", "back 10 min": a number alone is part of the task ("restart pod 3")
    r"(?:back\s+)?(?P<n2>\d+(?:\.\d+)?)\s*" + _UNIT.replace("unit", "u2") +
    r")\s*\)?\s*$",
    re.IGNORECASE,
)
DEFAULT_ASK_MINUTES = 10.0
MAX_ASK_MINUTES = 24 * 60.0
"""An ask-timer longer than a day is a typing mistake (or not an ask)."""


def parse_ask(text: str) -> tuple[str, str, float] | None:
    """``"bob: check replica lag, back in 10 min"`` → ("bob", "check replica lag", 10.0).

    The time is read from the end, as people say it: "back to me in 2 min", "back in 10 min",
    "in 5m", "10 minutes", "within 1h"; a bare number after "in" is minutes. Without a time the
    ask gets ten minutes. None when there is no ``handle:``, no task, or no time left to wait."""
    match = ASK_PATTERN.match(text)
    if not match:
        return None
    rest = match["rest"]
    minutes = DEFAULT_ASK_MINUTES
    timed = ASK_TIME.search(rest)
    if timed:
        number = float(timed["n1"] or timed["n2"])
        unit = (timed["u1"] or timed["u2"] or "m").lower()
        minutes = number * 60 if unit.startswith("h") else number
        rest = rest[:timed.start()]
    task = rest.strip().rstrip(",;:.–—-").strip()
    if not task or not 0 < minutes <= MAX_ASK_MINUTES:
        return None
    return match["handle"], task, minutes


def ask_text(ask: Ask, state: IncidentState, now: datetime) -> tuple[str, bool]:
    """The countdown of an ask and whether its time is up, on the incident's clock: an ask
    still open at the resolution stops counting there."""
    left = state.ask_left(ask, now).total_seconds()
    if state.resolved_at is not None:
        return (f"stopped at resolution, {to_the_minute(left, left=True)} left" if left >= 0
                else f"stopped at resolution, {to_the_minute(-left)} over"), False
    if left >= 0:
        return f"{to_the_minute(left, left=True)} left", False
    return f"time is up ({to_the_minute(-left)} ago): Enter to acknowledge", True


class TeamPane(Pane):
    TITLE = "Team"
    BINDINGS = [
        Binding("plus,equals_sign", "add_person", "add person"),
        Binding("r", "assign_role", "assign role"),
        Binding("o", "hand_over", "hand over"),
        Binding("k", "ask", "ask-timer"),
        Binding("p", "page", "page"),
    ]

    def __init__(self, *, limits: RosterLimits | None = None, roster: tuple = (),
                 ack_warn_after: timedelta = DEFAULT_WARN_AFTER,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.limits = limits or RosterLimits()
        self.ack_warn_after = ack_warn_after
        """``[paging] ack_warn_after``: a page waiting longer is shown as a warning."""
        self._warned: set[int] = set()
        """Pages (by seq) already drawn as overdue: the tick redraws only when one turns overdue."""
        self.roster = roster
        """People from the config in force, offered when adding someone (besides the session's)."""
        self.state = IncidentState()
        self._ticked: tuple[object, ...] = ()
        """What ``_ticking`` read when the rows were last drawn."""

    def show(self, state: IncidentState, now: datetime) -> None:
        self.last_shown = (state, now)
        self.state = state
        engaged = sum(1 for m in state.members.values() if m.status == "engaged")
        people = len(state.members)
        self.set_title(f"Team · {people} {'person' if people == 1 else 'people'} · {engaged} engaged")
        self.rows.set_rows(self.render_rows(state, now))
        self._ticked = self._ticking(state, now)

    def drawn_from(self, state: IncidentState) -> tuple[object, ...]:
        """The people, their roles, pages and asks, the roster they come from, and the
        declaration and resolution the engaged times and warnings are read against."""
        return (state.members, state.roles, state.pages, state.asks, state.people,
                state.declared_at, state.resolved_at)

    def tick(self, state: IncidentState, now: datetime) -> None:
        """The asks count down (by the second in their last minute), and a page turns into a
        warning the second it has waited ``ack_warn_after``; the rest of the rows change by the
        minute. The pane is drawn again only when one of those reads differently."""
        if self._ticking(state, now) != self._ticked:
            self.show(state, now)

    def _ticking(self, state: IncidentState, now: datetime) -> tuple[object, ...]:
        """What moves here between two minutes: each open ask's countdown, and whether a page has
        just waited long enough to be drawn as a warning."""
        return (tuple(ask_text(ask, state, now) for ask in state.open_asks()),
                any(now - p.at >= self.ack_warn_after and p.seq not in self._warned
                    for p in state.waiting_pages()))

    def render_rows(self, state: IncidentState, now: datetime) -> list[Row]:
        width = self.width
        rows: list[Row] = []
        roles_width = max(8, width - 2 - 10 - 9 - 6)
        for member in sorted(state.members.values(),
                             key=lambda m: (m.status == "off", min((ROLES.index(r) for r in state.roles_of(m.handle)), default=99), m.handle)):
            roles = ", ".join(state.roles_of(member.handle)) or "no role"
            line = Text()
            line.append(STATUS_SYMBOLS.get(member.status, "?") + " ",
                        style=self.tone("dim") if member.status in ("off", "resting") else "")
            line.append(cells(printable(member.handle, one_line=True), 10), style="bold")
            line.append(cells(roles, roles_width), style="" if state.roles_of(member.handle) else self.tone("dim"))
            line.append(" " + cells(member.status, 8))
            line.append(hours_minutes(state.engaged_for(member.handle, now).total_seconds()).rjust(6))
            rows.append(Row(line, key=f"member:{member.handle}"))
            page = state.page_for(handle=member.handle)
            if page is not None:
                rows.append(self._page_row(page, state, now, key=f"member:{member.handle}"))
        if state.declared_at and not state.resolved_at:
            for role in CORE_ROLES:
                if not state.holders(role):
                    line = Text()
                    line.append("○ ", style=self.tone("dim"))
                    line.append(cells(role, 10), style="bold")
                    line.append("unassigned · Enter" if self.records_here else "unassigned",
                                style=self.tone("dim"))
                    rows.append(Row(line, key=f"role:{role}"))
        for role in ROLES:
            page = state.page_for(role=role)
            if page is not None and (page.waiting or not page.ok):
                rows.append(self._page_row(page, state, now, key=f"role:{role}", role=role))
        for ask in sorted(state.open_asks(), key=lambda a: a.due_at):
            countdown, expired = ask_text(ask, state, now)
            line = Text()
            line.append("! ask " if expired else "  ask ", style=self.tone("warn") if expired else "")
            line.append(printable(ask.handle, one_line=True), style="bold")
            line.append(f" · {countdown} · ", style=self.tone("warn") if expired else self.tone("dim"))
            line.append(printable(ask.task, one_line=True))
            rows.append(Row(line, key=f"ask:{ask.seq}"))
        for warning in roster_warnings(state, now, self.limits):
            rows.append(Row(Text("⚠ " + printable(warning.text, one_line=True), style=self.tone("warn"))))
        return rows

    def _page_row(self, page: Page, state: IncidentState, now: datetime, *, key: str, role: str = "") -> Row:
        """``  ◌ paged 4 min ago, no ack`` under the person (or the role's own row): a warning,
        with ⚠, once it has waited ``ack_warn_after`` or when it never went out."""
        status = page_status(page, state.clock_time(now), self.ack_warn_after)
        warn = status.warn and state.resolved_at is None
        if warn:
            self._warned.add(page.seq)
        line = Text()
        line.append("  ⚠ " if warn else "  ◌ ", style=self.tone("warn") if warn else self.tone("dim"))
        if role:
            line.append(f"role {role}: ", style="bold")
        line.append(printable(status.text, one_line=True), style=self.tone("warn") if warn else self.tone("dim"))
        return Row(line, key=key)

    # -- acting ------------------------------------------------------------------------------------

    def _selected(self, prefix: str) -> str | None:
        key = self.rows.selected_key or ""
        return key.split(":", 1)[1] if key.startswith(prefix + ":") else None

    def on_row_list_activated(self, event: RowList.Activated) -> None:
        event.stop()
        if not self.may_record():
            return
        kind, _, target = event.key.partition(":")
        if kind == "member":
            self.change_status(target)
        elif kind == "role":
            self.fill_role(target)
        elif kind == "ask":
            self.post_message(Propose(AskDone(ask=int(target))))

    def _people_options(self, exclude: set[str] = frozenset()) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for person in (*self.state.people, *self.roster):
            seen.setdefault(person.handle, f"{person.handle}  {person.name}  ({', '.join(person.roles)})")
        for handle in self.state.members:
            seen.setdefault(handle, handle)
        return [(h, printable(label, one_line=True)) for h, label in seen.items() if h not in exclude]

    async def _ask_person(self, title: str, exclude: set[str] = frozenset()) -> str | None:
        """A handle from the roster, or typed by hand."""
        options = self._people_options(exclude) + [("", "someone else… (type a handle)")]
        choice = await self.app.push_screen_wait(ChoicePrompt(title, options))
        if choice == "":
            typed = await self.app.push_screen_wait(TextPrompt("Their handle?", placeholder="e.g. erin",
                                                                 required=True, need="a handle"))
            return printable(typed, one_line=True).replace(" ", "") if typed else None
        return choice

    @work(exclusive=True, group="team-prompt")
    async def action_add_person(self) -> None:
        if not self.may_record():
            return
        handle = await self._ask_person("Add who?", exclude=set(self.state.members))
        if not handle:
            return
        status = await self.app.push_screen_wait(ChoicePrompt(
            f"{handle} is…", [(s, s) for s in MEMBER_STATUSES], selected="paged"))
        if status:
            self.post_message(Propose(MemberJoined(handle=handle, status=status)))

    @work(exclusive=True, group="team-prompt")
    async def change_status(self, handle: str) -> None:
        member = self.state.members.get(handle)
        page = self.state.page_for(handle=handle)
        options = [(s, s) for s in MEMBER_STATUSES]
        if page is not None and page.waiting:
            options.insert(0, ("ack", f"answered the page ({page.at:%H:%M}): acknowledge it"))
        status = await self.app.push_screen_wait(ChoicePrompt(
            f"{handle} is now…", options, selected=member.status if member else None))
        if status == "ack" and page is not None:
            self.post_message(Propose(PageAcknowledged(handle=handle, dedup_key=page.dedup_key,
                                                       service=page.service, detail="acknowledged")))
        elif status and (member is None or status != member.status):
            self.post_message(Propose(MemberStatusChanged(handle=handle, status=status)))

    @work(exclusive=True, group="team-prompt")
    async def action_page(self) -> None:
        """Page the selected person or role, or one chosen from the roster and the roles."""
        if not self.records_here:  # a replay: the record, and the people, stay as they were
            self.app.notify("This is a replay: nobody is paged from here.", title="Read-only",
                            severity="warning")
            return
        if not self.may_record():
            return
        handle, role = self._selected("member"), self._selected("role")
        if handle is None and role is None:
            options = [(f"member:{h}", label) for h, label in self._people_options()]
            options += [(f"role:{r}", f"role: {ROLE_TITLES[r]}" + (f"  (now {', '.join(self.state.holders(r))})"
                                                                      if self.state.holders(r) else ""))
                        for r in ROLES]
            options.append(("member:", "someone else… (type a handle)"))
            choice = await self.app.push_screen_wait(ChoicePrompt("Page whom?", options))
            if choice is None:
                return
            kind, _, target = choice.partition(":")
            if kind == "member" and not target:
                typed = await self.app.push_screen_wait(TextPrompt(
                    "Their handle?", placeholder="e.g. erin", required=True, need="a handle"))
                target = printable(typed, one_line=True).replace(" ", "") if typed else ""
                if not target:
                    return
            handle, role = (target, None) if kind == "member" else (None, target)
        who = handle if handle is not None else ROLE_TITLES.get(str(role), str(role))
        message = await self.app.push_screen_wait(TextPrompt(
            f"Page {who}: a line for them (Enter to page, Esc to cancel)",
            placeholder="e.g. checkout is down, join the bridge"))
        if message is None and not await self.app.push_screen_wait(
                ConfirmPrompt(f"Page {who} without a message? (y / n)")):
            return
        self.post_message(PageWanted(handle=handle, role=role, message=message or ""))

    async def _choose_role(self, title: str, roles: list[str]) -> str | None:
        options = [(r, f"{ROLE_TITLES[r]}" + (f"  (now {', '.join(self.state.holders(r))})"
                                               if self.state.holders(r) else "")) for r in roles]
        return await self.app.push_screen_wait(ChoicePrompt(title, options))

    @work(exclusive=True, group="team-prompt")
    async def fill_role(self, role: str) -> None:
        handle = await self._ask_person(f"Who takes {ROLE_TITLES[role]}?")
        if handle:
            self.post_message(Propose(RoleAssigned(role=role, handle=handle)))

    @work(exclusive=True, group="team-prompt")
    async def action_assign_role(self) -> None:
        if not self.may_record():
            return
        handle = self._selected("member") or await self._ask_person("Give a role to whom?")
        if not handle:
            return
        held = set(self.state.roles_of(handle))
        role = await self._choose_role(f"Role for {handle}?", [r for r in ROLES if r not in held])
        if role:
            self.post_message(Propose(RoleAssigned(role=role, handle=handle)))

    @work(exclusive=True, group="team-prompt")
    async def action_hand_over(self) -> None:
        """Hand a role to someone else with a short briefing: recorded as release + assign."""
        if not self.may_record():
            return
        selected = self._selected("member")
        held = [r for r in ROLES if self.state.holders(r)]
        if selected and self.state.roles_of(selected):
            held = self.state.roles_of(selected)
        if not held:
            self.app.notify("Nobody holds a role yet: use r to assign one.", timeout=4)
            return
        role = held[0] if len(held) == 1 else await self._choose_role("Hand over which role?", held)
        if not role:
            return
        giver = selected if selected in self.state.holders(role) else self.state.holders(role)[0]
        taker = await self._ask_person(f"Hand {ROLE_TITLES[role]} from {giver} to whom?",
                                       exclude={giver})
        if not taker:
            return
        briefing = await self.app.push_screen_wait(TextPrompt(
            f"Briefing for {taker} (what they need to know)",
            placeholder="e.g. rollback in progress, next update 04:52", required=True,
            need="a briefing", multiline=True))
        if briefing is None:
            return
        self.post_message(Propose(RoleReleased(role=role, handle=giver, briefing=briefing),
                                  RoleAssigned(role=role, handle=taker, briefing=briefing)))

    @work(exclusive=True, group="team-prompt")
    async def action_ask(self) -> None:
        if not self.may_record():
            return
        selected = self._selected("member")
        value = f"{selected}: " if selected else ""
        while True:  # an ask that cannot be read comes back to be fixed, never lost
            text = await self.app.push_screen_wait(TextPrompt(
                "Ask-timer: who, what, back in how long?",
                placeholder="bob: check replica lag, back to me in 10 min",
                value=value, required=True, need="an ask"))
            if not text:
                return
            parsed = parse_ask(text)
            if parsed is not None:
                break
            self.app.notify("Write it as: bob: check replica lag, back to me in 10 min",
                            title="Could not read that ask", severity="warning")
            value = text
        handle, task, minutes = parsed
        self.post_message(Propose(AskStarted(handle=handle, task=task, minutes=minutes)))
