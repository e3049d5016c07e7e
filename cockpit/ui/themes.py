"""Colour themes from TOML files: the bundled ones and the user's own, validated before use.

Themes are looked for next to the config in force, in the user's theme folder
(``<user config>/themes``) and among the bundled ones (``themes/``), that order winning per
name. Each file is validated with :class:`cockpit.settings.ThemeFile`, then checked for what a
tired person needs: the state colours (▲ up / ◆ degraded / ▼ down use success, warning and
error) and the text must stand out from the backgrounds. A theme that fails is reported and
skipped, never a crash; a broken user ``calm`` falls back to the bundled one.

The chosen theme is remembered in ``<user config>/ui.toml`` (``theme = "name"``).

The first frame is painted before the settings (pydantic) are imported: ``opening_theme`` reads
the remembered theme's file directly and puts it through the same checks, minus the model, so the
cockpit opens in its own colours instead of flashing Textual's default first.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w
from textual.app import App
from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.css.tokenize import tokenize_values
from textual.css.tokenizer import TokenError
from textual.theme import Theme

from cockpit import paths

if TYPE_CHECKING:
    from cockpit.settings import Config, ThemeFile

DEFAULT_THEME = "calm"
MIN_CONTRAST = 3.0
"""WCAG's floor for large or bold text; state words and symbols are bold."""

SHOWN_PROBLEMS = 3
_TEXT_COLOURS = ("success", "warning", "error", "text-success", "text-warning", "text-error",
                 "text-primary", "foreground")
_SECONDARY_COLOURS = ("foreground-muted",)
"""Times, hints and labels: held to the WCAG floor whatever ``minimum`` is asked for."""
_BACKGROUNDS = ("background", "surface", "panel")
_AUTO = re.compile(r"^(auto( \d{1,3}%)?|initial)$")


@dataclass(frozen=True, slots=True)
class LoadedThemes:
    themes: list[Theme]
    problems: list[str]
    """One clear sentence per theme file that was skipped."""


# -- contrast -----------------------------------------------------------------------------


def _luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = colour.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(foreground: Color, background: Color) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white); a translucent colour is blended first."""
    if foreground.a < 1:
        foreground = background + foreground
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_problems(theme: Theme, minimum: float = MIN_CONTRAST) -> list[str]:
    """Each state or text colour that is too faint on a background the panes use.

    The backgrounds are the theme's own, plus a pane's cursor row (``$accent 40%`` over the
    surface), where a selected endpoint's ▼ DOWN must read as well as anywhere else.
    """
    colours = theme.to_color_system().generate()
    backgrounds = {name: Color.parse(colours[name]) for name in _BACKGROUNDS}
    backgrounds["the cursor row"] = backgrounds["surface"] + Color.parse(colours["accent"]).with_alpha(0.4)
    wanted = {name: minimum for name in _TEXT_COLOURS}
    wanted |= {name: MIN_CONTRAST for name in _SECONDARY_COLOURS}
    problems = []
    for background_name, background in backgrounds.items():
        for name, needed in wanted.items():
            ratio = contrast_ratio(Color.parse(colours[name]), background)
            if ratio < needed:
                problems.append(f"{name} {colours[name]} on {background_name} {background.hex}"
                                f" has contrast {ratio:.1f}:1 (needs {needed:g}:1)")
    return problems


# -- loading ------------------------------------------------------------------------------


def _variable_problems(variables: dict[str, str], dark: bool) -> list[str]:
    """Variables Textual would choke on when the theme is applied (a crash, not a message)."""
    known = Theme(name="probe", primary="#888888", dark=dark).to_color_system().generate()
    problems = []
    for name, value in variables.items():
        try:
            tokenize_values({name: value})
        except TokenError:
            problems.append(f"variables.{name} = {value!r} is not a CSS value")
            continue
        if name.endswith("text-style"):
            if not set(value.split()) <= VALID_STYLE_FLAGS:
                problems.append(f"variables.{name} = {value!r} is not a text style (e.g. bold, none)")
        elif name in known and not _AUTO.match(value):
            try:
                Color.parse(value)
            except ColorParseError:
                problems.append(f"variables.{name} = {value!r} is not a colour (try #rrggbb)")
    return problems


def theme_from_file(spec: ThemeFile) -> Theme:
    colours = {name: getattr(spec, name) for name in (
        "primary", "secondary", "accent", "foreground", "background", "surface", "panel", "boost",
        "warning", "error", "success")}
    return Theme(name=spec.name, dark=spec.dark, variables=dict(spec.variables), **colours)


def read_theme(path: Path) -> Theme:
    """A theme that is safe to apply and readable, or a ConfigError naming the file and the flaw."""
    from cockpit.settings import ConfigError, load_theme

    spec = load_theme(path)
    problems = _variable_problems(spec.variables, spec.dark)
    theme = theme_from_file(spec)
    if not problems:
        problems = contrast_problems(theme)
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        raise ConfigError(f"{path}: theme {spec.name!r} is not usable: {shown}"
                          + (f"; and {more} more" if more > 0 else ""))
    return theme


def load_themes(folders: list[Path]) -> LoadedThemes:
    """Every usable theme in ``folders``; the first usable file of a name wins."""
    from cockpit.settings import ConfigError

    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = read_theme(path)
            except ConfigError as exc:
                problems.append(str(exc))
                continue
            themes.setdefault(theme.name, theme)
    return LoadedThemes(list(themes.values()), problems)


def register_themes(app: App[object], config: Config | None = None) -> list[str]:
    """Register every usable theme with ``app``; notify about skipped files. Returns the names."""
    from cockpit.settings import search_dirs

    loaded = load_themes(search_dirs("themes", config))
    for theme in loaded.themes:
        app.register_theme(theme)
    for problem in loaded.problems:
        app.notify(problem, title="Theme skipped", severity="warning", timeout=12, markup=False)
    return [theme.name for theme in loaded.themes]


def preferred_theme(available: list[str], config: Config | None = None) -> str:
    """The remembered choice, then the config's ``[ui] theme``, then calm, if registered."""
    for name in (remembered_theme(), config.ui.theme if config else None, DEFAULT_THEME):
        if name and name in available:
            return name
    return available[0] if available else "textual-dark"


def opening_theme() -> Theme | None:
    """The remembered theme (else calm) for the first frame: the first file of that name in the
    user's theme folder or the bundled one, as the full load finds it. None (Textual's default
    until the themes load) when there is none, or it is not usable."""
    wanted = remembered_theme() or DEFAULT_THEME
    for folder in (paths.user_config_dir() / "themes", paths.bundled_themes_dir()):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            try:
                fields = tomllib.loads(path.read_text(encoding="utf-8"))
                if fields.get("name") != wanted:
                    continue
                theme = Theme(**fields)
                usable = not _variable_problems(theme.variables, theme.dark) and not contrast_problems(theme)
            except Exception:  # noqa: BLE001 - any flaw: the full load names it and skips it
                continue
            if usable:
                return theme
    return None


# -- remembering the choice ---------------------------------------------------------------


def _ui_file() -> Path:
    return paths.user_config_dir() / "ui.toml"


def remember_theme(name: str) -> bool:
    """Store the theme choice in the user config folder, keeping other choices there.

    False when the folder cannot be written (a read-only home): the choice is only a
    preference, so it is never worth an error in the middle of an incident.
    """
    path = _ui_file()
    data = _read_ui(path)
    data["theme"] = name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    except OSError:
        return False
    return True


def remembered_theme() -> str | None:
    theme = _read_ui(_ui_file()).get("theme")
    return theme if isinstance(theme, str) and theme else None


def _read_ui(path: Path) -> dict[str, object]:
    """The stored UI choices; an unreadable file counts as none (it is only a preference)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
