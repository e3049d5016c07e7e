"""JSON for scripts, printed by ``--json`` and ``report --format json``: always valid JSON.

Times are UTC with milliseconds, as in the session file; numbers that JSON cannot hold (NaN,
infinities, which a hand-edited session may contain) become the strings ``"nan"``, ``"inf"`` and
``"-inf"``; and everything outside ASCII is written as ``\\uXXXX``, so the data stays exact while
no control, invisible or text-direction character reaches a terminal the output is printed on.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

from cockpit.tomlfmt import toml_datetime


def dumps(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(_finite(value), default=_default, indent=indent, ensure_ascii=True,
                      allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return toml_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return _finite(value.model_dump(mode="json", by_alias=True))
    return str(value)
