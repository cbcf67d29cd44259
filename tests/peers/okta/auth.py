"""Who may call the fake Okta: an API token (`Authorization: SSWS <token>`, the description's
`api_token` scheme), or an OAuth 2.0 service app (client credentials with a `private_key_jwt`
client assertion at `POST /oauth2/v1/token`, then `Authorization: Bearer <token>`).

The token endpoint is not in the management API description; its rules are ours, from Okta's
documentation. The form has `grant_type=client_credentials`, `scope` (space-separated, each
granted to the app), `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
jwt-bearer` and `client_assertion`, and may have `client_id`. The assertion is an RS256 JWT
signed with the app's registered key: `iss` = `sub` = the client id, `aud` = this endpoint's
URL, `exp` in the future and at most an hour away, `jti` never used before. Answers
`{token_type: Bearer, expires_in, access_token, scope}` or `{error, error_description}` naming
the rule that failed; nothing sent is ever echoed.

A Bearer token must be live and carry a scope the operation takes: `okta.users.read` or
`okta.users.manage` for the User and UserFactor operations (only `manage` for writes), the
same with `groups` for Group operations and `apps` for Application ones. The API token may
call everything and does not expire.
"""

import hmac
import threading
import time

from common.jwt import BadJwt, load_public_key, verified
from common.messages import Reply
from common.tokens import Tokens
from messages import FORBIDDEN, INVALID_TOKEN, okta_error

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FORM_FIELDS = {"grant_type", "scope", "client_assertion_type", "client_assertion"}
RESOURCES = {"User": "users", "UserFactor": "users", "Group": "groups", "Application": "apps"}
SCOPES = [f"okta.{r}.{a}" for r in ("users", "groups", "apps") for a in ("read", "manage")]


def oauth_error(status, error, description):
    return Reply(status, {"error": error, "error_description": description})


def scopes_for(op):
    """The scopes any one of which lets a Bearer token call `op`."""
    resource = next((RESOURCES[t] for t in op.tags if t in RESOURCES), None)
    if resource is None:
        return set()
    manage = f"okta.{resource}.manage"
    return {manage, f"okta.{resource}.read"} if op.http == "GET" else {manage}


class Auth(Tokens):
    """The API token, the one service app, and the Bearer tokens issued to it."""

    def __init__(self, api_token, client_id, public_key_pem, granted, lifetime=3600):
        super().__init__(lifetime)
        self.api_token = api_token
        self.client_id = client_id
        self.key = load_public_key(public_key_pem) if public_key_pem else None
        self.granted = set(granted)
        self._used_jti = set()
        self._lock = threading.Lock()

    def token_request_problems(self, call):
        """Contract problems of a token request (refused as a violation)."""
        problems = []
        if call.method != "POST":
            problems.append(f"{call.method} /oauth2/v1/token: the endpoint takes POST only")
        if call.query:
            problems.append("POST /oauth2/v1/token: the fields go in the body, not the query")
        if call.content_type != "application/x-www-form-urlencoded":
            problems.append("POST /oauth2/v1/token: the body must be "
                            "application/x-www-form-urlencoded")
        names = [n for n, _ in call.form()]
        if len(names) != len(set(names)) or not FORM_FIELDS <= set(names) <= (
                FORM_FIELDS | {"client_id"}):
            problems.append("POST /oauth2/v1/token: the form has grant_type, scope, "
                            "client_assertion_type and client_assertion (and may have "
                            "client_id), each once")
        return problems

    def issue(self, call, token_url):
        """Answer a token request whose shape is right."""
        form = dict(call.form())
        if form["grant_type"] != "client_credentials":
            return oauth_error(400, "unsupported_grant_type",
                               "The authorization grant type is not supported here.")
        if form["client_assertion_type"] != ASSERTION_TYPE:
            return oauth_error(400, "invalid_client", f"client_assertion_type must be "
                               f"{ASSERTION_TYPE}.")
        if form.get("client_id", self.client_id) != self.client_id:
            return oauth_error(401, "invalid_client", "No client with this client_id exists.")
        try:
            self._check_assertion(form["client_assertion"], token_url)
        except BadJwt as e:
            return oauth_error(401, "invalid_client", f"The client_assertion is refused: {e}.")
        scopes = form["scope"].split()
        if not scopes or not set(scopes) <= self.granted:
            return oauth_error(400, "invalid_scope", "The requested scope is invalid, unknown, "
                               "or not granted to the client.")
        token = self.issue_token("fake-okta.", set(scopes))
        return Reply(200, {"token_type": "Bearer", "expires_in": self.lifetime,
                           "access_token": token, "scope": " ".join(scopes)})

    def _check_assertion(self, assertion, token_url):
        if self.key is None:
            raise BadJwt("no key is registered for the client")
        _, claims = verified(assertion, self.key)
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            raise BadJwt("iss and sub must both be the client id")
        if claims.get("aud") != token_url:
            raise BadJwt("aud must be the URL of this token endpoint")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= now or exp > now + 3600 + 60:
            raise BadJwt("exp must be in the future and at most an hour away")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise BadJwt("it has no jti")
        with self._lock:
            if jti in self._used_jti:
                raise BadJwt("its jti was used before (a replayed assertion)")
            self._used_jti.add(jti)

    def check(self, headers, op):
        """None when `headers` carry credentials that may call `op`; else the 401/403."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme == "SSWS" and self.api_token and hmac.compare_digest(
                token.encode(), self.api_token.encode()):
            return None
        if scheme == "Bearer" and token:
            expiry, scopes = self.token_state(token) or (0, set())
            if expiry > time.time():
                if scopes & scopes_for(op):
                    return None
                return okta_error(403, FORBIDDEN, "You do not have permission to perform the "
                                  "requested action", headers={
                                      "WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        return okta_error(401, INVALID_TOKEN, "Invalid token provided")


def check_token_answer(reply):
    """Contract problems of the token endpoint's answer."""
    body = reply.body if isinstance(reply.body, dict) else {}
    if reply.status == 200:
        ok = (set(body) == {"token_type", "expires_in", "access_token", "scope"}
              and body["token_type"] == "Bearer" and isinstance(body["expires_in"], int))
        return [] if ok else ["POST /oauth2/v1/token answered 200: "
                              "{token_type, expires_in, access_token, scope}"]
    ok = set(body) == {"error", "error_description"} and all(
        isinstance(v, str) for v in body.values())
    return [] if ok else [f"POST /oauth2/v1/token answered {reply.status}: "
                          "{error, error_description}"]
