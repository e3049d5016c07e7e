"""The condition language of health checks, compatible with Gatus
(docs/configuration.md, "Conditions").

A condition compares two operands: ``[STATUS] == 200``, ``[BODY].data[0].status == up``,
``len([BODY].items) > 0``, ``has([BODY].errors) == false``, ``[BODY].name == pat(web-*)``,
``[STATUS] == any(200, 204)``, ``[RESPONSE_TIME] < 300`` (milliseconds),
``[CERTIFICATE_EXPIRATION] > 48h`` (durations on the right become milliseconds).

As in Gatus, a right-hand value is bare text up to the end (``[BODY].msg == all good``); double
quotes around it are optional. Two deliberate differences: a transport error fails the check
whatever the conditions say (they are only judged against a response, so ``[CONNECTED]`` is
true whenever it is judged), and an operand that cannot be resolved (a missing JSON field, a
body that is not JSON) fails its condition and says which operand, where Gatus would quietly
compare against 0.

Conditions are tokenized and parsed once per endpoint into a small tree (never ``eval``); a
mistake raises :class:`ConditionError` pointing at the column with a caret line.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cockpit.domain.durations import parse_duration
from cockpit.text import printable

PLACEHOLDERS = ("STATUS", "RESPONSE_TIME", "BODY", "CONNECTED", "CERTIFICATE_EXPIRATION")
OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_ORDERING = ("<", "<=", ">", ">=")
_TIME_PLACEHOLDERS = ("RESPONSE_TIME", "CERTIFICATE_EXPIRATION")
_OPERATOR_CHARS = "=!<>"
_FUNCTIONS = ("len", "has", "pat", "any")
_FUNCTION = re.compile(r"([A-Za-z_]+)\(")
_KEY = re.compile(r"[^.\[\]\s()=!<>,]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class ConditionError(ValueError):
    """A condition that cannot be parsed; ``str()`` shows the text with a caret under the column."""

    def __init__(self, message: str, text: str, column: int, where: str = "") -> None:
        self.message, self.text, self.column, self.where = message, text, column, where
        shown = "".join(char if char.isprintable() else "?" for char in text)  # keeps the columns
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{message} (column {column})\n    {shown}\n    {' ' * (column - 1)}^")

    def located(self, where: str) -> ConditionError:
        """The same error, naming where the condition comes from (endpoint, list, index)."""
        return ConditionError(self.message, self.text, self.column, where)


# -- what a condition is evaluated against ------------------------------------------------------


class Observation(Protocol):
    """What one check saw of a response; ``cockpit.health.probe`` fills it in."""

    status: int | None
    total_ms: float | None
    connected: bool
    certificate_expiration_ms: float | None

    def body_text(self) -> str: ...

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


class _Tokenizer:
    """Splits a condition into tokens. After the operator, bare text is one literal to the end."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[Token] = []

    def error(self, message: str, pos: int | None = None) -> ConditionError:
        return ConditionError(message, self.text, (self.pos if pos is None else pos) + 1)

    def run(self) -> list[Token]:
        for joiner in ("&&", "||"):  # else the rest would silently become one literal that never matches
            if joiner in self.text:
                raise self.error(f"{joiner} cannot join conditions: list each condition separately"
                                 " (all of them must pass)", self.text.index(joiner))
        right = False
        depth = 0
        while True:
            self._skip_space()
            if self.pos >= len(self.text):
                self.tokens.append(Token("END", "", self.pos + 1))
                return self.tokens
            char = self.text[self.pos]
            if char == "[" and self._at_operand_start():
                self._placeholder()
            elif self._function_ahead(right):
                name = self._function()
                if name == "pat":
                    if not right:
                        raise self.error("pat() belongs on the right of == or !=", self.tokens[-1].column - 1)
                    self._pattern()
                    continue
                depth += 1
                if name == "any":
                    if not right:
                        raise self.error("any() belongs on the right of == or !=", self.tokens[-1].column - 1)
                    self._any_items()
                    depth -= 1
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
            elif right and depth == 0:
                self._rest_literal()
            else:
                self._word()

    def _emit(self, kind: str, text: str, length: int) -> None:
        self.tokens.append(Token(kind, text, self.pos + 1))
        self.pos += length

    def _skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _at_operand_start(self) -> bool:
        return not self.tokens or self.tokens[-1].kind in ("OP", "FUNC")

    def _placeholder(self) -> None:
        end = self.text.find("]", self.pos)
        if end < 0:
            raise self.error("unclosed [ (expected e.g. [STATUS])")
        name = self.text[self.pos + 1:end]
        if name not in PLACEHOLDERS:
            hint = f"; did you mean [{name.upper()}]?" if name.upper() in PLACEHOLDERS else ""
            raise self.error(f"unknown placeholder [{name}]; known: "
                             + ", ".join(f"[{p}]" for p in PLACEHOLDERS) + hint)
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
            raise self.error(f"unknown function {name}(); known: len(), has(), pat(), any()")
        self._emit("FUNC", name, len(name) + 1)
        return name

    def _pattern(self) -> None:
        close = self.text.rfind(")")
        if close < self.pos:
            raise self.error("pat( is not closed with )")
        if self.text[close + 1:].strip():
            raise self.error("unexpected text after pat(...)", close + 1)
        self._emit("PATTERN", self.text[self.pos:close], close + 1 - self.pos)

    def _any_items(self) -> None:
        close = self.text.rfind(")")
        if close < self.pos:
            raise self.error("any( is not closed with )")
        if self.text[close + 1:].strip():
            raise self.error("unexpected text after any(...)", close + 1)
        for item in self.text[self.pos:close].split(","):
            start = self.pos + len(item) - len(item.lstrip())
            value = _unquote(item.strip())
            if not value:
                raise self.error("empty value in any(...)", start)
            self.tokens.append(Token("LITERAL", value, start + 1))
            self.pos += len(item) + 1
        self.pos = close
        self._emit("RPAREN", ")", 1)

    def _rest_literal(self) -> None:
        value = self.text[self.pos:].rstrip()
        for op in OPERATORS:
            if value.startswith(op):
                raise self.error(f"a second operator {op}; to compare with text that starts with "
                                 f"{op[0]!r}, put it in double quotes")
        self._emit("LITERAL", _unquote(value), len(self.text) - self.pos)

    def _word(self) -> None:
        start = self.pos
        while (self.pos < len(self.text) and not self.text[self.pos].isspace()
               and self.text[self.pos] not in _OPERATOR_CHARS + "(),"):
            self.pos += 1
        if self.pos == start:
            raise self.error(f"unexpected {self.text[start]!r}")
        self.tokens.append(Token("LITERAL", self.text[start:self.pos], start + 1))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def tokenize(text: str) -> list[Token]:
    return _Tokenizer(text).run()


# -- the tree -----------------------------------------------------------------------------------


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
        if self.placeholder == "STATUS":
            return _known(seen.status, self.label, "no HTTP status")
        if self.placeholder == "RESPONSE_TIME":
            return _known(seen.total_ms, self.label, "no response")
        if self.placeholder == "CONNECTED":
            return seen.connected
        if self.placeholder == "CERTIFICATE_EXPIRATION":
            return _known(seen.certificate_expiration_ms, self.label, "no TLS certificate (not https)")
        if not self.steps:
            return seen.body_text()
        ok, value, why_not = seen.body_json()
        if not ok:
            raise Unresolved(f"{self.label}: {why_not}")
        for step in self.steps:
            if isinstance(step, int):
                if not isinstance(value, list) or step >= len(value):
                    raise Unresolved(f"{self.label}: missing")
            elif not isinstance(value, dict) or step not in value:
                raise Unresolved(f"{self.label}: missing")
            value = value[step]
        return value


def _known(value: Any, label: str, why_not: str) -> Any:
    if value is None:
        raise Unresolved(f"{label}: {why_not}")
    return value


@dataclass(frozen=True, slots=True)
class Literal:
    text: str
    number: float | None

    @property
    def label(self) -> str:
        return self.text

    def resolve(self, seen: Observation) -> Any:
        return self.text if self.number is None else self.number


@dataclass(frozen=True, slots=True)
class Len:
    """As in Gatus: an array's length, a string's length, else the length of the minified JSON."""

    path: Path

    @property
    def label(self) -> str:
        return f"len({self.path.label})"

    def resolve(self, seen: Observation) -> Any:
        if self.path.placeholder == "BODY" and not self.path.steps:
            ok, value, _ = seen.body_json()
            if not ok:
                return len(seen.body_text())
        else:
            value = self.path.resolve(seen)
        if isinstance(value, (str, list)):
            return len(value)
        return len(_text(value))


@dataclass(frozen=True, slots=True)
class Has:
    path: Path

    @property
    def label(self) -> str:
        return f"has({self.path.label})"

    def resolve(self, seen: Observation) -> Any:
        try:
            self.path.resolve(seen)
        except Unresolved:
            return False
        return True


Operand = Path | Literal | Len | Has


@dataclass(frozen=True, slots=True)
class Pattern:
    glob: str

    @property
    def label(self) -> str:
        return f"pat({self.glob})"


@dataclass(frozen=True, slots=True)
class AnyOf:
    options: tuple[Literal, ...]

    @property
    def label(self) -> str:
        return "any(" + ", ".join(o.text for o in self.options) + ")"


@dataclass(frozen=True, slots=True)
class Condition:
    """One parsed condition; :meth:`evaluate` never raises for any observation."""

    source: str
    left: Operand
    op: str
    right: Operand | Pattern | AnyOf

    def evaluate(self, seen: Observation) -> Verdict:
        try:
            left = self.left.resolve(seen)
            if isinstance(self.right, Pattern):
                matched = fnmatch.fnmatchcase(_text(left), self.right.glob)
                passed = matched if self.op == "==" else not matched
            elif isinstance(self.right, AnyOf):
                matched = any(_equal(left, o.resolve(seen)) for o in self.right.options)
                passed = matched if self.op == "==" else not matched
            else:
                passed = _compare(left, self.op, self.right.resolve(seen), self.right.label)
        except Unresolved as missing:
            return Verdict(False, str(missing))
        if passed:
            return Verdict(True)
        return Verdict(False, self._describe_failure(left))

    def _describe_failure(self, left: Any) -> str:
        if isinstance(self.left, Path) and self.left.placeholder == "STATUS" and not self.left.steps:
            return f"status {left}"
        if isinstance(self.left, Path) and self.left.placeholder == "RESPONSE_TIME":
            return f"response time {left:.0f} ms, wanted {self.op} {self.right.label}"
        return f"{self.left.label} is {_show(left)}, wanted {self.op} {self.right.label}"


def _text(value: Any) -> str:
    """A value as Gatus compares it: strings as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value)
    return None


def _equal(left: Any, right: Any) -> bool:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return _text(left) == _text(right)


def _compare(left: Any, op: str, right: Any, right_label: str) -> bool:
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    a, b = _number(left), _number(right)
    if a is None:
        raise Unresolved(f"{_show(left)} is not a number, cannot compare {op} {right_label}")
    if b is None:
        raise Unresolved(f"{_show(right)} is not a number, cannot compare {op}")
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _show(value: Any) -> str:
    shown = printable(_text(value), one_line=True)
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    return repr(shown) if isinstance(value, str) else shown


# -- the parser ---------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
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
        left = self.operand()
        op_token = self.take("OP", "an operator (" + " ".join(OPERATORS) + ")")
        op = op_token.text
        right = self.right_side(op, left)
        self.take("END", "the end of the condition")
        if not isinstance(left, (Path, Len, Has)) and not isinstance(right, (Path, Len, Has)):
            raise ConditionError("compares two fixed values; one side needs a placeholder such as "
                                 "[STATUS] or [BODY].field", self.text, 1)
        return Condition(self.text, left, op, right)

    def operand(self) -> Operand:
        token = self.token
        if token.kind == "PLACEHOLDER":
            return self.path()
        if token.kind == "FUNC" and token.text in ("len", "has"):
            self.index += 1
            if self.token.kind != "PLACEHOLDER":
                raise ConditionError(f"{token.text}() takes a placeholder such as [BODY].items",
                                     self.text, self.token.column)
            path = self.path()
            self.take("RPAREN", f"a ) to close {token.text}(")
            return Len(path) if token.text == "len" else Has(path)
        if token.kind == "LITERAL":
            self.index += 1
            return Literal(token.text, _number(token.text))
        raise ConditionError("expected a placeholder, len(), has() or a value", self.text, token.column)

    def path(self) -> Path:
        name = self.take("PLACEHOLDER", "a placeholder").text
        steps: list[str | int] = []
        while self.token.kind in ("KEY", "INDEX"):
            token = self.token
            if name != "BODY":
                raise ConditionError(f"[{name}] has no fields; only [BODY] does", self.text, token.column)
            steps.append(int(token.text) if token.kind == "INDEX" else token.text)
            self.index += 1
        return Path(name, tuple(steps))

    def right_side(self, op: str, left: Operand) -> Operand | Pattern | AnyOf:
        token = self.token
        if token.kind == "FUNC" and token.text in ("pat", "any"):
            if op not in ("==", "!="):
                raise ConditionError(f"{token.text}() works only with == and !=", self.text, token.column)
            self.index += 1
            if token.text == "pat":
                return Pattern(self.take("PATTERN", "a pattern").text)
            options = []
            while self.token.kind == "LITERAL":
                options.append(self._value(op, left, self.token))
                self.index += 1
            self.take("RPAREN", "a ) to close any(")
            return AnyOf(tuple(options))
        if token.kind == "LITERAL":
            self.index += 1
            return self._value(op, left, token)
        return self.operand()

    def _value(self, op: str, left: Operand, token: Token) -> Literal:
        """A literal, as a number when it is one (durations count as milliseconds for times)."""
        number = _number(token.text)
        timed = isinstance(left, Path) and left.placeholder in _TIME_PLACEHOLDERS
        if number is None and (timed or op in _ORDERING):
            try:
                number = parse_duration(token.text).total_seconds() * 1000
            except ValueError:
                number = None
        if number is None and op in _ORDERING:
            raise ConditionError(f"{op} needs a number or a duration (such as 300 or 48h), "
                                 f"not {token.text!r}", self.text, token.column)
        return Literal(token.text, number)


def parse(text: str) -> Condition:
    """Parse one condition, or raise :class:`ConditionError` pointing at the mistake."""
    if not isinstance(text, str):
        raise ConditionError("a condition must be text", repr(text), 1)
    return _Parser(text).condition()


def compile_all(conditions: Sequence[str], where: str) -> tuple[Condition, ...]:
    """Parse a list of conditions; an error names ``where`` and the condition's position."""
    parsed = []
    for number, text in enumerate(conditions, start=1):
        try:
            parsed.append(parse(text))
        except ConditionError as exc:
            raise exc.located(f"{where} #{number}") from None
    return tuple(parsed)
