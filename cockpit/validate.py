"""``cockpit validate``: tell what kind of file each one is and whether it is valid."""

from __future__ import annotations

from pathlib import Path

from cockpit.settings import Config, ConfigError, ProtocolFile, load_model, read_toml


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


def _looks_like_session(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(10) == b"[cockpit]\n"
    except OSError:
        return False


def validate_file(path: Path) -> tuple[bool, str]:
    """(valid, message) for one file of any kind cockpit reads."""
    if _looks_like_session(path):  # a torn session is not valid TOML, yet loads: let it say so
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
            return True, f"{path}: valid scenario {scenario.name!r}"
        if kind == "theme":
            from cockpit.settings import ThemeFile

            theme = load_model(path, ThemeFile)
            return True, f"{path}: valid theme {theme.name!r}"
        config = load_model(path, Config)
        problems = _endpoint_problems(config)
        if problems:
            return False, f"cockpit: error: {path}:\n" + "\n".join(problems)
        return True, (f"{path}: valid config ({len(config.people)} people, "
                      f"{len(config.endpoints)} endpoints)")
    except ConfigError as exc:
        return False, f"cockpit: error: {exc}"


def _endpoint_problems(config: Config) -> list[str]:
    """Conditions and URLs that would fail when polled, with the caret pointing at the mistake."""
    from cockpit.health.conditions import ConditionError
    from cockpit.health.probe import Check, EndpointError

    problems = []
    for endpoint in config.endpoints:
        try:
            Check.of(endpoint)
        except (ConditionError, EndpointError) as exc:
            problems.append(f"  {exc}")
    return problems


def _validate_session(path: Path) -> tuple[bool, str]:
    from cockpit.domain.events import RawEvent
    from cockpit.journal import JournalError
    from cockpit.session import Session

    try:
        session = Session.open(path, read_only=True)
    except JournalError as exc:
        return False, f"cockpit: error: {exc}"
    raw = [e for e in session.events if isinstance(e, RawEvent)]
    if session.problems:  # every complete event is still read, but the file is not as it should be
        listed = "".join(f"\n  {problem}" for problem in session.problems)
        return False, (f"{path}: not a valid session: {len(session.problems)} problem"
                       f"{'' if len(session.problems) == 1 else 's'} ({len(session.events)} events"
                       f" read, nothing lost):{listed}")
    notes = [f"{len(raw)} events of kinds this version does not know (kept as they are)"] if raw else []
    if session.recovery:
        notes.append(session.recovery.describe())
    extra = f"; {'; '.join(notes)}" if notes else ""
    return True, f"{path}: valid session, {len(session.events)} events{extra}"
