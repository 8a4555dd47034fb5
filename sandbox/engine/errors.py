"""The one exception the engine raises for anything a client did wrong."""

from __future__ import annotations


class EngineError(Exception):
    """A rejected request: HTTP status, Kalshi error code, message, optional details.

    The HTTP layer turns it into Kalshi's error body as is, so codes follow Kalshi's spelling.
    """

    def __init__(self, status: int, code: str, message: str, details: str | None = None):
        super().__init__(f"{status} {code}: {message}" + (f" ({details})" if details else ""))
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def not_found(what: str) -> EngineError:
    return EngineError(404, "not_found", f"{what} not found")


def invalid(message: str, details: str | None = None, code: str = "invalid_order") -> EngineError:
    return EngineError(400, code, message, details)
