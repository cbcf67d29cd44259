"""RS256 JSON Web Tokens as the fakes' token endpoints receive them (client assertions and
JWT bearer grants): split, decoded and their signature verified with a registered public key.
Errors say which rule failed and never echo the token."""

import base64
import json

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key


class BadJwt(Exception):
    """A JWT refused; the message says which rule failed."""


def load_public_key(pem):
    """The RSA public key of a PEM public key or certificate; ValueError when it is neither."""
    if b"CERTIFICATE" in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    return load_pem_public_key(pem)


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verified(token, key):
    """(header, claims) of an RS256 JWT whose signature `key` verifies; BadJwt otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise BadJwt("it is not a signed JWT (three dot-separated parts)")
    try:
        header = json.loads(unb64url(parts[0]))
        claims = json.loads(unb64url(parts[1]))
        signature = unb64url(parts[2])
    except ValueError:
        raise BadJwt("its parts are not base64url-encoded JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise BadJwt("its header and claims must be JSON objects")
    if header.get("alg") != "RS256":
        raise BadJwt("the header's alg must be RS256")
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(),
                   hashes.SHA256())
    except InvalidSignature:
        raise BadJwt("the signature does not verify with the registered key") from None
    return header, claims
