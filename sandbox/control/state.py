"""`Control`: the handles the control plane switches at run time (users' keys and tiers, the
exchange clock, faults, simulated activity), kept in app state under `CONTROL`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.activity.faults import Faults
from sandbox.activity.simulator import Simulator
from sandbox.activity.wiring import Background
from sandbox.control.actions import Clock
from sandbox.http import provision
from sandbox.http.config import Config
from sandbox.http.errors import ApiError
from sandbox.http.keys import SCOPES, KeyRegistry
from sandbox.http.ratelimit import RateLimiter
from sandbox.http.serialize import iso_ms
from sandbox.web.feed import Feed
from sandbox.ws.endpoint import WsServer

MAX_BALANCE = Decimal(10) ** 12  # as `python -m sandbox add-user`


@dataclass
class Control:
    config: Config
    exchange: Any
    keys: KeyRegistry
    limiter: RateLimiter
    faults: Faults
    simulator: Simulator
    background: Background
    ws: WsServer
    clock: Clock
    feed: Feed | None = None  # the web view's, told about a reset

    def state(self) -> dict[str, Any]:
        f = self.faults
        return {
            "seed": self.exchange.seed,
            "now": iso_ms(self.clock.now()),
            "clock_offset_ms": self.clock.offset_ms,
            "faults": {
                "http_429_rate": f.http_429_rate,
                "http_5xx_rate": f.http_5xx_rate,
                "latency_ms": f.latency_ms,
                "ws_drop_every": f.ws_drop_every,
                "seq_gap_rate": self.ws.hub.seq_gap_rate,
            },
            "activity": {
                "makers": self.simulator.makers and "simulator" in self.background.wanted,
                "traders": self.simulator.takers and "simulator" in self.background.wanted,
                "lifecycle": "lifecycle" in self.background.wanted,
            },
        }

    def add_user(
        self,
        name: str,
        balance: Decimal,
        *,
        tier: str | None = None,
        key_type: str = "rsa",
        read_only: bool = False,
        member_type: str = "regular",
    ) -> dict[str, Any]:
        """A new user with `balance` dollars and an API key; with a data dir the private key
        is written to keys/NAME.pem (its path is returned), in memory its PEM is returned."""
        if balance > MAX_BALANCE or balance != balance.quantize(Decimal("0.01")):
            raise ApiError(400, "invalid_parameters", "balance: whole cents up to 10^12 dollars")
        with self.exchange.operation():  # the user and its tier (journaled), or nothing
            out = self._create_user(name, balance, key_type, read_only, member_type)
            if tier is not None:
                self.exchange.set_tier(name, tier)
        if tier is not None:
            self.limiter.set_tier(name, tier)
        out["tier"] = self.limiter.tier_of(name)
        if self.feed is not None:  # open web views list the new user
            self.feed.changed("directory")
        return out

    def _create_user(
        self, name: str, balance: Decimal, key_type: str, read_only: bool, member_type: str
    ) -> dict[str, Any]:
        data_dir = self.config.data_dir
        out: dict[str, Any] = {
            "user_id": name,
            "balance": f"{balance:.2f}",
            "member_type": member_type,
            "tier": None,
        }
        if data_dir is not None:
            creds = provision.add_user(
                self.exchange,
                self.keys,
                Path(data_dir),
                name,
                balance,
                key_type=key_type,
                read_only=read_only,
                member_type=member_type,
            )
            out |= {"api_key_id": creds.api_key_id, "private_key_path": str(creds.pem_path)}
        else:
            if not provision.USER_NAME.fullmatch(name):
                raise ApiError(400, "invalid_parameters", "user names: 1-64 of A-Z a-z 0-9 _ . -")
            if self.exchange.has_user(name):
                raise ApiError(409, "user_already_exists", f"user {name} already exists")
            self.exchange.add_user(name, balance, member_type)
            scopes = ("read",) if read_only else SCOPES
            key, pem = self.keys.generate(name, f"{name}-{key_type}", key_type, scopes)
            out |= {"api_key_id": key.api_key_id, "private_key_pem": pem}
        return out

    def set_faults(self, changes: dict[str, float]) -> None:
        f = self.faults
        f.http_429_rate = changes.get("http_429_rate", f.http_429_rate)
        f.http_5xx_rate = changes.get("http_5xx_rate", f.http_5xx_rate)
        if "seq_gap_rate" in changes:
            self.ws.hub.seq_gap_rate = changes["seq_gap_rate"]
        if "latency_ms" in changes:
            f.latency_ms = int(changes["latency_ms"])
            total = self.config.latency_ms + f.latency_ms
            self.ws.latency_ms = total  # new connections
            for conn in self.ws.connections:  # and the open ones, from their next frame
                conn.latency = total / 1000
        if "ws_drop_every" in changes:
            f.ws_drop_every = changes["ws_drop_every"]
            self.background.switch("ws_drops", False)  # restart: the new period applies now
            self.background.switch("ws_drops", f.ws_drop_every > 0)

    def set_activity(
        self,
        makers: bool | None = None,
        traders: bool | None = None,
        lifecycle: bool | None = None,
    ) -> None:
        sim = self.simulator
        running = "simulator" in self.background.wanted
        sim.makers = (sim.makers and running) if makers is None else makers
        sim.takers = (sim.takers and running) if traders is None else traders
        if (sim.makers or sim.takers) and sim.rate <= 0:
            sim.rate = 1.0  # started with --activity-rate 0: switching on means the default pace
        self.background.switch("simulator", sim.makers or sim.takers)
        if lifecycle is not None:
            self.background.switch("lifecycle", lifecycle)


CONTROL = web.AppKey("control", Control)
