"""The one shared module of the Kalshi examples: environment, credentials, signing, HTTP.

Scripts import from here; importing it is cheap (the official SDK loads only in get_client()).
"""

from auth.cli import banner, guard_writes, parser, print_json, result, run, show_dry_run
from auth.client import (
    build_ws_headers,
    get_client,
    raw_delete,
    raw_get,
    raw_post,
    raw_put,
)
from auth.config import settings
from auth.errors import ConfigError, KalshiError

__all__ = [
    "ConfigError",
    "KalshiError",
    "banner",
    "build_ws_headers",
    "get_client",
    "guard_writes",
    "parser",
    "print_json",
    "raw_delete",
    "raw_get",
    "raw_post",
    "raw_put",
    "result",
    "run",
    "settings",
    "show_dry_run",
]
