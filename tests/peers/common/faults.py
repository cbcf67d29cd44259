"""Faults queued through the control API for API calls matching a method and a path glob. The
first queued fault that matches a call applies to it; `times` says how many calls it applies
to (null: every call, for good).

    {"kind", "method" (default any), "path" (glob on the path, default any),
     "times" (default 1), "retry_after" (seconds), "delay_ms"}

Three kinds mean the same for every fake, and the fake's app acts them out: `expire_token`
(every token issued so far expires, then the call is checked as usual), `drop` (the
connection is closed without an answer) and `delay` (answered normally after `delay_ms`). The
other kinds are the vendor's error answers: the fake passes their descriptions, a function
`answer(fault)` that makes the Reply, and an example of a path glob for its error messages.
"""

import fnmatch
import threading

SHARED_KINDS = {
    "expire_token": "every token issued so far expires; the call is then answered 401",
    "drop": "the connection is closed without an answer",
    "delay": "the call is answered normally after delay_ms milliseconds",
}
FIELDS = {"kind", "method", "path", "times", "retry_after", "delay_ms"}


class FaultError(ValueError):
    """A fault the control API cannot queue; the message says why."""


class Fault:
    """One queued fault."""

    def __init__(self, spec, kinds, example):
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        unknown = set(spec) - FIELDS
        if unknown:
            raise FaultError(f"unknown fault fields: {', '.join(sorted(unknown))} "
                             f"(allowed: {', '.join(sorted(FIELDS))})")
        self.kind = spec.get("kind")
        if self.kind not in kinds:
            raise FaultError(f"kind must be one of {', '.join(kinds)}")
        self.method = str(spec.get("method", "*")).upper()
        self.path = spec.get("path", "*")
        if not isinstance(self.path, str) or not self.path:
            raise FaultError(f"path must be a glob pattern such as {example}")
        self.times = spec.get("times", 1)
        if self.times is not None and (not isinstance(self.times, int) or self.times < 1):
            raise FaultError("times must be a whole number >= 1, or null for every call")
        self.retry_after = spec.get("retry_after")
        if self.retry_after is not None and (not isinstance(self.retry_after, int)
                                             or self.retry_after < 0):
            raise FaultError("retry_after must be a whole number of seconds >= 0")
        self.delay_ms = spec.get("delay_ms", 0)
        if not isinstance(self.delay_ms, int) or not 0 <= self.delay_ms <= 60000:
            raise FaultError("delay_ms must be a whole number of milliseconds, 0 to 60000")

    def matches(self, call):
        return self.method in ("*", call.method) and fnmatch.fnmatchcase(call.path, self.path)

    def describe(self):
        return {"kind": self.kind, "method": self.method, "path": self.path,
                "times": self.times, "retry_after": self.retry_after, "delay_ms": self.delay_ms}


class Faults:
    """The queue of faults, safe to use from every request thread. `kinds` maps the vendor's
    own kinds to their descriptions; `answer(fault)` makes their Reply; `example` is a path
    glob the error messages show."""

    def __init__(self, kinds, answer, example):
        self.kinds = {**kinds, **SHARED_KINDS}
        self.answer = answer
        self.example = example
        self._queue = []
        self._lock = threading.Lock()

    def add(self, specs):
        """Queue one fault or a list of them (all or none); returns how many were queued."""
        specs = specs if isinstance(specs, list) else [specs]
        faults = [Fault(s, self.kinds, self.example) for s in specs]
        with self._lock:
            self._queue += faults
        return len(faults)

    def take(self, call):
        """The first fault matching `call`, used once; None when none does."""
        with self._lock:
            for fault in self._queue:
                if fault.matches(call):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._queue.remove(fault)
                    return fault
        return None

    def reply(self, fault):
        """The vendor's answer for a fault that answers in the server's place, else None."""
        return None if fault.kind in SHARED_KINDS else self.answer(fault)

    def pending(self):
        with self._lock:
            return [f.describe() for f in self._queue]

    def clear(self):
        with self._lock:
            self._queue = []
