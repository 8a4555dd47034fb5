"""Server settings, one frozen object shared by the CLI, the app and its handlers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIERS = ("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige")


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path(".sandbox")
    port: int = 8765
    seed: int | None = None
    tier: str = "basic"
    latency_ms: int = 0
    strict_spec: bool = False  # False: reproduce the live API's nulls; True: exactly the spec
    activity: bool = True  # background market activity (helper F's simulator)
    legacy_announcements: bool = False  # serve the retired GET /exchange/announcements
    max_body_bytes: int = 1024 * 1024  # larger request bodies get 413
    record_requests: Path | None = None  # append every client request / WS frame here (JSONL)
    live: Any = None  # sandbox.activity.options.LiveOptions (WebSocket, activity, faults)
