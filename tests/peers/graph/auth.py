"""The fake's identity platform: the client credentials grant on
`POST /{tenant}/oauth2/v2.0/token` with a client secret or a certificate-signed assertion (RFC
7523 JWT, RS256, `x5t#S256` naming the certificate), and the bearer tokens it issues, which
expire. Errors name the rule that failed and never echo a secret, an assertion or a token.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import datetime, timezone

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding

from common.messages import Reply
from common.tokens import Tokens
from messages import graph_error

GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def oauth_error(status, error, description):
    """An error answer of the token endpoint."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    return Reply(status, {"error": error, "error_description": description, "timestamp": now,
                          "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())})


class BadAssertion(Exception):
    """A client assertion that does not prove the client's identity: says which rule failed."""


class Auth(Tokens):
    """Issues tokens to the one registered client and checks the bearer tokens of Graph calls."""

    def __init__(self, tenant, client_id, secret=None, cert_pem=None, lifetime=3600):
        super().__init__(lifetime)
        self.tenant = tenant
        self.client_id = client_id
        self.secret = secret
        self.cert = x509.load_pem_x509_certificate(cert_pem) if cert_pem else None
        self.thumbprint = (b64url(hashlib.sha256(self.cert.public_bytes(Encoding.DER)).digest())
                           if self.cert else None)
        self._used_jti = set()
        self._lock = threading.Lock()

    # -- the token endpoint ---------------------------------------------------------------

    def issue(self, tenant, form, token_url):
        """Answer a token request whose shape schemas.TOKEN_REQUEST already accepted."""
        if tenant != self.tenant:
            return oauth_error(400, "invalid_request", "The tenant in the path is not known.")
        if form["client_id"] != self.client_id:
            return oauth_error(400, "unauthorized_client",
                               "No application with this client_id is registered in the tenant.")
        if form["scope"] != GRAPH_SCOPE:
            return oauth_error(400, "invalid_scope",
                               f"The client credentials grant takes the scope {GRAPH_SCOPE}.")
        if "client_secret" in form:
            if self.secret is None or not hmac.compare_digest(
                    form["client_secret"].encode(), self.secret.encode()):
                return oauth_error(401, "invalid_client",
                                   "The client secret is not the one registered for the client.")
        else:
            try:
                self._check_assertion(form["client_assertion"], token_url)
            except BadAssertion as e:
                return oauth_error(401, "invalid_client", f"The client assertion is refused: {e}.")
        token = self.issue_token("")
        return Reply(200, {"token_type": "Bearer", "expires_in": self.lifetime,
                           "ext_expires_in": self.lifetime, "access_token": token})

    def _check_assertion(self, assertion, token_url):
        if self.cert is None:
            raise BadAssertion("no certificate is registered for the client")
        parts = assertion.split(".")
        if len(parts) != 3:
            raise BadAssertion("it is not a signed JWT (three dot-separated parts)")
        try:
            header = json.loads(_unb64url(parts[0]))
            claims = json.loads(_unb64url(parts[1]))
            signature = _unb64url(parts[2])
        except ValueError:
            raise BadAssertion("its parts are not base64url-encoded JSON") from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise BadAssertion("its header and claims must be JSON objects")
        if header.get("alg") != "RS256":
            raise BadAssertion("the header's alg must be RS256")
        if header.get("x5t#S256") != self.thumbprint:
            raise BadAssertion("the header's x5t#S256 does not name the registered certificate")
        try:
            self.cert.public_key().verify(signature, f"{parts[0]}.{parts[1]}".encode(),
                                          padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise BadAssertion("the signature does not verify with the registered "
                               "certificate") from None
        if claims.get("aud") != token_url:
            raise BadAssertion("aud must be the URL of this token endpoint")
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            raise BadAssertion("iss and sub must both be the client id")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp <= now:
            raise BadAssertion("it has expired (or has no numeric exp)")
        nbf = claims.get("nbf")
        if nbf is not None and (not isinstance(nbf, (int, float)) or nbf > now + 60):
            raise BadAssertion("it is not valid yet (nbf)")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise BadAssertion("it has no jti")
        with self._lock:
            if jti in self._used_jti:
                raise BadAssertion("its jti was used before (a replayed assertion)")
            self._used_jti.add(jti)

    # -- bearer tokens --------------------------------------------------------------------

    def check_bearer(self, headers):
        """None when `headers` carry a live token; otherwise Graph's 401 answer."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return graph_error(401, "InvalidAuthenticationToken", "The access token is missing.")
        state = self.token_state(token.strip())
        if state is None:
            return graph_error(401, "InvalidAuthenticationToken",
                               "The access token was not issued by this tenant.")
        if state[0] <= time.time():
            return graph_error(401, "InvalidAuthenticationToken",
                               "The access token has expired.")
        return None
