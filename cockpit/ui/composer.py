"""The status update composer (``u``).

It opens with a draft written from the state (Conditions / Actions / Needs, see
:mod:`cockpit.updates`), for the audience whose update the protocol wants next (internal or
external), and the time of the next update from the cadence. The lead edits the text and sends with ctrl+s. Sending does three things, in
an order that never loses the update:

1. records ``UpdatePosted`` through the incident screen's ``record`` (the session file is the
   record of truth);
2. sends the text to the terminal's clipboard (OSC 52, so it works over SSH) and says where it
   went: a copy cannot be confirmed (:mod:`cockpit.ui.clipboard`), and ctrl+w saves the text to a
   file instead;
3. the seat delivers it to every destination of its audience (``[[updates.destinations]]``,
   :mod:`cockpit.delivery`) in the background, retrying what fails.

The composer closes as soon as the update is recorded: deliveries never hold the screen, and each
one's outcome reaches the timeline (``update.delivered``) and, when it fails, a notice. The
screen dismisses with the recorded event, or None when closed before anything was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static, TextArea

from cockpit.domain.events import Event, UpdatePosted
from cockpit.drafts import draft_update
from cockpit.session import Session
from cockpit.settings import Config
from cockpit.ui.clipboard import copy_text, save_and_say
from cockpit.updates import due_audience, update_cadence

AUDIENCES = ("internal", "external")


class AudienceButton(RadioButton):
    """● when chosen, ○ when not: the choice reads by its shape, never by colour alone."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else "○"
        return super()._button


class UpdateComposer(ModalScreen[Event | None]):
    """Draft, edit and send a status update."""

    BINDINGS = [
        Binding("ctrl+s", "send", "send", priority=True),
        Binding("ctrl+w", "save", "save to a file", priority=True),
        Binding("escape", "close", "close"),
        Binding("ctrl+q", "quit", "quit", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    UpdateComposer { align: center middle; }
    UpdateComposer > Vertical {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-color: $text;
        background: $surface;
        padding: 0 1;
    }
    UpdateComposer .composer-row { height: 1; margin-bottom: 1; }
    UpdateComposer .composer-label { width: 16; color: $text-muted; }
    UpdateComposer RadioSet {
        border: none; padding: 0; width: auto; height: 1; layout: horizontal; background: $surface;
    }
    UpdateComposer RadioSet > RadioButton {
        width: auto; height: 1; margin-right: 2; padding: 0; border: none;
    }
    UpdateComposer #composer-minutes { width: 5; }
    UpdateComposer #composer-due { width: auto; padding-left: 1; color: $text-muted; }
    UpdateComposer TextArea { height: auto; min-height: 6; max-height: 70vh; }
    UpdateComposer #composer-status { height: auto; min-height: 1; color: $text-muted; }
    UpdateComposer #composer-status.failed { color: $text-error; }
    UpdateComposer .composer-buttons { height: 1; align-horizontal: right; }
    UpdateComposer Button { margin-left: 2; }
    """

    def __init__(self, session: Session, config: Config, record: Callable[[Event], Event | None],
                 *, now: datetime | None = None, follow: Callable[[], object] | None = None,
                 audience: str | None = None, title: str = "Status update") -> None:
        """``record`` is the incident screen's: it says why when it cannot record. ``follow``
        reads what other seats appended, so an unedited draft is written again at sending from
        the incident as it is then. ``audience`` opens on that audience (the all-clear opens one
        composer per audience) instead of the one the protocol wants next."""
        super().__init__()
        self.session = session
        self.state = session.state
        self.opened_at = now or session.now()
        self.config = config
        self.record = record
        self.follow = follow
        self.box_title = title
        self.audience = audience or due_audience(self.state, self.opened_at)
        self.recorded: Event | None = None
        self._draft = ""
        self._saved = ""

    # -- building ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        minutes = self._cadence_minutes(self.audience)
        with Vertical() as box:
            box.border_title = self.box_title
            with Horizontal(classes="composer-row"):
                yield Static("Audience", classes="composer-label")
                with RadioSet(id="composer-audience", compact=True):
                    for audience in AUDIENCES:
                        yield AudienceButton(audience, value=audience == self.audience,
                                             name=audience, compact=True)
            with Horizontal(classes="composer-row"):
                yield Static("Next update in", classes="composer-label")
                yield Input(str(minutes), id="composer-minutes", type="integer", max_length=4,
                            compact=True)
                yield Static(id="composer-due", markup=False)
            yield TextArea(id="composer-text", soft_wrap=True, tab_behavior="focus")
            yield Static(self._hint(), id="composer-status", markup=False)
            with Horizontal(classes="composer-buttons"):
                yield Button("Send  ctrl+s", id="composer-send", variant="primary", compact=True)
                yield Button("Close  esc", id="composer-close", compact=True)

    def on_mount(self) -> None:
        audiences = self.query_one(RadioSet)
        for _ in range(AUDIENCES.index(self.audience)):
            audiences.action_next_button()  # its cursor starts on the first button, not the chosen one
        area = self.query_one(TextArea)
        area.match_cursor_bracket = False  # prose, not code: "[SEV2]" needs no bracket matching
        self._redraft(force=True)
        area.focus()

    def _hint(self) -> str:
        if self.config.updates.targets:
            return ("ctrl+s records it, sends it to the clipboard and delivers it to the destinations"
                    " of its audience · ctrl+w saves it to a file.")
        return "ctrl+s records the update and sends it to the clipboard · ctrl+w saves it to a file."

    # -- the draft follows the audience and the next-update time until the lead edits it ------

    def _cadence_minutes(self, audience: str) -> int:
        cadence = update_cadence(self.state, self.config.updates, audience)
        return max(1, round(cadence.total_seconds() / 60))

    def _minutes(self) -> int | None:
        value = self.query_one("#composer-minutes", Input).value.strip()
        return int(value) if value.isdigit() and int(value) > 0 else None

    def _next_update_at(self, now: datetime) -> datetime | None:
        minutes = self._minutes()
        return now + timedelta(minutes=minutes) if minutes is not None else None

    def _redraft(self, *, force: bool = False) -> None:
        area = self.query_one(TextArea)
        due = self._next_update_at(self.opened_at)
        label = f"min  → {due:%H:%M} UTC" if due else "min  (a whole number)"
        self.query_one("#composer-due", Static).update(label)
        if not force and area.text != self._draft:
            return  # the lead has edited it: their words win
        self._draft = draft_update(self.state, self.opened_at, audience=self.audience,
                                   next_update_at=due)
        area.load_text(self._draft)

    def _redraft_now(self) -> None:
        """The lead sends the draft as written for them: write it again from the incident as it
        is at this moment, other seats' events included."""
        if self.follow is not None:
            self.follow()
        self.state = self.session.state
        self.opened_at = self.session.now()
        self._redraft(force=True)

    @on(RadioSet.Changed, "#composer-audience")
    def _audience_changed(self, event: RadioSet.Changed) -> None:
        self.audience = event.pressed.name or "internal"
        self.query_one("#composer-minutes", Input).value = str(self._cadence_minutes(self.audience))
        self._redraft()

    @on(Input.Changed, "#composer-minutes")
    def _minutes_changed(self) -> None:
        self._redraft()

    # -- sending --------------------------------------------------------------------------------

    @on(Button.Pressed, "#composer-send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#composer-close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_send(self) -> None:
        if self.recorded is not None:
            return
        if self.query_one(TextArea).text == self._draft:
            self._redraft_now()
        text = self.query_one(TextArea).text.strip()
        if not text:
            self._status("Nothing to send: the update is empty.", failed=True)
            return
        minutes = self._minutes()
        if minutes is None:
            self._status("Next update in how many minutes? Give a whole number.", failed=True)
            return
        next_update_at = self.session.now() + timedelta(minutes=minutes)
        event = UpdatePosted(text=text, audience=self.audience, next_update_at=next_update_at)
        recorded = self.record(event)
        if recorded is None and self.session.read_only:
            return  # the app has said why: nothing was recorded, nothing to copy or post
        self.recorded = recorded or event
        self._lock_editing()
        where = copy_text(self.app, text, "status update")
        self._saved = f"Recorded as #{recorded.seq}" if recorded else "Waiting for the disk to record it"
        names = [d.name for d in self.config.updates.serving(self.audience)]
        going = f"; delivering to {', '.join(names)}" if names and recorded else ""
        self.app.notify(f"{self._saved}; {where}{going}.", title="Status update", markup=False)
        self.dismiss(self.recorded)

    def action_save(self) -> None:
        """ctrl+w: the text as it stands, in a file (a copy the clipboard may not have taken)."""
        text = self.query_one(TextArea).text.strip()
        if text:
            save_and_say(self.app, text, "status update")

    def _lock_editing(self) -> None:
        self.query_one(TextArea).read_only = True
        self.query_one("#composer-send", Button).disabled = True
        self.query_one(RadioSet).disabled = True
        self.query_one("#composer-minutes", Input).disabled = True

    def _status(self, text: str, *, failed: bool = False) -> None:
        status = self.query_one("#composer-status", Static)
        status.update(text)
        status.set_class(failed, "failed")

    @property
    def holds_typed_text(self) -> bool:
        """True while the lead's own edits to the draft are neither sent nor discarded."""
        return self.recorded is None and self.query_one(TextArea).text.strip() != self._draft.strip()

    def _confirm_discard(self, question: str, then) -> None:  # noqa: ANN001
        from cockpit.ui.prompts import ConfirmPrompt

        def answered(discard: bool | None) -> None:
            if discard:
                then()
            else:
                self.query_one(TextArea).focus()

        self.app.push_screen(ConfirmPrompt(question), answered)

    def action_quit(self) -> None:
        """ctrl+q: never throws away an edited update without asking."""
        if self.holds_typed_text:
            self._confirm_discard("Discard the edited update and quit? (y / n)", self.app.exit)
        else:
            self.app.exit()

    def action_close(self) -> None:
        """Close, asking first if edits would be lost."""
        if self.holds_typed_text:
            self._confirm_discard("Discard the edited update? (y / n)", self._close)
        else:
            self._close()

    def _close(self) -> None:
        self.dismiss(self.recorded)
