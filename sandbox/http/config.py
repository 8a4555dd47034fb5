"""Server settings: one frozen object shared by the CLI, `sandbox.build`, the app, its handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.activity.options import LiveOptions

TIERS = ("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige")


@dataclass(frozen=True)
class Config:
    data_dir: Path | None = Path(".sandbox")  # None: in memory, nothing persisted (tests, bench)
    port: int = 8765
    seed: int | None = None
    tier: str = "basic"
    latency_ms: int = 0
    strict_spec: bool = False  # False: reproduce the live API's nulls; True: exactly the spec
    activity: bool = True  # background market activity (simulator and lifecycle clock)
    legacy_announcements: bool = False  # serve the retired GET /exchange/announcements
    max_body_bytes: int = 1024 * 1024  # larger request bodies get 413
    record_requests: Path | None = None  # append every client request / WS frame here (JSONL)
    reset: bool = False  # wipe the data dir (once this process owns it) before opening it
    live: LiveOptions = field(default_factory=LiveOptions)  # WebSocket, activity, faults
