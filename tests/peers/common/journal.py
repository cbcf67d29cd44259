"""The log of every call a fake answered and of every contract violation it found, read
through the control API."""

import threading


class Journal:
    """Calls (method, path, query, status) and violations (side, method, path, query,
    messages), safe to use from every request thread. `fields` names attributes of the
    fake's Call logged with both as well."""

    def __init__(self, fields=()):
        self.fields = tuple(fields)
        self.requests = []
        self.violations = []
        self._lock = threading.Lock()

    def call(self, call, reply):
        """Log `call` and its `reply` (None: no answer was sent); returns `reply`."""
        with self._lock:
            self.requests.append({"method": call.method, "path": call.path,
                                  "query": dict(call.query),
                                  "status": reply.status if reply else None,
                                  **self._fields(call)})
        return reply

    def violation(self, side, call, problems):
        with self._lock:
            self.violations.append({"side": side, "method": call.method, "path": call.path,
                                    "query": dict(call.query), **self._fields(call),
                                    "messages": list(problems)})

    def _fields(self, call):
        return {name: getattr(call, name) for name in self.fields}

    def clear(self):
        with self._lock:
            self.requests.clear()
            self.violations.clear()
