"""The contract check: every call the fake receives, and every answer it sends, is checked
against Google's published discovery documents, installed by scripts/install-peers into
`.peers/google/` (README.md beside this file names them).

A call is matched to a discovery method by HTTP method and path: the method's `servicePath` +
`path`, where `{name}` is one path segment and `{+name}` one or more (reserved expansion); of
several matches the one with the most literal characters wins. Then:

- path parameters: non-empty, and of the declared type, enum and pattern;
- query parameters: declared by the method or by the document (`fields`, `prettyPrint`, ...),
  given once unless `repeated`, every `required` one present, each value of its declared type
  (`integer` within `minimum`/`maximum` and its `format`'s range, `boolean`), enum and pattern;
- the body: present exactly when the method has a `request` schema, JSON, and valid against it:
  types, formats (`int64` and `date-time` strings, `int32` numbers), enums, properties the schema
  does not declare refused, and the properties a schema's `annotations.required` names for this
  method present; `null` is accepted for a property (it clears it, as in a PATCH);
- the answer: a 2xx carries a body valid against the method's `response` schema (unknown
  properties and nulls refused), or no body when the method has no `response`; an error answer
  has Google's JSON error shape (our own rule: discovery documents do not describe errors).

It only reports: it never changes a call or an answer. Messages name the method id, the HTTP
method and path template, and the place inside the call; never a header value.
"""

import json
from pathlib import Path

from common.checks import Template, Values, pick

# The documents, by file name, in .peers/google/.
DOCUMENTS = ("admin.directory_v1.json", "licensing.v1.json", "admin.datatransfer_v1.json")
# Discovery documents: int32/uint32 integers, patterns, int64 strings, number parameters.
VALUES = Values(ranges={"int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1)},
                patterns=True, whole_strings=("int64", "uint64"), number_text=True)


class StaleDescription(Exception):
    """A discovery document is missing or unreadable."""


class Method:
    """One discovery method: where it is served and what it takes and answers."""

    def __init__(self, document, spec):
        self.document = document
        self.id = spec["id"]
        self.http = spec["httpMethod"]
        self.path = Template("/" + document.get("servicePath", "") + spec["path"])
        self.template = self.path.text
        self.params = spec.get("parameters", {})
        self.request = spec.get("request", {}).get("$ref")
        self.response = spec.get("response", {}).get("$ref")
        self.scopes = spec.get("scopes", [])

    def where(self):
        return f"{self.id} ({self.http} {self.template})"

    def match(self, path):
        """The path parameters, percent-decoded, when `path` has this method's shape."""
        return self.path.match(path)

    def rank(self):
        """Of several methods matching a call, the one ranking highest serves it."""
        return self.path.literals


class Contract:
    """The loaded discovery documents and the checks made with them."""

    def __init__(self, directory):
        self.methods = []
        for name in DOCUMENTS:
            path = Path(directory) / name
            try:
                document = json.loads(path.read_bytes())
            except (OSError, ValueError) as e:
                raise StaleDescription(f"{path}: {e}; run scripts/install-peers") from None
            self.methods += [Method(document, m) for m in _methods(document["resources"])]

    def find(self, http, path):
        """(method, path parameters) for a call, or (None, problem)."""
        matches = [(m, p) for m in self.methods for p in [m.match(path)] if p is not None]
        return pick(matches, http, path, "no method of the discovery documents has this path")

    def check_request(self, call):
        """(method or None, problems) for a call."""
        method, problem = self.find(call.method, call.path)
        if method is None:
            return None, [problem]
        method, path_params = method
        where = method.where()
        problems = VALUES.path(method.params, path_params, where)
        problems += self._query(method, call.query, where)
        problems += self._request_body(method, call, where)
        return method, problems

    def _query(self, method, query, where):
        problems = []
        names = [n for n, _ in query]
        for name in dict.fromkeys(names):
            spec = method.params.get(name) or method.document.get("parameters", {}).get(name)
            if spec is None or spec.get("location") == "path":
                problems.append(f"{where}: query parameter {name} is not declared")
                continue
            if names.count(name) > 1 and not spec.get("repeated"):
                problems.append(f"{where}: query parameter {name} is given twice")
            for value in (v for n, v in query if n == name):
                problems += VALUES.param(spec, value, f"{where}: query parameter {name}")
        for name, spec in method.params.items():
            if spec.get("required") and spec.get("location") == "query" and name not in names:
                problems.append(f"{where}: required query parameter {name} is missing")
        return problems

    def _request_body(self, method, call, where):
        if method.request is None:
            return [f"{where}: takes no body"] if call.body else []
        if not call.body:
            return [f"{where}: needs a JSON body ({method.request})"]
        if call.content_type != "application/json":
            return [f"{where}: the body must be application/json"]
        try:
            body = json.loads(call.body)
        except ValueError:
            return [f"{where}: the body is not JSON"]
        return Schemas(method, request=True).check({"$ref": method.request}, body,
                                                   f"{where}: body")

    def check_response(self, method, status, body):
        """Problems of an answer to a call matched to `method`."""
        where = f"{method.where()} answered {status}"
        if status >= 400:
            return check_error(body, status, where)
        if method.response is None:
            return [] if body is None else [f"{where}: the method answers no body"]
        if body is None:
            return [f"{where}: the method answers a {method.response}"]
        return Schemas(method, request=False).check({"$ref": method.response}, body,
                                                    f"{where}: body")


class Schemas:
    """Validates a value against a discovery schema, for the request or the answer of one
    method."""

    def __init__(self, method, request):
        self.schemas = method.document.get("schemas", {})
        self.method_id = method.id
        self.request = request

    def check(self, schema, value, where):
        if "$ref" in schema:
            return self.check(self.schemas[schema["$ref"]], value, where)
        if value is None:
            return [] if self.request else [f"{where} is null"]
        kind = schema.get("type", "object" if "properties" in schema else "any")
        if kind == "object":
            return self._object(schema, value, where)
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where} must be an array"]
            return [p for i, v in enumerate(value)
                    for p in self.check(schema.get("items", {}), v, f"{where}[{i}]")]
        return VALUES.scalar(kind, schema, value, where)

    def _object(self, schema, value, where):
        if not isinstance(value, dict):
            return [f"{where} must be an object"]
        problems = []
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                problems += self.check(properties[key], item, f"{where}.{key}")
            elif "additionalProperties" in schema:
                problems += self.check(schema["additionalProperties"], item, f"{where}.{key}")
            else:
                problems.append(f"{where}.{key}: {schema.get('id', 'the object')} has no "
                                f"property {key}")
        if self.request:
            for key, spec in properties.items():
                required = spec.get("annotations", {}).get("required", [])
                if self.method_id in required and value.get(key) is None:
                    problems.append(f"{where}.{key} is required by {self.method_id}")
        return problems


def check_error(body, status, where):
    """Google's JSON error shape: {error: {code, message, errors: [{domain, reason, message}],
    status}}, with `code` the HTTP status of the answer (our rule, from Google's docs)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"}:
        return [f"{where}: an error answer is {{\"error\": {{...}}}}"]
    problems = []
    if error.get("code") != status:
        problems.append(f"{where}: error.code must be {status}")
    if not isinstance(error.get("message"), str) or not error["message"]:
        problems.append(f"{where}: error.message must be a non-empty string")
    if not isinstance(error.get("status"), str):
        problems.append(f"{where}: error.status must be a string")
    errors = error.get("errors")
    if not isinstance(errors, list) or not errors or not all(
            isinstance(e, dict) and {"domain", "reason", "message"} <= set(e) for e in errors):
        problems.append(f"{where}: error.errors must list objects with domain, reason, message")
    unknown = set(error) - {"code", "message", "errors", "status", "details"}
    if unknown:
        problems.append(f"{where}: error has unknown keys {', '.join(sorted(unknown))}")
    return problems


def _methods(resources):
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from _methods(resource.get("resources", {}))
