"""Record <-> JSON text for the journal's rows: every dataclass field, Decimals as strings.

Rows are written with msgspec (compiled per class: no Python call per field or per Decimal, about
a third of the stdlib encoder's cost) and read back into the dataclass by msgspec's typed decoder.
Journals written before msgspec hold the same JSON except for `PriceRange`s, stored as
`[start, end, step]` arrays rather than objects (and non-ASCII text as `\\u` escapes): a row the
typed decoder rejects is read by the field-by-field legacy decoder, so old data dirs still open
exactly; a row is rewritten in the new form the next time an operation changes it. A record
holding a lone surrogate (valid in JSON input, not in UTF-8) is written the legacy way too.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec

from sandbox.engine.models import Fill, PriceRange, Settlement, Trade
from sandbox.engine.operation import RECORDS

_ENCODE = msgspec.json.Encoder(decimal_format="string").encode


def _default(v):
    """The legacy (stdlib json) encoding of non-JSON values; kept for `legacy_encode`."""
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
        return lambda v: tuple(
            PriceRange(*(Decimal(x) for x in r))
            if isinstance(r, list)
            else PriceRange(Decimal(r["start"]), Decimal(r["end"]), Decimal(r["step"]))
            for r in v
        )
    if a == "list[tuple[int,Decimal]]":
        return lambda v: [(int(ts), Decimal(c)) for ts, c in v]
    return None


class Codec:
    """Dataclass <-> JSON text, with Decimal fields restored exactly."""

    def __init__(self, cls: type):
        self.cls = cls
        fields = dataclasses.fields(cls)
        self.names = {f.name for f in fields}
        self.conv = {f.name: c for f in fields if (c := _converter(str(f.type))) is not None}
        self._decode: Callable[[str | bytes], Any] | None = None

    def encode(self, obj) -> str:
        try:
            return _ENCODE(obj).decode()
        except UnicodeEncodeError:  # a lone surrogate (JSON "\ud800" from a client) is not
            return legacy_encode(obj)  # UTF-8: the stdlib writes it as an escape

    def decode(self, text: str | bytes):
        if self._decode is None:  # built on first use: a fresh start decodes nothing (~20 ms)
            self._decode = msgspec.json.Decoder(self.cls).decode
        try:
            return self._decode(text)
        except msgspec.DecodeError:  # the legacy encoding, or a lone surrogate's escape
            return self.legacy_decode(text)

    def legacy_decode(self, text: str | bytes):
        d = json.loads(text)
        for n, c in self.conv.items():
            if n in d:
                d[n] = c(d[n])
        return self.cls(**{k: v for k, v in d.items() if k in self.names})


def legacy_encode(obj) -> str:
    """A row as journals before msgspec wrote it (tests: old journals still open)."""
    plain = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    return json.dumps(plain, default=_default, separators=(",", ":"))


CODECS = {k: Codec(c) for k, c in RECORDS.items()}
HISTORY_CODECS = {"fill": Codec(Fill), "trade": Codec(Trade), "settlement": Codec(Settlement)}
FILL, TRADE, SETTLEMENT = (
    HISTORY_CODECS["fill"],
    HISTORY_CODECS["trade"],
    HISTORY_CODECS["settlement"],
)
