"""Check recorded client requests against Kalshi's official OpenAPI / AsyncAPI specs.

Used by tests/test_spec_conformance.py. Each `check_*` function returns a list of findings
(human-readable strings); an empty list means the request is what the spec allows.

Strictness beyond plain schema validation, on purpose: an object schema that lists its
`properties` accepts no others (a field the spec does not know is a finding, even though the
spec does not say `additionalProperties: false`), and a query parameter may only be repeated
when the spec declares it as an array.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import yaml

# Kalshi's official specs, vendored in the repository (specs/README.md: source, version, sha256).
SPECS = Path(__file__).resolve().parent.parent / "specs"
OPENAPI = SPECS / "kalshi-openapi.yaml"
ASYNCAPI = SPECS / "kalshi-asyncapi.yaml"

API_PREFIX = "/trade-api/v2"
METHODS = ("get", "post", "put", "delete", "patch")
_DROP = {"example", "examples", "description", "discriminator", "externalDocs", "xml"}


def load(path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def to_json_schema(node: Any, in_allof: bool = False) -> Any:
    """An OpenAPI 3.0 / AsyncAPI schema as JSON Schema 2020-12: `nullable` becomes a null type,
    `$ref`s are kept (they resolve against the converted document), and objects with
    `properties` get `additionalProperties: false` (except as an `allOf` member)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _DROP or key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        elif key == "allOf":
            out[key] = [to_json_schema(sub, in_allof=True) for sub in value]
        else:
            out[key] = to_json_schema(value)
    if "properties" in out and "additionalProperties" not in out and not in_allof:
        out["additionalProperties"] = False
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


class SchemaSet:
    """Validates instances against schemas of one spec document, `$ref`s resolved in it."""

    def __init__(self, document: dict[str, Any]):
        self.raw = document
        schemas = document.get("components", {}).get("schemas", {})
        self.components = {"schemas": {name: to_json_schema(s) for name, s in schemas.items()}}

    def lookup(self, ref: str) -> Any:
        node: Any = self.raw
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def resolve(self, node: Any) -> Any:
        """The node itself, or what its `$ref` points to (raw spec, followed to the end)."""
        while isinstance(node, dict) and "$ref" in node:
            node = self.lookup(node["$ref"])
        return node

    def errors(self, schema: Any, instance: Any) -> list[str]:
        """What is wrong with `instance` (one line per error); empty when it is valid."""
        root = {**to_json_schema(schema), "components": self.components}
        validator = jsonschema.Draft202012Validator(root)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]


# ---- REST --------------------------------------------------------------------------------------


@dataclass
class Operation:
    method: str
    template: str  # e.g. /markets/{ticker}
    spec: dict[str, Any]
    regex: re.Pattern = field(repr=False)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


class OpenApi:
    def __init__(self, path):
        self.doc = load(path)
        self.schemas = SchemaSet(self.doc)
        self.operations: list[Operation] = []
        for template, item in self.doc["paths"].items():
            shared = item.get("parameters", [])
            regex = re.compile("^" + re.sub(r"\{[^/}]+\}", "([^/]+)", template) + "$")
            for method in METHODS:
                if method in item:
                    op = {**item[method], "parameters": shared + item[method].get("parameters", [])}
                    self.operations.append(Operation(method.upper(), template, op, regex))
        # Literal paths before templated ones: /markets/orderbooks is not /markets/{ticker}.
        self.operations.sort(key=lambda op: op.template.count("{"))

    def match(self, method: str, path: str) -> tuple[Operation | None, list[str]]:
        """The operation for a path below /trade-api/v2, and the path parameter values."""
        templates = []
        for op in self.operations:
            found = op.regex.match(path)
            if found and op.method == method:
                return op, [unquote(v) for v in found.groups()]
            if found:
                templates.append(op.key)
        return None, templates

    def check_rest(self, method: str, raw_path: str, query: Iterable, body: Any) -> list[str]:
        where = f"{method} {raw_path}"
        if not raw_path.startswith(API_PREFIX + "/"):
            return [f"{where}: not below {API_PREFIX}"]
        op, values = self.match(method, raw_path[len(API_PREFIX) :])
        if op is None:
            other = f" (the spec has {', '.join(values)})" if values else ""
            return [f"{where}: no such operation in the spec{other}"]
        where = f"{op.key} ({raw_path})"
        params = [self.schemas.resolve(p) for p in op.spec["parameters"]]
        findings = []
        path_values = dict(zip(re.findall(r"\{([^/}]+)\}", op.template), values, strict=True))
        for param in params:
            if param["in"] == "path":
                findings += self._check_param(where, param, [path_values[param["name"]]])
        given: dict[str, list[str]] = {}
        for name, value in query:
            given.setdefault(name, []).append(value)
        declared = {p["name"]: p for p in params if p["in"] == "query"}
        for name, vals in given.items():
            if name not in declared:
                findings.append(f"{where}: query parameter {name!r} is not in the spec")
            else:
                findings += self._check_param(where, declared[name], vals)
        for name, param in declared.items():
            if param.get("required") and name not in given:
                findings.append(f"{where}: required query parameter {name!r} missing")
        findings += self._check_body(where, op, body)
        return findings

    def _check_param(self, where: str, param: dict[str, Any], values: list[str]) -> list[str]:
        name, schema = param["name"], self.schemas.resolve(param.get("schema", {}))
        if schema.get("type") == "array":
            if any("," in v for v in values):  # style form, explode: one key per item
                return [f"{where}: {name!r} is an array: repeat the key, do not join with commas"]
            item_type = self.schemas.resolve(schema.get("items", {})).get("type")
            instance: Any = [_coerce(v, item_type) for v in values]
        elif len(values) > 1:
            return [f"{where}: {name!r} repeated, but the spec wants one value (comma-separated)"]
        else:
            instance = _coerce(values[0], schema.get("type"))
        return [f"{where}: {name}={values}: {e}" for e in self.schemas.errors(schema, instance)]

    def _check_body(self, where: str, op: Operation, body: Any) -> list[str]:
        request_body = self.schemas.resolve(op.spec.get("requestBody"))
        if request_body is None:
            return [] if body is None else [f"{where}: sends a body, the spec declares none"]
        if body is None:
            return [f"{where}: request body required"] if request_body.get("required") else []
        schema = request_body["content"]["application/json"]["schema"]
        return [f"{where}: body {e}" for e in self.schemas.errors(schema, body)]


def _coerce(text: str, json_type: str | None) -> Any:
    """A query string value as the JSON type the spec declares (left as text when it is not)."""
    try:
        if json_type == "integer":
            return int(text)
        if json_type == "number":
            return float(text)
    except ValueError:
        return text
    if json_type == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


# ---- WebSocket ---------------------------------------------------------------------------------

# cmd -> command payload schemas (components/schemas of the AsyncAPI) a command may match.
WS_COMMANDS = {
    "subscribe": ("subscribeCommandPayload",),
    "unsubscribe": ("unsubscribeCommandPayload",),
    "list_subscriptions": ("listSubscriptionsCommandPayload",),
    "update_subscription": (
        "updateSubscriptionCommandPayload",
        "cfbenchmarksUpdateSubscriptionCommandPayload",
        "pythUpdateSubscriptionCommandPayload",
    ),
}
# Mutually exclusive parameters, stated in the spec's descriptions rather than its schemas.
WS_EXCLUSIVE = {
    "subscribe": ("market_ticker", "market_tickers", "market_id", "market_ids"),
    "update_subscription": ("sid", "sids"),
}


class AsyncApi:
    def __init__(self, path):
        self.doc = load(path)
        self.schemas = SchemaSet(self.doc)

    def check_ws(self, cmd: Any) -> list[str]:
        where = f"WebSocket command {cmd}"
        name = cmd.get("cmd") if isinstance(cmd, dict) else None
        if name not in WS_COMMANDS:
            return [f"{where}: unknown cmd {name!r}"]
        variants = [
            self.schemas.errors({"$ref": f"#/components/schemas/{s}"}, cmd)
            for s in WS_COMMANDS[name]
        ]
        findings = [] if any(not v for v in variants) else [f"{where}: {e}" for e in variants[0]]
        params = cmd.get("params") or {}
        both = [p for p in WS_EXCLUSIVE.get(name, ()) if p in params]
        if len(both) > 1:
            findings.append(f"{where}: {' and '.join(both)} are mutually exclusive")
        if name == "update_subscription" and not both:
            findings.append(f"{where}: needs sid or sids")
        return findings
