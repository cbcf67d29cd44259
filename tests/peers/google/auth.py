"""The fake's OAuth 2.0 token endpoint for a service account with domain-wide delegation
(`POST /token`, the JWT bearer grant of RFC 7523), and the bearer tokens it issues.

The grant: form fields `grant_type` = `urn:ietf:params:oauth:grant-type:jwt-bearer` and
`assertion`, nothing else (our contract, from Google's documentation: the endpoint is not in the
discovery documents). The assertion is an RS256 JWT signed with the service account's key (the
public key given at start) whose claims are `iss` = the service account's email, `sub` = the
admin the service account acts for (an admin of the seeded customer, not suspended), `scope` =
space-separated scopes, each delegated to the service account, `aud` = this token endpoint's
URL, `iat` and `exp` (at most an hour apart, `exp` in the future). Answers `{access_token,
expires_in, token_type: Bearer}`, or `{error, error_description}` naming the rule that failed;
nothing sent is ever echoed.

A call's token must be live and carry one of the scopes the discovery method lists.
"""

import base64
import json
import time
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from common.messages import Reply
from common.tokens import Tokens
from messages import google_error

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 3600


def oauth_error(status, error, description):
    return Reply(status, {"error": error, "error_description": description})


def load_public_key(pem):
    """The RSA public key of a PEM public key or certificate."""
    if b"CERTIFICATE" in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    return load_pem_public_key(pem)


def _unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class BadGrant(Exception):
    """A token request refused: (status, OAuth error code, description)."""


class Auth(Tokens):
    """Issues tokens to the one service account and checks the bearer tokens of calls."""

    def __init__(self, client_email, public_key_pem, delegated_scopes, lifetime=3600):
        super().__init__(lifetime)
        self.client_email = client_email
        self.key = load_public_key(public_key_pem)
        self.delegated = set(delegated_scopes)

    def token_request_problems(self, call):
        """Contract problems of a token request (not answered, listed as a violation)."""
        problems = []
        if call.method != "POST":
            problems.append(f"{call.method} /token: the token endpoint takes POST only")
        if call.query:
            problems.append("POST /token: the fields go in the body, not the query")
        if call.content_type != "application/x-www-form-urlencoded":
            problems.append("POST /token: the body must be application/x-www-form-urlencoded")
        names = [n for n, _ in parse_qsl(call.body.decode("utf-8", "replace"),
                                         keep_blank_values=True)]
        if sorted(names) != ["assertion", "grant_type"]:
            problems.append("POST /token: the form has exactly grant_type and assertion")
        return problems

    def issue(self, call, token_url, admins):
        """Answer a token request whose shape is right; `admins` are the emails `sub` may
        name."""
        form = dict(parse_qsl(call.body.decode("utf-8", "replace")))
        if form["grant_type"] != GRANT_TYPE:
            return oauth_error(400, "unsupported_grant_type", f"grant_type must be {GRANT_TYPE}.")
        try:
            scopes = self._check(form["assertion"], token_url, admins)
        except BadGrant as e:
            return oauth_error(*e.args)
        token = self.issue_token("ya29.fake-", scopes)
        return Reply(200, {"access_token": token, "expires_in": self.lifetime,
                           "token_type": "Bearer"})

    def _check(self, assertion, token_url, admins):
        header, claims = self._verified(assertion)
        if header.get("alg") != "RS256":
            raise BadGrant(400, "invalid_grant", "Invalid JWT: the header's alg must be RS256.")
        if claims.get("iss") != self.client_email:
            raise BadGrant(401, "invalid_client", "The assertion's iss is not the service "
                           "account's email.")
        if claims.get("aud") != token_url:
            raise BadGrant(400, "invalid_grant", "Invalid JWT: aud must be the URL of this "
                           "token endpoint.")
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int):
            raise BadGrant(400, "invalid_grant", "Invalid JWT: iat and exp must be whole "
                           "numbers of seconds.")
        if exp <= now or iat > now + 60 or exp - iat > MAX_ASSERTION_LIFETIME:
            raise BadGrant(400, "invalid_grant", "Invalid JWT: iat and exp must span the "
                           "present, at most an hour apart.")
        sub = claims.get("sub")
        if not isinstance(sub, str) or sub.casefold() not in admins:
            raise BadGrant(400, "invalid_grant", "Invalid email or User ID: sub must be an "
                           "admin of the customer who is not suspended.")
        scope = claims.get("scope")
        scopes = set(scope.split()) if isinstance(scope, str) else set()
        if not scopes:
            raise BadGrant(400, "invalid_scope", "The assertion's scope is empty.")
        if not scopes <= self.delegated:
            raise BadGrant(401, "unauthorized_client", "Client is unauthorized to retrieve "
                           "access tokens for a scope that is not delegated to it.")
        return scopes

    def _verified(self, assertion):
        parts = assertion.split(".")
        if len(parts) != 3:
            raise BadGrant(400, "invalid_grant", "Invalid JWT: not three dot-separated parts.")
        try:
            header = json.loads(_unb64url(parts[0]))
            claims = json.loads(_unb64url(parts[1]))
            signature = _unb64url(parts[2])
        except ValueError:
            raise BadGrant(400, "invalid_grant", "Invalid JWT: not base64url JSON.") from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise BadGrant(400, "invalid_grant", "Invalid JWT: header and claims are objects.")
        try:
            self.key.verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(),
                            hashes.SHA256())
        except InvalidSignature:
            raise BadGrant(400, "invalid_grant", "Invalid JWT Signature.") from None
        return header, claims

    def check_bearer(self, headers, method):
        """None when `headers` carry a live token with a scope `method` takes; else the
        401/403 answer."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return google_error(401, "required", "Request is missing required authentication "
                                "credential.", headers={"WWW-Authenticate": "Bearer"})
        expiry, scopes = self.token_state(token.strip()) or (0, set())
        if expiry <= time.time():
            return google_error(401, "authError", "Invalid Credentials",
                                headers={"WWW-Authenticate": "Bearer"})
        if not scopes & set(method.scopes):
            return google_error(403, "insufficientPermissions",
                                "Request had insufficient authentication scopes.")
        return None


def check_token_answer(reply):
    """Contract problems of the token endpoint's answer."""
    body = reply.body if isinstance(reply.body, dict) else {}
    if reply.status == 200:
        ok = (set(body) == {"access_token", "expires_in", "token_type"}
              and body["token_type"] == "Bearer" and isinstance(body["expires_in"], int))
        return [] if ok else ["POST /token answered 200: {access_token, expires_in, token_type}"]
    ok = set(body) == {"error", "error_description"} and all(
        isinstance(v, str) for v in body.values())
    return [] if ok else [f"POST /token answered {reply.status}: {{error, error_description}}"]
