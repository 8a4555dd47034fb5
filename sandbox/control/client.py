"""A small client of the control endpoints, for `python -m sandbox ctl` and `LocalExchange`.

Standard library only (urllib): importing it costs nothing, and the control plane is a handful
of calls per test, not a hot path. Errors come back as `ControlError` with the exchange's
message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

BASE = "/_sandbox/ctl"


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class ControlClient:
    def __init__(self, url: str, timeout: float = 30):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body, default=str).encode()
        req = urllib.request.Request(self.url + BASE + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ControlError(exc.code, _message(exc.read())) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ControlError(0, f"cannot reach the exchange at {self.url}: {reason}") from None

    # one method per control action (see sandbox.control.routes)

    def state(self) -> dict[str, Any]:
        return self.call("GET", "")

    def add_user(self, name: str, balance: Any = "1000", **options: Any) -> dict[str, Any]:
        return self.call("POST", "/users", {"name": name, "balance": str(balance), **options})

    def set_feeds(self, user: str, **feeds: bool) -> dict[str, Any]:
        return self.call("PUT", f"/users/{user}/feeds", feeds)

    def create_series(self, ticker: str, **fields: Any) -> dict[str, Any]:
        return self.call("POST", "/series", {"ticker": ticker, **fields})["series"]

    def create_event(self, event_ticker: str, series_ticker: str, **fields: Any) -> dict[str, Any]:
        body = {"event_ticker": event_ticker, "series_ticker": series_ticker, **fields}
        return self.call("POST", "/events", body)["event"]

    def create_market(self, ticker: str, event_ticker: str, **fields: Any) -> dict[str, Any]:
        body = {"ticker": ticker, "event_ticker": event_ticker, **fields}
        return self.call("POST", "/markets", body)["market"]

    def create_collection(
        self, collection_ticker: str, series_ticker: str, events: list[str], **fields: Any
    ) -> dict[str, Any]:
        body = {"collection_ticker": collection_ticker, "series_ticker": series_ticker}
        return self.call("POST", "/collections", body | {"events": events, **fields})[
            "multivariate_contract"
        ]

    def set_book(self, ticker: str, yes: Any = (), no: Any = ()) -> dict[str, Any]:
        body = {"yes": [[str(p), str(c)] for p, c in yes], "no": [[str(p), str(c)] for p, c in no]}
        return self.call("PUT", f"/markets/{ticker}/book", body)["market"]

    def move_price(self, ticker: str, price: Any) -> dict[str, Any]:
        return self.call("POST", f"/markets/{ticker}/price", {"price": str(price)})["market"]

    def market_action(
        self, ticker: str, action: str, result: str | None = None, settlement_value: Any = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if result is not None:
            body["result"] = result
        if settlement_value is not None:
            body["settlement_value"] = str(settlement_value)
        return self.call("POST", f"/markets/{ticker}/{action}", body)["market"]

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self.call("POST", "/clock", {"advance_seconds": seconds})

    def set_faults(self, **faults: float) -> dict[str, Any]:
        return self.call("PUT", "/faults", faults)

    def drop_ws(self) -> int:
        return self.call("POST", "/faults/ws-drop")["dropped"]

    def set_activity(self, **switches: bool) -> dict[str, Any]:
        return self.call("PUT", "/activity", switches)

    def reset(self, seed: int | None = None) -> dict[str, Any]:
        return self.call("POST", "/reset", {} if seed is None else {"seed": seed})


def _message(raw: bytes) -> str:
    try:
        err = json.loads(raw)["error"]
        return err.get("message") or err.get("code") or str(err)
    except (ValueError, KeyError, TypeError, AttributeError):
        return raw.decode(errors="replace")[:200] or "no message"
