"""The bearer tokens a fake's token endpoint issued: each with its expiry and scopes. A fake's
Auth is a Tokens; the control API sets `lifetime` (set_lifetime) and a fault expires every
token issued so far (expire_all)."""

import secrets
import threading
import time


class Tokens:
    """Tokens issued, safe to use from every request thread."""

    def __init__(self, lifetime):
        self.lifetime = lifetime
        self._tokens = {}  # token -> (expiry in seconds since the epoch, scopes)
        self._tokens_lock = threading.Lock()

    def issue_token(self, prefix, scopes=None):
        """A new token (`prefix` and random text) that lives `lifetime` seconds."""
        token = prefix + secrets.token_urlsafe(32)
        with self._tokens_lock:
            self._tokens[token] = (time.time() + self.lifetime, scopes)
        return token

    def token_state(self, token):
        """(expiry, scopes) of a token issued, or None."""
        with self._tokens_lock:
            return self._tokens.get(token)

    def expire_all(self):
        """Every token issued so far expires now; new ones are issued as usual."""
        with self._tokens_lock:
            self._tokens = {t: (0, s) for t, (_, s) in self._tokens.items()}

    def set_lifetime(self, seconds):
        """The lifetime of tokens issued from now on."""
        self.lifetime = int(seconds)
