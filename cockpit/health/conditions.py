"""The condition language of health checks, compatible with Gatus (docs/conditions.md).

A condition compares two operands: ``[STATUS] == 200``, ``[BODY].data[0].status == up``,
``len([BODY].items) > 0``, ``has([BODY].errors) == false``, ``[BODY].name == pat(web-*)``,
``[STATUS] == any(200, 204)``, ``[RESPONSE_TIME] < 300`` (milliseconds),
``[CERTIFICATE_EXPIRATION] > 48h`` (durations become milliseconds), ``[VALUE] < 0.5``.

Values are judged as Gatus judges them, case by case (its own test tables are replayed in
tests/health/test_gatus_tables.py): ``[BODY]`` is the body with surrounding white space trimmed,
integers are read as Go's ``strconv.ParseInt(s, 0, 64)`` reads them (``0x1f``, ``0o17``,
``0b101``, ``1_000``), ``==`` compares two integers as numbers and anything else as text, and
``< <= > >=`` compare numbers or durations. A right-hand value is bare text up to the end
(``[BODY].msg == all good``). The deliberate differences, each listed in docs/conditions.md: a
transport error fails the check whatever the conditions say (they are only judged against a
response, so ``[CONNECTED]`` is true whenever it is judged); an operand that cannot be resolved (a
missing or null JSON field, a body that is not JSON, a placeholder the endpoint's kind does not
have) fails its condition and says which operand, where Gatus would quietly compare against 0;
a number keeps its fraction (Gatus truncates ``1.95`` to ``1``); and mistakes are refused when
the file is read rather than failing at every check.

Conditions are tokenized and parsed once per endpoint into a small tree (never ``eval``); a
mistake raises :class:`ConditionError` pointing at the column with a caret line. How values
compare (integers, durations, text, ``pat()``) is :mod:`cockpit.health.values`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cockpit.health import values
from cockpit.text import printable

PLACEHOLDER_KINDS: dict[str, tuple[str, ...]] = {
    "STATUS": ("http", "prometheus"),
    "RESPONSE_TIME": ("http", "tcp", "tls", "icmp", "dns", "prometheus"),
    "BODY": ("http", "dns", "prometheus"),
    "CONNECTED": ("http", "tcp", "tls", "icmp", "dns", "prometheus"),
    "CERTIFICATE_EXPIRATION": ("http", "tls", "prometheus"),
    "IP": ("http", "tcp", "tls", "icmp", "dns", "prometheus"),
    "DNS_RCODE": ("dns",),
    "RESULT": ("prometheus",),
    "VALUE": ("prometheus",),
    "LABELS": ("prometheus",),
}
"""Every placeholder and the endpoint kinds whose checks fill it (``http`` and ``prometheus`` have
a certificate only over https); the config layer can refuse the others, a check reports them as
unresolved."""
PLACEHOLDERS = tuple(PLACEHOLDER_KINDS)
_WITH_STEPS = ("BODY", "RESULT", "LABELS")
_LEFT_OUT = {"DOMAIN_EXPIRATION": "it needs a whois lookup, which Cockpit does not do",
             "CONTEXT": "it belongs to Gatus's suites, which Cockpit does not have"}
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_ORDERING = ("<", "<=", ">", ">=")
_TIME_PLACEHOLDERS = ("RESPONSE_TIME", "CERTIFICATE_EXPIRATION")
_OPERATOR_CHARS = "=!<>"
_JOINERS = ("&&", "||")
_FUNCTIONS = ("len", "has", "pat", "any")
_FUNCTION = re.compile(r"([A-Za-z_]+)\(")
_NAMED = re.compile(r"\[[A-Za-z_]+\]")
_KEY = re.compile(r"[^.\[\]\s()=!<>,]+")
_CLOSE_BEFORE_OPERATOR = re.compile(r"\)\s*(?:==|!=|<=|>=|<|>)")
_SHOWN_LENGTH = 40


class ConditionError(ValueError):
    """A condition that cannot be parsed; ``str()`` shows the text with a caret under the column.

    ``problems`` holds every mistake found at once (:func:`compile_all` reads a whole list, so a
    file's conditions are all reported in one go); ``str()`` shows each with its caret.
    """

    def __init__(self, message: str, text: str, column: int, where: str = "") -> None:
        self.message, self.text, self.column, self.where = message, text, column, where
        self.problems: tuple[ConditionError, ...] = (self,)
        super().__init__(self._render())

    def _render(self) -> str:
        shown = "".join(char if char.isprintable() else "?" for char in self.text)  # keeps the columns
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.message} (column {self.column})\n    {shown}\n    {' ' * (self.column - 1)}^"

    def located(self, where: str) -> ConditionError:
        """The same error, naming where the condition comes from (endpoint, list, index)."""
        return ConditionError(self.message, self.text, self.column, where)

    @classmethod
    def several(cls, problems: Sequence[ConditionError]) -> ConditionError:
        """One error carrying all of ``problems``; its own fields are the first one's."""
        first = problems[0]
        combined = cls(first.message, first.text, first.column, first.where)
        combined.problems = tuple(problems)
        combined.args = ("\n".join(problem._render() for problem in problems),)
        return combined


# -- what a condition is evaluated against ------------------------------------------------------


class Observation(Protocol):
    """What one check saw (``cockpit.health.observation.Seen`` fills it in for every kind).

    ``None`` means this check has no such value: a condition reading it fails as unresolved,
    naming the placeholder and the kinds of endpoint that have it (:data:`PLACEHOLDER_KINDS`).
    ``result`` is a Prometheus query's samples, each ``{"metric": {label: value}, "value":
    [timestamp, "1.5"]}`` (a scalar comes as one sample with an empty metric).
    """

    status: int | None
    total_ms: float | None
    connected: bool
    certificate_expiration_ms: float | None
    ip: str | None
    dns_rcode: str | None
    result: list[dict] | None

    def body_text(self) -> str:
        """The body as received, decoded, not trimmed ('' when the kind has none)."""
        ...

    def body_json(self) -> tuple[bool, Any, str]:
        """``(ok, value, why_not)``: the parsed JSON body, or why there is none."""
        ...


class Unresolved(Exception):
    """An operand has no value in this observation; the message names it."""


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    detail: str = ""


# -- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # PLACEHOLDER KEY INDEX FUNC RPAREN OP LITERAL PATTERN END
    text: str
    column: int
    raw: str = ""  # a LITERAL as written, its double quotes kept


class _Tokenizer:
    """Splits a condition into tokens. After the operator, bare text is one literal to the end;
    ``pat(`` and ``any(`` take everything to their closing parenthesis, as in Gatus."""

    def __init__(self, text: str, joins: bool = True) -> None:
        self.text = text
        self.joins = joins  # whether to look for joined conditions (not in what follows a joiner)
        self.pos = 0
        self.tokens: list[Token] = []

    def error(self, message: str, pos: int | None = None) -> ConditionError:
        return ConditionError(message, self.text, (self.pos if pos is None else pos) + 1)

    def run(self) -> list[Token]:
        right = False
        depth = 0
        while True:
            self._skip_space()
            if self.pos >= len(self.text):
                self.tokens.append(Token("END", "", self.pos + 1))
                return self.tokens
            char = self.text[self.pos]
            if self.text.startswith(_JOINERS, self.pos):
                raise self._joined(self.pos)
            if char == "[" and self._at_operand_start() and (not right or _NAMED.match(self.text, self.pos)):
                self._placeholder()  # on the right, [1, 2] is a value, as in Gatus
            elif self._function_ahead(right):
                name = self._function()
                if name in ("pat", "any"):
                    self._check_joined(self.pos, len(self.text))
                    close = self._closing(name, right)
                    (self._pattern if name == "pat" else self._any_items)(close)
                else:
                    depth += 1
            elif right and depth == 0:
                self._rest_literal()
            elif char in _OPERATOR_CHARS:
                self._operator()
                right = True
            elif char == ")":
                if depth == 0:
                    raise self.error("unmatched )")
                depth -= 1
                self._emit("RPAREN", ")", 1)
            else:
                self._word()

    def _emit(self, kind: str, text: str, length: int, raw: str = "") -> None:
        self.tokens.append(Token(kind, text, self.pos + 1, raw))
        self.pos += length

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _at_operand_start(self) -> bool:
        return not self.tokens or self.tokens[-1].kind in ("OP", "FUNC")

    def _joined(self, pos: int) -> ConditionError:
        joiner = self.text[pos:pos + 2]
        how = ("all of them must pass" if joiner == "&&" else
               "all of them must pass; for one of several values use any(), e.g. [STATUS] == any(200, 204)")
        return self.error(f"{joiner} cannot join conditions: list each condition separately ({how})", pos)

    def _check_joined(self, start: int, end: int) -> None:
        """``&&`` or ``||`` between ``start`` and ``end`` (a pattern, a literal) is text, unless a
        whole condition follows it: then two conditions were joined, which Gatus cannot do either.
        What follows is parsed without this search, so that each joiner costs one parse."""
        for joiner in _JOINERS if self.joins else ():
            at = self.text.find(joiner, start, end)
            while at >= 0:
                try:
                    _Parser(self.text[at + 2:], joins=False).condition()
                except ConditionError:
                    at = self.text.find(joiner, at + 1, end)
                    continue
                raise self._joined(at)

    def _placeholder(self) -> None:
        end = self.text.find("]", self.pos)
        if end < 0:
            raise self.error("unclosed [ (expected e.g. [STATUS])")
        written = self.text[self.pos + 1:end]
        name = written.upper()  # placeholders are case-insensitive, as in Gatus; field names are not
        if name in _LEFT_OUT:
            raise self.error(f"[{name}] is not supported: {_LEFT_OUT[name]}")
        if name not in PLACEHOLDERS:
            near = difflib.get_close_matches(name, PLACEHOLDERS, n=1)
            hint = f"; did you mean [{near[0]}]?" if near else ""
            raise self.error(f"unknown placeholder [{written}]{hint}; known: "
                             + ", ".join(f"[{p}]" for p in PLACEHOLDERS))
        self._emit("PLACEHOLDER", name, end + 1 - self.pos)
        while self.pos < len(self.text) and self.text[self.pos] in ".[":
            if self.text[self.pos] == ".":
                match = _KEY.match(self.text, self.pos + 1)
                if not match:
                    raise self.error("expected a field name after '.'", self.pos + 1)
                self._emit("KEY", match.group(), match.end() - self.pos)
            else:
                close = self.text.find("]", self.pos)
                index = self.text[self.pos + 1:close] if close > 0 else ""
                if not (index.isascii() and index.isdigit()):
                    raise self.error("expected an index such as [0]", self.pos + 1)
                self._emit("INDEX", index, close + 1 - self.pos)

    def _operator(self) -> None:
        for op in OPERATORS:
            if self.text.startswith(op, self.pos):
                if any(t.kind == "OP" for t in self.tokens):
                    raise self.error(f"a second operator {op}; a condition compares two operands once")
                self._emit("OP", op, len(op))
                if self.pos < len(self.text) and self.text[self.pos] in _OPERATOR_CHARS:
                    raise self.error(f"unexpected {self.text[self.pos]!r} after {op}")
                return
        raise self.error(f"unknown operator {self.text[self.pos]!r}; use one of " + " ".join(OPERATORS))

    def _function_ahead(self, right: bool) -> bool:
        """A ``name(`` where an operand starts; on the right only the known names count."""
        match = _FUNCTION.match(self.text, self.pos)
        if not match or not self._at_operand_start():
            return False
        return not right or match.group(1) in _FUNCTIONS

    def _function(self) -> str:
        name = self.text[self.pos:self.text.index("(", self.pos)]
        if name not in _FUNCTIONS:
            hint = f"; did you mean {name.lower()}()?" if name.lower() in _FUNCTIONS else ""
            raise self.error(f"unknown function {name}(); known: len(), has(), pat(), any(){hint}")
        self._emit("FUNC", name, len(name) + 1)
        return name

    def _closing(self, name: str, right: bool) -> int:
        """Where ``pat(`` or ``any(`` closes: on the right at the last ``)``, on the left at the
        ``)`` before the operator (so a pattern may hold parentheses)."""
        if not right:
            match = _CLOSE_BEFORE_OPERATOR.search(self.text, self.pos)
            if not match:
                raise self.error(f"{name}( is not closed with ) before an operator")
            return match.start()
        close = self.text.rfind(")")
        if close < self.pos:
            raise self.error(f"{name}( is not closed with )")
        after = close + 1 + len(self.text[close + 1:]) - len(self.text[close + 1:].lstrip())
        if after < len(self.text):
            if self.text.startswith(_JOINERS, after):
                raise self._joined(after)
            raise self.error(f"unexpected text after {name}(...)", close + 1)
        return close

    def _pattern(self, close: int) -> None:
        glob = self.text[self.pos:close]
        try:
            values.glob_regex(glob)
        except ValueError as malformed:
            raise self.error(f"the pattern {malformed}") from None
        self._emit("PATTERN", glob, close + 1 - self.pos)

    def _any_items(self, close: int) -> None:
        for item in self.text[self.pos:close].split(","):
            start = self.pos + len(item) - len(item.lstrip())
            raw = item.strip()
            if not _unquote(raw):
                raise self.error("empty value in any(...)", start)
            self.tokens.append(Token("LITERAL", _unquote(raw), start + 1, raw))
            self.pos += len(item) + 1
        self.pos = close
        self._emit("RPAREN", ")", 1)

    def _rest_literal(self) -> None:
        value = self.text[self.pos:].rstrip()
        for op in OPERATORS:
            if value.startswith(op):
                raise self.error(f"a second operator {op}; to compare with text that starts with "
                                 f"{op[0]!r}, put it in double quotes")
        if _unquote(value) == value:
            self._check_joined(self.pos, self.pos + len(value))
        self._emit("LITERAL", _unquote(value), len(self.text) - self.pos, value)

    def _word(self) -> None:
        start = self.pos
        while (self.pos < len(self.text) and not self.text[self.pos].isspace()
               and self.text[self.pos] not in _OPERATOR_CHARS + "(),"):
            self.pos += 1
        if self.pos == start:
            raise self.error(f"unexpected {self.text[start]!r}")
        word = self.text[start:self.pos]
        self.tokens.append(Token("LITERAL", _unquote(word), start + 1, word))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def tokenize(text: str, joins: bool = True) -> list[Token]:
    return _Tokenizer(text, joins).run()


# -- the tree -----------------------------------------------------------------------------------

_ATTRIBUTES = {"STATUS": "status", "RESPONSE_TIME": "total_ms", "IP": "ip", "DNS_RCODE": "dns_rcode",
               "CERTIFICATE_EXPIRATION": "certificate_expiration_ms"}
_NONE = {"STATUS": "no HTTP status", "RESPONSE_TIME": "no response time", "IP": "no address seen",
         "DNS_RCODE": "no DNS answer", "CERTIFICATE_EXPIRATION": "no TLS certificate",
         "RESULT": "no query result", "VALUE": "no query result", "LABELS": "no query result"}
_KIND_NAMES = {"http": "http(s)", "tls": "tls://", "tcp": "tcp://", "icmp": "icmp://", "dns": "dns://",
               "prometheus": "prometheus"}


def _absent(name: str, label: str) -> Unresolved:
    """The value is None: this check has none; say which kinds of endpoint have one."""
    kinds = PLACEHOLDER_KINDS[name]
    if len(kinds) == len(_KIND_NAMES):
        return Unresolved(f"{label}: {_NONE[name]}")  # every kind has one, this check did not see it
    if name == "CERTIFICATE_EXPIRATION":
        where = "https and tls://"
    else:
        where = ", ".join(_KIND_NAMES[kind] for kind in kinds)
    return Unresolved(f"{label}: {_NONE[name]} (only {where} endpoints have one)")


@dataclass(frozen=True, slots=True)
class Path:
    """``[BODY].data[0].status``: a placeholder and the steps into its value."""

    placeholder: str
    steps: tuple[str | int, ...] = ()

    @property
    def label(self) -> str:
        return f"[{self.placeholder}]" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}"
                                                 for s in self.steps)

    def resolve(self, seen: Observation) -> Any:
        value = self._root(seen)
        for step in self.steps:
            if isinstance(step, int):
                if not isinstance(value, list) or step >= len(value):
                    raise Unresolved(f"{self.label}: missing")
            elif not isinstance(value, dict) or step not in value:
                raise Unresolved(f"{self.label}: missing")
            value = value[step]
        if value is None:  # as in Gatus, a null field is no value: has() is false, == fails
            raise Unresolved(f"{self.label}: null")
        return value

    def _root(self, seen: Observation) -> Any:
        name = self.placeholder
        if name == "BODY":
            if not self.steps:
                return seen.body_text().strip()
            ok, value, why_not = seen.body_json()
            if not ok:
                raise Unresolved(f"{self.label}: {why_not}")
            return value
        if name == "CONNECTED":
            return seen.connected
        if name in ("RESULT", "VALUE", "LABELS"):
            samples = seen.result
            if samples is None:
                raise _absent(name, self.label)
            if name == "RESULT":
                return samples
            if not samples:
                raise Unresolved(f"{self.label}: the query returned no samples")
            if name == "LABELS":
                labels = samples[0].get("metric")
                return labels if isinstance(labels, dict) else {}
            return _sample_value(samples[0], self.label)
        value = getattr(seen, _ATTRIBUTES[name])
        if value is None:
            raise _absent(name, self.label)
        if name in _TIME_PLACEHOLDERS:
            return int(value)  # whole milliseconds, as Gatus gives them
        return value


def _sample_value(sample: dict, label: str) -> float:
    """A sample's value, which Prometheus sends as text ("1", "0.25", "NaN", "+Inf")."""
    pair = sample.get("value")
    if not (isinstance(pair, list) and len(pair) == 2):
        raise Unresolved(f"{label}: the first sample has no single value (a range vector? query an instant one)")
    try:
        return float(pair[1])
    except (TypeError, ValueError):
        raise Unresolved(f"{label}: {_show(pair[1])} is not a number") from None


@dataclass(frozen=True, slots=True)
class Literal:
    """A value as written. ``number`` is set where it is compared as a number: on either side of
    ``< <= > >=``, and for a duration compared with a time placeholder (in milliseconds)."""

    text: str
    number: float | None
    raw: str = ""  # as written, double quotes kept

    @property
    def label(self) -> str:
        return self.raw or self.text

    def resolve(self, seen: Observation) -> Any:
        return self.text if self.number is None else self.number

    def spellings(self) -> tuple[Any, ...]:
        """What it equals: ``"ok"`` equals ``ok`` and, as in Gatus, the text with its quotes."""
        value = self.text if self.number is None else self.number
        return (value, self.raw) if self.raw and self.raw != self.text else (value,)


@dataclass(frozen=True, slots=True)
class Len:
    """As in Gatus: ``len([BODY])`` is the body as received (an array's element count when it is a
    JSON array); of a field, an array's or a string's length, else that of its minified JSON."""

    path: Path

    @property
    def label(self) -> str:
        return f"len({self.path.label})"

    def resolve(self, seen: Observation) -> Any:
        if self.path.placeholder == "BODY" and not self.path.steps:
            ok, value, _ = seen.body_json()
            if ok and isinstance(value, list):
                return len(value)
            return len(seen.body_text())
        value = self.path.resolve(seen)
        if isinstance(value, (str, list)):
            return len(value)
        return len(values.text(value))


@dataclass(frozen=True, slots=True)
class Has:
    """Whether the value exists: a field that is present and not null, a placeholder this check
    has; ``[BODY]`` and text placeholders must also not be empty."""

    path: Path

    @property
    def label(self) -> str:
        return f"has({self.path.label})"

    def resolve(self, seen: Observation) -> Any:
        try:
            value = self.path.resolve(seen)
        except Unresolved:
            return False
        return bool(self.path.steps) or value != ""


Operand = Path | Literal | Len | Has
_SUBJECTS = (Path, Len, Has)


@dataclass(frozen=True, slots=True)
class Pattern:
    """``pat(...)``: Go's ``filepath.Match`` as Gatus uses it (``*``, ``?``, ``[a-z]``, ``[^a]``,
    ``\\`` escapes), after taking every ``/`` out of both the pattern and the value."""

    glob: str
    regex: re.Pattern[str] = field(compare=False)

    @classmethod
    def of(cls, glob: str) -> Pattern:
        return cls(glob, values.glob_regex(glob))

    @property
    def label(self) -> str:
        return f"pat({self.glob})"

    def matches(self, value: Any) -> bool:
        return self.regex.fullmatch(values.text(value).replace("/", "")) is not None


@dataclass(frozen=True, slots=True)
class AnyOf:
    options: tuple[Literal, ...]

    @property
    def label(self) -> str:
        return "any(" + ", ".join(o.label for o in self.options) + ")"


@dataclass(frozen=True, slots=True)
class Condition:
    """One parsed condition; :meth:`evaluate` never raises for any observation. A value written
    on the left (``200 == [STATUS]``) is stored on the right, the operator mirrored."""

    source: str
    left: Path | Len | Has
    op: str
    right: Operand | Pattern | AnyOf

    @property
    def placeholders(self) -> frozenset[str]:
        """The placeholders it reads, e.g. ``{"STATUS"}``: the config layer refuses those an
        endpoint's kind does not have (:data:`PLACEHOLDER_KINDS`)."""
        return frozenset(side.placeholder if isinstance(side, Path) else side.path.placeholder
                         for side in (self.left, self.right) if isinstance(side, _SUBJECTS))

    def evaluate(self, seen: Observation) -> Verdict:
        try:
            left = self.left.resolve(seen)
            if self.op in _ORDERING:
                right = self.right.resolve(seen)  # type: ignore[union-attr]  # pat() and any() need == or !=
                passed = _ordered(left, self.op, right, self.left.label, self.right.label)
            else:
                passed = self._equal(left, seen) == (self.op == "==")
        except Unresolved as missing:
            return Verdict(False, str(missing))
        if passed:
            return Verdict(True)
        return Verdict(False, self._describe_failure(left))

    def _equal(self, left: Any, seen: Observation) -> bool:
        right = self.right
        if isinstance(right, Pattern):
            return right.matches(left)
        if isinstance(right, AnyOf):
            return any(values.equal(left, value) for option in right.options for value in option.spellings())
        if isinstance(right, Literal):
            return any(values.equal(left, value) for value in right.spellings())
        return values.equal(left, right.resolve(seen))

    def _describe_failure(self, left: Any) -> str:
        if isinstance(self.left, Path) and self.left.placeholder == "STATUS":
            return f"status {left}"
        if isinstance(self.left, Path) and self.left.placeholder == "RESPONSE_TIME":
            return f"response time {left} ms, wanted {self.op} {self.right.label}"
        return f"{self.left.label} is {_show(left)}, wanted {self.op} {self.right.label}"


# -- comparing and showing values ---------------------------------------------------------------


def _ordered(left: Any, op: str, right: Any, left_label: str, right_label: str) -> bool:
    a, b = values.measure(left), values.measure(right)
    for value, number, label in ((left, a, left_label), (right, b, right_label)):
        if number is None:
            raise Unresolved(f"{label} is {_show(value)}, not a number, cannot compare {op}")
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]  # type: ignore[operator]


_UNSEEN = re.compile("[\x7f-\x9f\u2028\u2029]")


def _show(value: Any) -> str:
    """A value for a failure detail: text in double quotes with its newlines and control
    characters escaped (``"OK\\n"``), cut at 40 characters, always through ``printable``."""
    if not isinstance(value, str):
        shown = printable(values.text(value), one_line=True)
        return shown if len(shown) <= _SHOWN_LENGTH else shown[:_SHOWN_LENGTH - 1] + "…"
    cut = value if len(value) <= _SHOWN_LENGTH else value[:_SHOWN_LENGTH - 1]
    escaped = _UNSEEN.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(cut, ensure_ascii=False)[1:-1])
    return '"' + printable(escaped) + ("…" if cut is not value else "") + '"'


# -- the parser ---------------------------------------------------------------------------------

_MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
Side = tuple[Token, Any]  # the side's first token, and what it is: an operand, a pattern, literals


class _Parser:
    def __init__(self, text: str, joins: bool = True) -> None:
        self.text = text
        self.tokens = tokenize(text, joins)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self, kind: str, expected: str) -> Token:
        token = self.token
        if token.kind != kind:
            found = "the end" if token.kind == "END" else repr(token.text or token.kind)
            raise ConditionError(f"expected {expected}, found {found}", self.text, token.column)
        self.index += 1
        return token

    def condition(self) -> Condition:
        if self.token.kind == "END":
            raise ConditionError("empty condition; expected e.g. [STATUS] == 200", self.text, 1)
        first = self.side()
        op = self.take("OP", "an operator (" + " ".join(OPERATORS) + ")").text
        second = self.side()
        self.take("END", "the end of the condition")
        if not isinstance(first[1], _SUBJECTS):
            if not isinstance(second[1], _SUBJECTS):
                raise ConditionError("compares two fixed values; one side needs a placeholder such as "
                                     "[STATUS] or [BODY].field", self.text, 1)
            first, second, op = second, first, _MIRRORED[op]
        return Condition(self.text, first[1], op, self.right_side(op, first[1], second))

    def side(self) -> Side:
        token = self.token
        if token.kind == "PLACEHOLDER":
            return token, self.path()
        if token.kind == "LITERAL":
            self.index += 1
            return token, token
        if token.kind != "FUNC":
            raise ConditionError("expected a placeholder, len(), has() or a value", self.text, token.column)
        self.index += 1
        if token.text == "pat":
            return token, Pattern.of(self.take("PATTERN", "a pattern").text)
        if token.text == "any":
            options = []
            while self.token.kind == "LITERAL":
                options.append(self.token)
                self.index += 1
            self.take("RPAREN", "a ) to close any(")
            return token, tuple(options)
        if self.token.kind != "PLACEHOLDER":
            raise ConditionError(f"{token.text}() takes a placeholder such as [BODY].items",
                                 self.text, self.token.column)
        path = self.path()
        self.take("RPAREN", f"a ) to close {token.text}(")
        return token, Len(path) if token.text == "len" else Has(path)

    def path(self) -> Path:
        name = self.take("PLACEHOLDER", "a placeholder").text
        steps: list[str | int] = []
        while self.token.kind in ("KEY", "INDEX"):
            token = self.token
            if name not in _WITH_STEPS:
                raise ConditionError(f"[{name}] has no fields; only [BODY], [RESULT] and [LABELS] do",
                                     self.text, token.column)
            steps.append(int(token.text) if token.kind == "INDEX" else token.text)
            self.index += 1
        return Path(name, tuple(steps))

    def right_side(self, op: str, left: Operand, side: Side) -> Operand | Pattern | AnyOf:
        token, value = side
        if isinstance(value, (Pattern, tuple)):
            if op not in ("==", "!="):
                raise ConditionError(f"{token.text}() works only with == and !=", self.text, token.column)
            return value if isinstance(value, Pattern) else AnyOf(tuple(self._value(op, left, t) for t in value))
        if isinstance(value, Token):
            return self._value(op, left, value)
        return value

    def _value(self, op: str, left: Operand, token: Token) -> Literal:
        """A literal; a number where it is compared as one (durations in milliseconds)."""
        timed = isinstance(left, Path) and left.placeholder in _TIME_PLACEHOLDERS
        number = values.duration_ms(token.text) if timed or op in _ORDERING else None
        if number is None and op in _ORDERING:
            number = values.measure(token.text)
            if number is None:
                raise ConditionError(f"{op} needs a number or a duration (such as 300 or 48h), "
                                     f"not {token.text!r}", self.text, token.column)
        return Literal(token.text, number, token.raw)


def parse(text: str) -> Condition:
    """Parse one condition, or raise :class:`ConditionError` pointing at the mistake."""
    if not isinstance(text, str):
        raise ConditionError("a condition must be text", repr(text), 1)
    return _Parser(text).condition()


def compile_all(conditions: Sequence[str], where: str, kind: str | None = None) -> tuple[Condition, ...]:
    """Parse a list of conditions. Every mistake in it is raised at once, as one
    :class:`ConditionError` whose ``problems`` each name ``where`` and the condition's position.

    Given the endpoint's ``kind``, a placeholder that kind never has (``[STATUS]`` on a tcp://
    endpoint) is a mistake too: the condition could never pass."""
    parsed, problems = [], []
    for number, text in enumerate(conditions, start=1):
        try:
            condition = parse(text)
        except ConditionError as exc:
            problems.append(exc.located(f"{where} #{number}"))
            continue
        for name in sorted(condition.placeholders):
            if kind is not None and kind not in PLACEHOLDER_KINDS[name]:
                column = text.upper().find(f"[{name}") + 1 or 1
                problems.append(ConditionError(str(_absent(name, f"[{name}]")), text, column,
                                               f"{where} #{number}"))
        parsed.append(condition)
    if problems:
        raise ConditionError.several(problems)
    return tuple(parsed)


def compile_endpoint(conditions: Sequence[str], degraded_when: Sequence[str], where: str,
                     kind: str | None = None) -> tuple[tuple[Condition, ...], tuple[Condition, ...]]:
    """An endpoint's two lists, compiled; every mistake of both raised at once."""
    compiled, problems = [], []
    for name, texts in (("conditions", conditions), ("degraded_when", degraded_when)):
        try:
            compiled.append(compile_all(texts, f"{where}, {name}", kind))
        except ConditionError as exc:
            problems += exc.problems
            compiled.append(())
    if problems:
        raise ConditionError.several(problems)
    return compiled[0], compiled[1]
