"""The official SDK (`kalshi_python_sync`) wired to a `Client`: its key, retry policy, timeout,
and errors. Imported only when a script asks for the SDK (the SDK costs ~0.4 s to import).

Everything the SDK raises becomes a KalshiError subclass here, so scripts catch `NotFound`,
`Conflict`, ... on both paths: HTTP error statuses by status (auth.client.sdk_error), urllib3
errors as NetworkError or Timeout, broken JSON and JSON the strict models reject as
InvalidResponse.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pydantic
import urllib3
from pydantic import ValidationError as ModelError
from urllib3.util.retry import Retry

from auth.client import RETRY_STATUSES, TIMEOUT, is_private, sdk_error
from auth.errors import InvalidResponse


@contextmanager
def _lazy_sdk_import() -> Iterator[None]:
    """While the SDK is imported, let pydantic build its validators on first use instead of at
    import. The SDK decorates ~200 methods with @validate_call and defines ~290 models; a script
    uses a handful. Lazy methods save ~0.3 s of CPU per script, deferred model builds
    (`defer_build`) another ~0.1 s. Validation is unchanged.

    Why this is safe (reviewed; tests/test_auth_client.py checks it in a fresh interpreter):
    the SDK's modules bind `validate_call` when they import it, and its models take their config
    from BaseModel's when their class is created, so only what is defined during this import is
    affected; both pydantic attributes are restored on the way out, even if the import fails.
    The real validator, with the same options, is built on a method's first call (a model's on
    its first validation) and then reused, so a bad argument or a bad answer is still refused,
    and before anything is sent. If the SDK is already imported, the import changes nothing.
    Two threads racing on a first call may build a validator twice, harmless."""
    real_call, real_config = pydantic.validate_call, pydantic.BaseModel.model_config

    def lazy(func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
        def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
            built: Callable[..., Any] | None = None

            @functools.wraps(f)
            def call(*args: Any, **kwargs: Any) -> Any:
                nonlocal built
                if built is None:
                    built = real_call(f, **options)
                return built(*args, **kwargs)

            return call

        return decorate if func is None else decorate(func)

    pydantic.validate_call = lazy
    pydantic.BaseModel.model_config = {**real_config, "defer_build": True}
    try:
        yield
    finally:
        pydantic.validate_call = real_call
        pydantic.BaseModel.model_config = real_config


with _lazy_sdk_import():
    import kalshi_python_sync

if TYPE_CHECKING:
    from auth.client import Client


class _Retry(Retry):
    """urllib3 retries with the raw path's rule: 429 for every method (nothing was processed),
    other statuses only for GET. Connect errors (never sent) are retried for every method."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code != 429 and method.upper() != "GET":
            return False
        return super().is_retry(method, status_code, has_retry_after)


class _Auth:
    """The SDK's KalshiAuth interface. Signs private calls with the client's signer, so missing
    credentials stop with ConfigError before anything is sent (never an unsigned request)."""

    def __init__(self, client: Client):
        self.client = client

    def create_auth_headers(self, method: str, url: str) -> dict[str, str]:
        path = urlparse(url).path if "://" in url else url.split("?", 1)[0]
        prefix = self.client.settings.rest_prefix
        relative = path[len(prefix) :] if path.startswith(prefix) else path
        if not is_private(method.upper(), relative) and not self.client.settings.has_credentials:
            return {}
        return self.client.signer.headers(method, path)


def build_sdk_client(client: Client) -> Any:
    policy = client.retry
    retries = _Retry(
        total=policy.attempts - 1,
        backoff_factor=policy.base_delay,
        backoff_max=policy.max_delay,
        backoff_jitter=policy.base_delay,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=None,  # every method; _Retry.is_retry narrows non-429 statuses to GET
        read=0,
        raise_on_status=False,
    )
    # The SDK types `retries` as int, but hands it to urllib3, which takes a Retry.
    config = kalshi_python_sync.Configuration(
        host=client.settings.rest_base,
        retries=retries,  # type: ignore[arg-type]
    )
    sdk = kalshi_python_sync.KalshiClient(config)
    sdk.kalshi_auth = _Auth(client)  # type: ignore[assignment]  # duck-types KalshiAuth
    send = sdk.rest_client.request

    def send_with_timeout(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        # The SDK has no default timeout: a silent server would hang it.
        kwargs["_request_timeout"] = kwargs.get("_request_timeout") or TIMEOUT
        try:
            return send(method, url, *args, **kwargs)
        except urllib3.exceptions.HTTPError as exc:  # read timeout, refused, reset
            reason = getattr(exc, "reason", None) or exc
            raise client.network_error(reason, method, urlparse(url).path) from None

    sdk.rest_client.request = send_with_timeout  # type: ignore[method-assign]
    deserialize = sdk.response_deserialize

    def _deserialize(response_data: Any, response_types_map: Any = None) -> Any:
        # The SDK parses only the documented status; live was seen answering 200 where the spec
        # says 201 (create order V2), and the SDK would then return None. Read both.
        types = response_types_map or {}
        if "201" in types and "200" not in types:
            types = {**types, "200": types["201"]}
        try:
            return deserialize(response_data, types)
        except kalshi_python_sync.ApiException as exc:  # an HTTP error status
            err = sdk_error(exc)
            assert err is not None  # every ApiException maps
            raise err from None
        except ModelError as exc:
            first = str(exc).splitlines()[0]
            raise InvalidResponse(
                response_data.status,
                "invalid_response",
                f"the official SDK's strict model rejected the answer ({first})",
                hint="the raw_get helper reads the same endpoint as plain JSON",
            ) from None
        except ValueError:  # json.JSONDecodeError: broken JSON
            shown = (response_data.data or b"")[:60].decode("utf-8", "replace")
            raise InvalidResponse(
                response_data.status,
                "invalid_response",
                f"the answer is not valid JSON: {shown!r}",
            ) from None

    sdk.response_deserialize = _deserialize  # type: ignore[method-assign]
    return sdk
