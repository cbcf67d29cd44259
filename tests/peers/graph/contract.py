"""The contract check: every Graph v1.0 call the fake receives, and every answer it sends, is
checked against the installed description (`.peers/graph/graph-v1.0.json`, built by
description.py) with openapi-core, plus three checks openapi-core does not make:

- query parameters the operation does not declare, or a system query option given twice;
- properties an object does not declare (request and response bodies; `@`-annotations aside),
  as the real service refuses unknown properties;
- polymorphic items: an object carrying `@odata.type` is validated against that type, not only
  against the declared base type (openapi-core validates a `directoryObject` collection's items
  as `directoryObject` only), and an item of a base type with derived types must carry it.

It only reports: it never changes a call or an answer. Messages name the method, the path
template and the place inside the call; they never contain header values.
"""

import json
import re
from pathlib import Path

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.exceptions import MissingParameter
from openapi_core.validation.request.validators import V30RequestValidator
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from referencing import Registry
from referencing.jsonschema import DRAFT4
from werkzeug.datastructures import Headers, ImmutableMultiDict

import description

# The description's server is https://graph.microsoft.com/v1.0: calls are checked as if sent there.
HOST = "https://graph.microsoft.com"
SCHEMAS = "#/components/schemas/"


class StaleDescription(Exception):
    """The installed description is missing or was built by another version of description.py."""


class _AbsentParametersFirst(V30RequestValidator):
    """openapi-core's request validator, made quick for operations that declare many optional
    parameters (Graph's list operations declare ten): an absent optional parameter is skipped
    before openapi-core resolves its schema. Verdicts are unchanged (no parameter of the
    description has a default)."""

    def _get_parameter(self, parameters, param):
        name = (param / "name").read_str()
        location = (param / "in").read_str()
        if name not in parameters[location] and not (param / "required").read_bool(default=False):
            raise MissingParameter(name, location)
        return super()._get_parameter(parameters, param)


class _Request:
    """A call as openapi-core reads it."""

    def __init__(self, call, path):
        self.host_url = HOST
        self.path = path
        self.method = call.method.lower()
        self.body = call.body
        self.content_type = call.content_type
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(call.query), header=Headers(list(call.headers.items())),
            cookie=ImmutableMultiDict(), path={})


class _Response:
    """An answer as openapi-core reads it."""

    def __init__(self, status, body, content_type):
        self.status_code = status
        self.data = body
        self.content_type = content_type
        self.headers = Headers()


class Operation:
    """One operation of the description, and how a request path is matched to it."""

    def __init__(self, template, item, actions):
        self.template = template
        self.item = item
        parts = []
        for segment in template.split("/")[1:]:
            if segment.startswith("{"):
                parts.append("[^/]+")
            elif segment in actions:
                # Graph takes an action by its qualified name or its bare name.
                bare = segment.removeprefix("microsoft.graph.")
                parts.append(f"(?:microsoft\\.graph\\.)?{re.escape(bare)}")
            else:
                parts.append(re.escape(segment))
        self.pattern = re.compile("/v1\\.0/" + "/".join(parts) + "$")
        self.literals = sum(not s.startswith("{") for s in template.split("/"))

    def canonical(self, path):
        """The path with bare action names qualified, as the description spells them."""
        segments = path.split("/")
        wanted = ("/v1.0" + self.template).split("/")
        return "/".join(w if w.startswith("microsoft.graph.") and s != w else s
                        for s, w in zip(segments, wanted))


class Contract:
    """The loaded description and the checks made with it."""

    def __init__(self, path):
        path = Path(path)
        if not path.is_file():
            raise StaleDescription(f"{path} is missing; run scripts/install-peers")
        self.doc = json.loads(path.read_bytes())
        built_by = self.doc.get("info", {}).get("x-offboard", {}).get("builder")
        if built_by != description.builder_hash():
            raise StaleDescription(
                f"{path} was built by another version of description.py; "
                "run scripts/install-peers")
        api = OpenAPI.from_dict(self.doc, config=Config(
            spec_validator_cls=None, request_validator_cls=_AbsentParametersFirst))
        self._requests = api.request_validator
        self._responses = api.response_validator
        self.schemas = self.doc["components"]["schemas"]
        self.registry = Registry().with_resource("urn:graph", DRAFT4.create_resource(self.doc))
        actions = {
            template.rsplit("/", 1)[1]
            for template, item in self.doc["paths"].items()
            if any(isinstance(op, dict) and op.get("x-ms-docs-operation-type") == "action"
                   for op in item.values())
        }
        self.operations = sorted(
            (Operation(t, item, actions) for t, item in self.doc["paths"].items()),
            key=lambda o: -o.literals)
        self._properties = {}
        self._validators = {}

    # -- requests -------------------------------------------------------------------------

    def find(self, path):
        """The operation whose template matches `path` (`/v1.0/...`), or None."""
        for operation in self.operations:
            if operation.pattern.match(path):
                return operation
        return None

    def check_request(self, call):
        """Every way `call` breaks the description, as messages (empty: it keeps it)."""
        operation = self.find(call.path)
        where = f"{call.method} {call.path}"
        if operation is None:
            return [f"{where}: no operation of the Graph v1.0 description has this path"]
        op = operation.item.get(call.method.lower())
        where = f"{call.method} /v1.0{operation.template}"
        if op is None:
            return [f"{where}: the description has no {call.method} on this path"]
        errors = []
        declared = self._parameters(operation, op, "query")
        seen = set()
        for name, _ in call.query:
            if name in seen:
                errors.append(f"{where}: query parameter {name} given twice")
            seen.add(name)
            if name not in declared:
                errors.append(f"{where}: query parameter {name} is not declared "
                              f"(declared: {', '.join(sorted(declared)) or 'none'})")
        found = list(self._requests.iter_errors(_Request(call, operation.canonical(call.path))))
        errors += [f"{where}: {_describe(e)}" for e in found]
        body_schema = _body_schema(self.doc, op.get("requestBody"))
        if body_schema is not None and not found and call.body:
            try:
                body = json.loads(call.body)
            except ValueError:
                body = None
            self._walk(body_schema, body, "request body", errors, OAS30WriteValidator, where)
        return errors

    def _parameters(self, operation, op, location):
        names = set()
        for parameter in operation.item.get("parameters", []) + op.get("parameters", []):
            parameter = self._resolve(parameter)
            if parameter.get("in") == location:
                names.add(parameter["name"])
        return names

    # -- responses ------------------------------------------------------------------------

    def check_response(self, call, status, body, content_type):
        """Every way the answer to `call` breaks the description (call already checked)."""
        operation = self.find(call.path)
        if operation is None or call.method.lower() not in operation.item:
            return []
        where = f"{call.method} /v1.0{operation.template} answered {status}"
        found = self._responses.iter_errors(_Request(call, operation.canonical(call.path)),
                                            _Response(status, body, content_type))
        errors = [f"{where}: {_describe(e)}" for e in found]
        responses = operation.item[call.method.lower()].get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        schema = _body_schema(self.doc, response)
        if schema is not None and body and not errors:
            self._walk(schema, json.loads(body), "body", errors, OAS30ReadValidator, where)
        return errors

    # -- bodies ---------------------------------------------------------------------------

    def _resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            _, _, section, name = node["$ref"].split("/", 3)
            node = self.doc["components"][section][name]
        return node

    def _walk(self, schema, value, place, errors, validator, where, declared=None):
        """Unknown properties and polymorphic objects below `value`, declared as `schema`."""
        declared = _ref_name(schema) or declared
        schema = self._resolve(schema)
        # A nullable complex value: anyOf [its type, null].
        branches = [_ref_name(b) for b in schema.get("anyOf", []) if _ref_name(b)]
        if len(branches) == 1:
            declared = branches[0]
        if isinstance(value, list):
            items = self._items(schema)
            for i, item in enumerate(value):
                self._walk(items, item, f"{place}/{i}", errors, validator, where)
            return
        if not isinstance(value, dict):
            return
        odata_type = value.get("@odata.type")
        if isinstance(odata_type, str) and odata_type.startswith("#"):
            concrete = odata_type[1:]
            if concrete not in self.schemas:
                errors.append(f"{where}: {place}: @odata.type {odata_type} is not a type of "
                              "the description")
                return
            if declared and not self._is_a(concrete, declared):
                errors.append(f"{where}: {place}: @odata.type {odata_type} is not a kind of "
                              f"{declared}")
                return
            if concrete != declared:
                for e in self._validator(concrete, validator).iter_errors(value):
                    errors.append(f"{where}: {place} ({concrete}): {_schema_error(e)}")
                declared, schema = concrete, self.schemas[concrete]
        elif declared and self._has_derived_types(declared):
            errors.append(f"{where}: {place}: an item of {declared}, which has derived types, "
                          "without @odata.type")
        properties = self._properties_of(schema)
        if not properties:
            return  # an open object: the description names none of its properties
        for key, inner in value.items():
            if key.startswith("@"):
                continue  # instance annotations: @odata.context, @odata.nextLink, ...
            if key not in properties:
                errors.append(f"{where}: {place}/{key}: not a property of "
                              f"{declared or 'the declared type'}")
            else:
                self._walk(properties[key], inner, f"{place}/{key}", errors, validator, where)

    def _properties_of(self, schema):
        key = id(schema)
        if key not in self._properties:
            properties = dict(schema.get("properties", {}))
            for part in schema.get("allOf", []) + schema.get("anyOf", []):
                part = self._resolve(part)
                properties.update(self._properties_of(part))
            self._properties[key] = properties
        return self._properties[key]

    def _items(self, schema):
        if "items" in schema:
            return schema["items"]
        for part in schema.get("allOf", []) + schema.get("anyOf", []):
            part = self._resolve(part)
            if isinstance(part, dict) and "items" in part:
                return part["items"]
        return {}

    def _is_a(self, name, ancestor):
        """Whether type `name` is `ancestor` or derives from it (through allOf)."""
        if name == ancestor:
            return True
        return any(self._is_a(_ref_name(part), ancestor)
                   for part in self.schemas.get(name, {}).get("allOf", []) if _ref_name(part))

    def _has_derived_types(self, name):
        schema = self.schemas.get(name, {})
        for part in [schema] + [p for p in schema.get("allOf", []) if "$ref" not in p]:
            mapping = part.get("discriminator", {}).get("mapping", {})
            if any(target != f"{SCHEMAS}{name}" for target in mapping.values()):
                return True
        return False

    def _validator(self, name, cls):
        key = (name, cls)
        if key not in self._validators:
            self._validators[key] = cls({"$ref": f"urn:graph{SCHEMAS}{name}"},
                                        registry=self.registry)
        return self._validators[key]


def _ref_name(schema):
    """The schema name a `$ref` to `#/components/schemas/` points at, or None."""
    ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
    return ref[len(SCHEMAS):] if ref.startswith(SCHEMAS) else None


def _body_schema(doc, holder):
    """The JSON schema of a request body or response object, following `$ref`s; or None."""
    while isinstance(holder, dict) and "$ref" in holder:
        _, _, section, name = holder["$ref"].split("/", 3)
        holder = doc["components"][section][name]
    if not isinstance(holder, dict):
        return None
    return holder.get("content", {}).get("application/json", {}).get("schema")


# openapi-core's errors whose text quotes the whole value; named by their place instead.
_PLACES = {"InvalidRequestBody": "request body", "InvalidData": "response body"}


def _describe(exc):
    """One line for an openapi-core error: what it is about and the schema's first complaint."""
    text = _PLACES.get(type(exc).__name__) or str(exc)
    seen = exc
    while seen is not None:
        schema_errors = getattr(seen, "schema_errors", None)
        if schema_errors:
            return f"{_short(text)}: " + "; ".join(_schema_error(e) for e in schema_errors[:3])
        if seen is not exc and str(seen) and str(seen) not in text:
            text = f"{text}: {seen}"
        seen = seen.__cause__
    return _short(text)


def _schema_error(error):
    # anyOf and oneOf wrap the real complaint: follow the deepest one (a nullable value's null
    # branch says only "not null").
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "enum"))
    place = "/".join(str(p) for p in error.absolute_path)
    if error.validator == "enum" and len(error.validator_value) > 5:
        message = (f"{_short(repr(error.instance))} is not one of the "
                   f"{len(error.validator_value)} values the description allows")
    else:
        message = _short(error.message)
    return f"at {place}: {message}" if place else message


def _short(text, limit=300):
    return text if len(text) <= limit else text[:limit] + "..."
