"""The control API under `/_control/`, for tests only: not the vendor's, not authenticated (a
fake listens on loopback only), not contract-checked. Bad input is answered 400
`{"error": "..."}`.

    POST /_control/state       load a seed (the fake's store.py describes it); replaces all
    GET  /_control/state       what the fake holds now, in the seed's shape
    POST /_control/faults      queue a fault or a list of them (faults.py)
    GET  /_control/faults      the faults still queued
    POST /_control/tokens      {"lifetime": SECONDS} for the tokens issued from now on
    GET  /_control/requests    every call: method, path, query, status
    GET  /_control/violations  every contract violation: side, method, path, query, messages
    POST /_control/reset       empty state, no faults, empty logs

The fake's app provides `lock`, `load(seed)` (answers a summary), `dump()`, `faults`,
`auth.set_lifetime(seconds)`, `journal`, `reset()`, and `control(method, name, body)` for its
own control calls (a Reply, or None when it has no such call). Errors it raises as ValueError
are answered 400 with their message.
"""

from common.messages import Reply


def handle(app, call):
    """The answer to a call on `/_control/...`."""
    name = call.path[len("/_control/"):]
    try:
        body = call.json() if call.method == "POST" else None
    except ValueError:
        return Reply(400, {"error": "the body is not JSON"})
    try:
        with app.lock:
            return _answer(app, call.method, name, body)
    except ValueError as e:
        return Reply(400, {"error": str(e)})


def _answer(app, method, name, body):
    if (method, name) == ("POST", "state"):
        return Reply(200, app.load(body))
    if (method, name) == ("GET", "state"):
        return Reply(200, app.dump())
    if (method, name) == ("POST", "faults"):
        return Reply(200, {"queued": app.faults.add(body)})
    if (method, name) == ("GET", "faults"):
        return Reply(200, app.faults.pending())
    if (method, name) == ("POST", "tokens"):
        app.auth.set_lifetime(whole(body, "lifetime", 3600))
        return Reply(200, {"lifetime": app.auth.lifetime})
    if (method, name) == ("GET", "requests"):
        return Reply(200, list(app.journal.requests))
    if (method, name) == ("GET", "violations"):
        return Reply(200, list(app.journal.violations))
    if (method, name) == ("POST", "reset"):
        app.reset()
        return Reply(200, {"reset": True})
    reply = app.control(method, name, body)
    if reply is None:
        return Reply(404, {"error": f"no control call {method} /_control/{name}"})
    return reply


def whole(body, key, default):
    """`body[key]` (or `default`), a whole number >= 0; ValueError otherwise."""
    if not isinstance(body, (dict, type(None))):
        raise ValueError("the body must be a JSON object")
    value = (body or {}).get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a whole number >= 0")
    return value
