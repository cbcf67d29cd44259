"""The control API under `/_control/`, for tests only: not Graph, not authenticated (the server
listens on loopback only), not contract-checked. Bad input is answered 400 `{"error": "..."}`.

    POST /_control/state       load a seed (store.py describes it); replaces everything
    GET  /_control/state       the tenant now, in the seed's shape, with consumedUnits and
                               deletedUsers
    POST /_control/faults      queue a fault or a list of them (faults.py)
    GET  /_control/faults      the faults still queued
    POST /_control/lag         {"reads": N, "ms": T}: stale reads after each write to a user
    POST /_control/tokens      {"lifetime": SECONDS} for the tokens issued from now on
    GET  /_control/requests    every call: method, path, query, status, in_batch
    GET  /_control/violations  every contract violation: side, method, path, query, in_batch,
                               messages
    POST /_control/reset       empty tenant, no faults, no lag, empty logs
"""

from faults import FaultError
from messages import Reply
from store import SeedError


def handle(app, call):
    """The answer to a call on `/_control/...`."""
    name = call.path[len("/_control/"):]
    try:
        body = call.json() if call.method == "POST" else None
    except ValueError:
        return Reply(400, {"error": "the body is not JSON"})
    try:
        if (call.method, name) == ("POST", "state"):
            with app.lock:
                app.store.load(body)
                tenant = app.store.tenant
                return Reply(200, {"users": len(tenant.users), "groups": len(tenant.groups),
                                   "skus": len(tenant.skus)})
        if (call.method, name) == ("GET", "state"):
            with app.lock:
                return Reply(200, app.store.tenant.dump())
        if (call.method, name) == ("POST", "faults"):
            return Reply(200, {"queued": app.faults.add(body)})
        if (call.method, name) == ("GET", "faults"):
            return Reply(200, app.faults.pending())
        if (call.method, name) == ("POST", "lag"):
            reads, ms = _whole(body, "reads"), _whole(body, "ms")
            with app.lock:
                app.store.set_lag(reads, ms)
            return Reply(200, {"reads": reads, "ms": ms})
        if (call.method, name) == ("POST", "tokens"):
            app.auth.set_lifetime(_whole(body, "lifetime"))
            return Reply(200, {"lifetime": app.auth.lifetime})
        if (call.method, name) == ("GET", "requests"):
            with app.lock:
                return Reply(200, list(app.requests))
        if (call.method, name) == ("GET", "violations"):
            with app.lock:
                return Reply(200, list(app.violations))
        if (call.method, name) == ("POST", "reset"):
            app.reset()
            return Reply(200, {"reset": True})
    except (SeedError, FaultError, ValueError) as e:
        return Reply(400, {"error": str(e)})
    return Reply(404, {"error": f"no control call {call.method} {call.path}"})


def _whole(body, key):
    value = (body or {}).get(key, 0) if isinstance(body, (dict, type(None))) else None
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be a whole number >= 0")
    return value
