"""Record <-> JSON text for the journal's rows: every dataclass field, Decimals as strings."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from decimal import Decimal

from sandbox.engine.models import Fill, PriceRange, Settlement, Trade
from sandbox.engine.operation import RECORDS


def _default(v):
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, PriceRange):
        return [str(v.start), str(v.end), str(v.step)]
    raise TypeError(type(v))


def _converter(annotation: str) -> Callable | None:
    a = annotation.replace(" ", "")
    if a in ("Decimal", "Decimal|None"):
        return lambda v: None if v is None else Decimal(v)
    if a.startswith("tuple[PriceRange"):
        return lambda v: tuple(PriceRange(*(Decimal(x) for x in r)) for r in v)
    if a == "list[tuple[int,Decimal]]":
        return lambda v: [(int(ts), Decimal(c)) for ts, c in v]
    return None


def _field_expr(name: str, annotation: str) -> str:
    """Python expression giving field `name` of `o` in its JSON-ready form (the same text the
    `default=_default` hook would produce, without a Python callback per Decimal)."""
    a = annotation.replace(" ", "")
    v = f"o.{name}"
    if a == "Decimal":
        return f"str({v})"
    if a == "Decimal|None":
        return f"(None if {v} is None else str({v}))"
    return v  # anything else (incl. nested Decimals) goes through the encoder's default hook


# One encoder for every row (json.dumps with keyword arguments builds a new one per call).
_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"), check_circular=False)


class Codec:
    """Dataclass <-> JSON text, with Decimal fields restored exactly."""

    def __init__(self, cls: type):
        self.cls = cls
        fields = dataclasses.fields(cls)
        self.names = [f.name for f in fields]
        self.conv = {f.name: c for f in fields if (c := _converter(str(f.type))) is not None}
        # encode(obj) compiled once per class: a dict display of the fields, Decimals as str.
        items = ", ".join(f"{f.name!r}: {_field_expr(f.name, str(f.type))}" for f in fields)
        self._as_dict = eval(f"lambda o: {{{items}}}", {})  # field names only, no input
        self._encode = _ENCODER.encode

    def encode(self, obj) -> str:
        return self._encode(self._as_dict(obj))

    def decode(self, text: str):
        d = json.loads(text)
        for n, c in self.conv.items():
            if n in d:
                d[n] = c(d[n])
        return self.cls(**{k: v for k, v in d.items() if k in self.names})


CODECS = {k: Codec(c) for k, c in RECORDS.items()}
HISTORY_CODECS = {"fill": Codec(Fill), "trade": Codec(Trade), "settlement": Codec(Settlement)}
FILL, TRADE, SETTLEMENT = (
    HISTORY_CODECS["fill"],
    HISTORY_CODECS["trade"],
    HISTORY_CODECS["settlement"],
)
