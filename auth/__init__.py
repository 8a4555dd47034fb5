"""The one shared module of the Kalshi examples: environment, credentials, signing, HTTP.

Scripts `import auth` and call the functions below, which use one `Client` per process (two users
or two environments in one process: build two `auth.Client`s). Importing it is cheap: the
official SDK loads only in get_client(). Errors are typed by meaning (`auth.NotFound`, ...).
"""

from auth.cli import banner, guard_writes, parser, print_json, result, run, show_dry_run
from auth.client import (
    Client,
    build_ws_headers,
    get_client,
    raw_delete,
    raw_get,
    raw_post,
    raw_put,
)
from auth.config import settings
from auth.errors import (
    AuthError,
    ConfigError,
    Conflict,
    InvalidResponse,
    KalshiError,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
    ValidationError,
)

__all__ = [
    "AuthError",
    "Client",
    "ConfigError",
    "Conflict",
    "InvalidResponse",
    "KalshiError",
    "NetworkError",
    "NotFound",
    "RateLimited",
    "ServerError",
    "Timeout",
    "ValidationError",
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
