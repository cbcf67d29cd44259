"""Hand-written contracts for the calls the Graph description does not cover, in our own words
from Microsoft's documentation of the identity platform's token endpoint (client credentials
grant, shared secret or certificate assertion) and of Graph's JSON batching. Only the shapes are
checked here; whether a credential is right is auth.py's business. Each check returns messages
(empty: the call keeps the contract); none ever quotes a credential.
"""

from jsonschema import Draft202012Validator

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# POST /{tenant}/oauth2/v2.0/token, form fields. Exactly one credential: a secret, or a signed
# assertion with its type.
TOKEN_REQUEST = {
    "type": "object",
    "required": ["grant_type", "client_id", "scope"],
    "properties": {
        "grant_type": {"const": "client_credentials"},
        "client_id": {"type": "string", "minLength": 1},
        "scope": {"type": "string", "minLength": 1},
        "client_secret": {"type": "string", "minLength": 1},
        "client_assertion_type": {"const": JWT_BEARER},
        "client_assertion": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
    "oneOf": [
        {"required": ["client_secret"],
         "not": {"anyOf": [{"required": ["client_assertion"]},
                           {"required": ["client_assertion_type"]}]}},
        {"required": ["client_assertion", "client_assertion_type"],
         "not": {"required": ["client_secret"]}},
    ],
}

TOKEN_RESPONSE = {
    "type": "object",
    "required": ["token_type", "expires_in", "access_token"],
    "properties": {
        "token_type": {"const": "Bearer"},
        "expires_in": {"type": "integer", "minimum": 0},
        "ext_expires_in": {"type": "integer", "minimum": 0},
        "access_token": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}

TOKEN_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"enum": ["invalid_request", "invalid_client", "invalid_grant",
                           "unauthorized_client", "unsupported_grant_type", "invalid_scope"]},
        "error_description": {"type": "string"},
        "error_codes": {"type": "array", "items": {"type": "integer"}},
        "timestamp": {"type": "string"},
        "trace_id": {"type": "string"},
        "correlation_id": {"type": "string"},
    },
    "additionalProperties": False,
}

# POST /v1.0/$batch: at most 20 requests, each with an id unique in the batch, a method and a
# URL relative to the version root; headers (Content-Type at least) whenever there is a body.
BATCH_REQUEST = {
    "type": "object",
    "required": ["requests"],
    "properties": {
        "requests": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {
                "type": "object",
                "required": ["id", "method", "url"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
                    "url": {"type": "string", "pattern": "^(?![A-Za-z][A-Za-z0-9+.-]*:)/?[^/]"},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "body": {},
                    "dependsOn": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": False,
                "dependentRequired": {"body": ["headers"]},
            },
        },
    },
    "additionalProperties": False,
}

BATCH_RESPONSE = {
    "type": "object",
    "required": ["responses"],
    "properties": {
        "responses": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "status"],
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "integer", "minimum": 100, "maximum": 599},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "body": {},
                },
                "additionalProperties": False,
            },
        },
        "@odata.nextLink": {"type": "string"},
    },
    "additionalProperties": False,
}

_VALIDATORS = {}


def check(schema, value, where):
    """Messages for every way `value` breaks `schema`; values are never quoted (credentials)."""
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = Draft202012Validator(schema)
    messages = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        place = "/".join(str(p) for p in error.absolute_path) or "top level"
        messages.append(f"{where}: at {place}: {_rule(error)}")
    return messages


def check_token_answer(reply, where):
    """Problems of the token endpoint's answer: TOKEN_RESPONSE for a 200, else TOKEN_ERROR."""
    schema = TOKEN_RESPONSE if reply.status == 200 else TOKEN_ERROR
    return check(schema, reply.body, f"{where} answered {reply.status}")


def _rule(error):
    """What rule was broken, without the offending value."""
    value = error.validator_value
    if error.validator == "required":
        return f"a required field is missing ({error.message.split(' ')[0]})"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"fields not allowed here: {', '.join(extra)}"
    if error.validator in ("const", "enum"):
        return f"must be {value!r}" if error.validator == "const" else f"must be one of {value}"
    if error.validator == "oneOf":
        return "exactly one credential is needed: client_secret, or client_assertion with " \
               "client_assertion_type"
    if error.validator == "dependentRequired":
        return "a request with a body needs headers (at least Content-Type)"
    return f"breaks the rule {error.validator}={value!r}"


def check_batch_request(body):
    """The envelope of a `$batch` request, plus what a schema cannot say: unique ids, a
    Content-Type header with every body, `dependsOn` naming earlier requests."""
    messages = check(BATCH_REQUEST, body, "POST /v1.0/$batch: request body")
    if messages:
        return messages
    seen = set()
    for i, request in enumerate(body["requests"]):
        where = f"POST /v1.0/$batch: request body at requests/{i}"
        if request["id"] in seen:
            messages.append(f"{where}/id: the id is not unique in the batch")
        for dependency in request.get("dependsOn", []):
            if dependency not in seen:
                messages.append(f"{where}/dependsOn: {dependency!r} is not an earlier request")
        seen.add(request["id"])
        headers = {k.lower() for k in request.get("headers", {})}
        if "body" in request and "content-type" not in headers:
            messages.append(f"{where}/headers: a request with a body needs Content-Type")
    return messages
