"""``cockpit validate``: tell what kind of file each one is and whether it is valid."""

from __future__ import annotations

import re
from pathlib import Path

from cockpit.settings import (
    Config, ConfigError, ProtocolFile, config_problems, load_model, load_protocol, read_toml,
)


def detect_kind(data: dict) -> str:
    if "cockpit" in data and isinstance(data["cockpit"], dict):
        return "session"
    if "steps" in data:
        return "protocol"
    if "scenario" in data or "services" in data:
        return "scenario"
    if "primary" in data and "name" in data:
        return "theme"
    return "config"


_SESSION_HEADER = re.compile(rb"^[ \t]*(?:\[[ \t]*cockpit[ \t]*\]|\[\[[ \t]*events[ \t]*\]\])[ \t]*(?:#[^\n]*)?\r?$",
                             re.MULTILINE)


def _looks_like_session(path: Path) -> bool:
    """A ``[cockpit]`` or ``[[events]]`` table near the start, whatever the layout (comments,
    CRLF, a byte-order mark): a damaged session is not valid TOML, yet it loads and must say so."""
    try:
        with path.open("rb") as handle:
            return _SESSION_HEADER.search(handle.read(64 * 1024)) is not None
    except OSError:
        return False


def validate_file(path: Path) -> tuple[bool, str]:
    """(valid, message) for one file of any kind cockpit reads."""
    try:
        regular = path.is_file()
        missing = not regular and not path.exists()
    except (OSError, ValueError):
        regular, missing = False, False
    if not regular:  # a folder, a pipe or a device: never opened, so never waited on
        return False, f"cockpit: error: {path}: {'no such file' if missing else 'not a regular file'}"
    if _looks_like_session(path):
        return _validate_session(path)
    try:
        data, _ = read_toml(path)
        kind = detect_kind(data)
        if kind == "session":
            return _validate_session(path)
        if kind == "protocol":
            protocol = load_model(path, ProtocolFile)
            return True, f"{path}: valid protocol {protocol.name!r} ({len(protocol.steps)} steps)"
        if kind == "scenario":
            from cockpit.drill.scenario import load_scenario

            scenario = load_scenario(path)
            try:  # a step objective must name a step of the protocol the drill follows
                steps = {step.id for step in load_protocol(scenario.scenario.protocol).steps}
            except ConfigError:
                steps = None  # a protocol not found here is said when the drill starts
            problems = scenario.objective_problems(steps) if steps is not None else []
            if problems:
                return False, f"cockpit: error: {path}: " + "; ".join(problems)
            return True, f"{path}: valid scenario {scenario.name!r}"
        if kind == "theme":
            from cockpit.settings import ThemeFile

            theme = load_model(path, ThemeFile)
            return True, f"{path}: valid theme {theme.name!r}"
        if not data:
            return False, f"cockpit: error: {path}: the file holds no settings (it is empty or only comments)"
        config = load_model(path, Config)
        problems = [f"  {problem}" for problem in config_problems(config)] + _endpoint_problems(config)
        if problems:
            return False, (f"cockpit: error: {path}: {len(problems)} problem{'' if len(problems) == 1 else 's'}"
                           ":\n" + "\n".join(problems))
        return True, (f"{path}: valid config ({len(config.people)} people, "
                      f"{len(config.endpoints)} endpoints)")
    except ConfigError as exc:
        return False, f"cockpit: error: {exc}"


def _endpoint_problems(config: Config) -> list[str]:
    """Every condition and URL that would fail when polled, each with the caret pointing at the
    mistake: all of a file's at once, so that one run of validate shows everything to fix."""
    from cockpit.health.conditions import ConditionError
    from cockpit.health.probe import Check, EndpointError

    problems = []
    for endpoint in config.endpoints:
        try:
            Check.of(endpoint)
        except EndpointError as exc:
            problems.append(f"  {exc}")
        except ConditionError as exc:
            problems += [f"  {problem}" for problem in exc.problems]
    return problems


def _validate_session(path: Path) -> tuple[bool, str]:
    from cockpit.domain.events import KINDS, RawEvent
    from cockpit.journal import JournalError
    from cockpit.session import Session

    try:
        session = Session.open(path, read_only=True)
    except JournalError as exc:
        return False, f"cockpit: error: {exc}"
    raw = [e for e in session.events if isinstance(e, RawEvent)]
    unknown = [e for e in raw if e.kind not in KINDS]
    problems = list(session.problems) + [  # a known kind whose fields are not what it promises
        f"event seq {e.seq}: a {e.kind} whose fields do not match its kind ({_why(e)}); kept as it"
        " is, shown raw" for e in raw if e.kind in KINDS]
    if problems:  # every complete event is still read, but the file is not as it should be
        listed = "".join(f"\n  {problem}" for problem in problems)
        return False, (f"{path}: not a valid session: {len(problems)} problem"
                       f"{'' if len(problems) == 1 else 's'} ({len(session.events)} events"
                       f" read, nothing lost):{listed}")
    notes = ([f"{len(unknown)} events of kinds this version does not know (kept as they are)"]
             if unknown else [])
    if session.recovery:
        notes.append(session.recovery.describe())
    extra = f"; {'; '.join(notes)}" if notes else ""
    return True, f"{path}: valid session, {len(session.events)} events{extra}"


def _why(event: object) -> str:
    """What the kind's model says is wrong with an event kept raw, in a few words."""
    from pydantic import ValidationError

    from cockpit.domain.events import KINDS

    record = event.to_record()  # type: ignore[attr-defined]
    try:
        KINDS[record["kind"]].model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "a field"
        return f"{where}: {first.get('msg', 'not valid').lower()}"
    return "not valid"
