"""Links on the screen, with Pilot: the bridge and the channel at the Impact pane's foot, every
link in the list on ``l``, copied with Enter, added with ``a`` (a hostile URL refused)."""

from __future__ import annotations

from cockpit.domain import events as ev
from cockpit.ui.links import LinksScreen
from cockpit.ui.prompts import ChoicePrompt, TextPrompt
from tests.waiting import until

WIDE = (160, 48)
BRIDGE = "https://meet.example.com/checkout-incident"


def links_of(text) -> set[str]:
    return {span.style.link for span in text.spans if hasattr(span.style, "link") and span.style.link}


async def test_the_bridge_shows_at_the_impact_panes_foot_as_a_hyperlink_with_its_url(cockpit, make_session):
    session = make_session()
    session.record(ev.LinkAdded(url=BRIDGE, label="War room", link_kind="bridge"))
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.incident is not None, "the incident")
        impact = app.query_one("#impact")
        await until(pilot, lambda: any("War room" in r.text.plain for r in impact.rows.rows), "the bridge row")
        row = next(r.text for r in impact.rows.rows if "War room" in r.text.plain)
        # the URL beside the label, as far as the pane's width allows (the list on l shows it whole)
        assert row.plain.startswith("bridge     War room  https://meet.e")
        assert links_of(row) == {BRIDGE}  # label and URL both open the whole link


async def test_the_links_list_copies_a_link_and_adds_one(cockpit, make_session):
    session = make_session()
    session.record(ev.LinkAdded(url=BRIDGE, label="War room", link_kind="bridge"))
    app = cockpit(session)
    async with app.run_test(size=WIDE) as pilot:
        await until(pilot, lambda: app.incident is not None, "the incident")
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LinksScreen), "the links list")
        rows = [r.text.plain for r in app.screen.query_one("RowList").rows]
        assert rows[0].startswith("bridge") and "War room" in rows[0] and rows[1].strip() == BRIDGE
        await pilot.press("enter")
        assert app.clipboard == BRIDGE

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt), "the URL prompt")
        await pilot.press(*"javascript:alert(1)", "enter")
        await until(pilot, lambda: any("a link starts with https://" in str(n.message) for n in app._notifications),
                    "the refusal")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt), "the URL prompt again")
        field = app.screen.query_one("Input")
        assert field.value == "javascript:alert(1)"  # kept, to be fixed
        field.value = ""
        await pilot.press(*"https://tickets.example.com/INC-7", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChoicePrompt), "the kind")
        options = app.screen.query_one("ChoiceList")
        options.highlighted = next(i for i in range(options.option_count)
                                   if options.get_option_at_index(i).id == "ticket")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextPrompt), "the label prompt")
        await pilot.press(*"INC-7", "enter")
        await until(pilot, lambda: len(app.incident.session.state.links) == 2, "the link to be recorded")
        link = app.incident.session.state.links[-1]
        assert (link.url, link.label, link.kind, link.by) == ("https://tickets.example.com/INC-7", "INC-7",
                                                              "ticket", "alice")
        await until(pilot, lambda: isinstance(app.screen, LinksScreen), "back on the list")
        assert any("INC-7" in r.text.plain for r in app.screen.query_one("RowList").rows)
