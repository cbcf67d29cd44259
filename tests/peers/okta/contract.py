"""The contract check: every call the fake receives, and every answer it sends, is checked
against Okta's published management API description (Swagger 2.0, npm `@okta/openapi`),
installed by scripts/install-peers as `.peers/okta/spec.json` (README.md beside this file).

A call is matched to an operation by HTTP method and path (`basePath` + the path key, `{name}`
one segment; of several matches the one with the most literal characters wins; a path key that
carries a fixed query, such as `?tempPassword=true`, matches only calls with that query). Then:

- path parameters non-empty and of their type; query parameters declared by the operation,
  given once, the `required` ones present, each of its type (`integer` within `int32`,
  `boolean` as `true`/`false`) and enum;
- a body exactly when the operation has an `in: body` parameter: `application/json`, JSON,
  valid against its schema (types, formats, enums, `required`; `readOnly` properties and
  properties the schema does not declare are refused unless it has `additionalProperties` or
  is `x-okta-extensible`);
- the answer: its status is one the operation lists (2xx), and its body is valid against the
  listed schema (undeclared properties and nulls refused, as above; a subtype is chosen by the
  `x-openapi-v3-discriminator` and inherits its `x-okta-parent`), or absent when none is
  listed. An error answer has Okta's error shape (our rule: the description lists none).

It only reports: it never changes a call or an answer. Messages name the operationId, the HTTP
method and path template, and the place inside the call; never a header value.
"""

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl

from common.checks import Template, Values, pick

# Okta's description: int32 integers, no patterns checked.
VALUES = Values(ranges={"int32": (-2**31, 2**31 - 1)})
ERROR_KEYS = {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}


class StaleDescription(Exception):
    """The description is missing or unreadable."""


class Operation:
    """One operation of the description: where it is served and what it takes and answers."""

    def __init__(self, spec, base, key, http, op, shared):
        self.spec = spec
        self.id = op.get("operationId") or f"{http} {key}"
        self.http = http.upper()
        path, _, fixed = key.partition("?")
        self.path = Template((base.rstrip("/") + path) or "/")
        self.template = self.path.text
        self.fixed = parse_qsl(fixed)
        self.tags = op.get("tags", [])
        params = {(p["in"], p["name"]): p for p in shared + op.get("parameters", [])}
        self.params = {name: p for (where, name), p in params.items() if where != "body"}
        self.body = next((p for (where, _), p in params.items() if where == "body"), None)
        self.responses = op.get("responses", {})

    def where(self):
        return f"{self.id} ({self.http} {self.template})"

    def match(self, path, query):
        """The path parameters when the call has this operation's path and fixed query."""
        if any(pair not in query for pair in self.fixed):
            return None
        return self.path.match(path)

    def rank(self):
        """Of several operations matching a call, the one ranking highest serves it."""
        return self.path.literals, len(self.fixed)


class Contract:
    """The loaded description and the checks made with it."""

    def __init__(self, path):
        try:
            self.spec = json.loads(Path(path).read_bytes())
        except (OSError, ValueError) as e:
            raise StaleDescription(f"{path}: {e}; run scripts/install-peers") from None
        base = self.spec.get("basePath", "/")
        self.operations = [
            Operation(self.spec, base, key, http, op, item.get("parameters", []))
            for key, item in self.spec["paths"].items()
            for http, op in item.items() if http != "parameters"]
        self.by_id = {op.id: op for op in self.operations}

    def find(self, http, path, query=()):
        """(operation, path parameters) for a call, or (None, problem)."""
        query = list(query)
        matches = [(o, p) for o in self.operations for p in [o.match(path, query)]
                   if p is not None]
        return pick(matches, http, path, "no operation of the description has this path")

    def check_request(self, call):
        """(operation or None, problems) for a call."""
        found, problem = self.find(call.method, call.path, call.query)
        if found is None:
            return None, [problem]
        op, path_params = found
        where = op.where()
        problems = VALUES.path(op.params, path_params, where)
        problems += _query(op, call.query, where)
        problems += self._body(op, call, where)
        return op, problems

    def _body(self, op, call, where):
        if op.body is None:
            return [f"{where}: takes no body"] if call.body else []
        if not call.body:
            return [f"{where}: needs a JSON body"] if op.body.get("required") else []
        if call.content_type != "application/json":
            return [f"{where}: the body must be application/json"]
        try:
            body = json.loads(call.body)
        except ValueError:
            return [f"{where}: the body is not JSON"]
        return Schemas(self.spec, request=True).check(op.body["schema"], body, f"{where}: body")

    def check_response(self, op, status, body):
        """Problems of an answer to a call matched to `op`."""
        where = f"{op.where()} answered {status}"
        if status >= 400:
            return check_error(body, status, where)
        listed = op.responses.get(str(status)) or op.responses.get("default")
        if listed is None:
            return [f"{where}: the operation answers {', '.join(sorted(op.responses))}, "
                    f"not {status}"]
        if "schema" not in listed:
            return [] if body is None else [f"{where}: the operation answers no body"]
        if body is None:
            return [f"{where}: the operation answers a body"]
        return Schemas(self.spec, request=False).check(listed["schema"], body, f"{where}: body")


class Schemas:
    """Validates a value against a schema of the description, for a request or an answer."""

    def __init__(self, spec, request):
        self.definitions = spec.get("definitions", {})
        self.request = request

    def resolve(self, schema):
        while "$ref" in schema:
            schema = self.definitions[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def check(self, schema, value, where):
        schema = self.resolve(schema)
        if value is None:
            return [f"{where} is null"]
        kind = schema.get("type", "object" if "properties" in schema else "any")
        if kind == "object":
            return self._object(schema, value, where)
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where} must be an array"]
            return [p for i, v in enumerate(value)
                    for p in self.check(schema.get("items", {}), v, f"{where}[{i}]")]
        return VALUES.scalar(kind, schema, value, where)

    def _properties(self, schema):
        """The schema's properties with those of its `x-okta-parent`s."""
        own = dict(schema.get("properties", {}))
        parent = schema.get("x-okta-parent")
        if parent:
            return {**self._properties(self.resolve({"$ref": parent})), **own}
        return own

    def _subtype(self, schema, value):
        discriminator = schema.get("x-openapi-v3-discriminator")
        if not discriminator:
            return schema
        name = value.get(discriminator.get("propertyName"))
        ref = discriminator.get("mapping", {}).get(name)
        return self.resolve({"$ref": ref}) if ref else schema

    def _object(self, schema, value, where):
        if not isinstance(value, dict):
            return [f"{where} must be an object"]
        schema = self._subtype(schema, value)
        properties = self._properties(schema)
        # A free-form object (no properties declared), one with additionalProperties, and an
        # x-okta-extensible one (custom profile attributes) take properties not listed.
        open_ended = (not properties or "additionalProperties" in schema
                      or schema.get("x-okta-extensible"))
        problems = []
        for key, item in value.items():
            spec = properties.get(key)
            if spec is None:
                if isinstance(schema.get("additionalProperties"), dict):
                    problems += self.check(schema["additionalProperties"], item, f"{where}.{key}")
                elif not open_ended:
                    problems.append(f"{where}.{key}: the schema has no property {key}")
                continue
            if self.request and spec.get("readOnly"):
                problems.append(f"{where}.{key} is read-only")
                continue
            problems += self.check(spec, item, f"{where}.{key}")
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}.{key} is required")
        return problems


def _query(op, query, where):
    problems = []
    names = [n for n, _ in query]
    fixed = {n for n, _ in op.fixed}
    for name in dict.fromkeys(names):
        if name in fixed:
            continue
        spec = op.params.get(name)
        if spec is None or spec.get("in") != "query":
            problems.append(f"{where}: query parameter {name} is not declared")
            continue
        if names.count(name) > 1 and spec.get("collectionFormat") != "multi":
            problems.append(f"{where}: query parameter {name} is given twice")
        for value in (v for n, v in query if n == name):
            problems += VALUES.param(spec, value, f"{where}: query parameter {name}")
    for name, spec in op.params.items():
        if spec.get("required") and spec.get("in") == "query" and name not in names:
            problems.append(f"{where}: required query parameter {name} is missing")
    return problems


def check_error(body, status, where):
    """Okta's error shape (our rule, from Okta's documentation: the description has no error
    schema): {errorCode "E0000NNN", errorSummary, errorLink, errorId, errorCauses:
    [{errorSummary}]}."""
    if not isinstance(body, dict) or set(body) != ERROR_KEYS:
        return [f"{where}: an error answer has exactly {', '.join(sorted(ERROR_KEYS))}"]
    problems = []
    if not re.fullmatch(r"E\d{7}", str(body["errorCode"])):
        problems.append(f"{where}: errorCode must look like E0000007")
    if body["errorLink"] != body["errorCode"]:
        problems.append(f"{where}: errorLink must repeat the errorCode")
    for key in ("errorSummary", "errorId"):
        if not isinstance(body[key], str) or not body[key]:
            problems.append(f"{where}: {key} must be a non-empty string")
    causes = body["errorCauses"]
    if not isinstance(causes, list) or not all(
            isinstance(c, dict) and set(c) == {"errorSummary"} for c in causes):
        problems.append(f"{where}: errorCauses must list objects with errorSummary")
    return problems
