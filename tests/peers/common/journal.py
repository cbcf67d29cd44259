"""The log of every call a fake answered and of every contract violation it found, read
through the control API."""

import threading


class Journal:
    """Calls (method, path, query, status) and violations (side, method, path, query,
    messages), safe to use from every request thread."""

    def __init__(self):
        self.requests = []
        self.violations = []
        self._lock = threading.Lock()

    def call(self, call, reply):
        """Log `call` and its `reply` (None: no answer was sent); returns `reply`."""
        with self._lock:
            self.requests.append({"method": call.method, "path": call.path,
                                  "query": dict(call.query),
                                  "status": reply.status if reply else None})
        return reply

    def violation(self, side, call, problems):
        with self._lock:
            self.violations.append({"side": side, "method": call.method, "path": call.path,
                                    "query": dict(call.query), "messages": list(problems)})

    def clear(self):
        with self._lock:
            self.requests.clear()
            self.violations.clear()
