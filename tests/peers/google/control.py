"""The control API under `/_control/`, for tests only: not Google's, not authenticated (the
server listens on loopback only), not contract-checked. Bad input is answered 400
`{"error": "..."}`.

    POST /_control/state       load a seed (store.py describes it); replaces everything
    GET  /_control/state       the customer now, in the seed's shape, with signOuts,
                               transfers and deletedUsers
    POST /_control/faults      queue a fault or a list of them (faults.py)
    GET  /_control/faults      the faults still queued
    POST /_control/transfers   {"reads": N, "ms": T, "fail": K} for transfers inserted from now
                               on (transfers.py)
    POST /_control/transfers/finish   every transfer still running ends on its next read
    POST /_control/tokens      {"lifetime": SECONDS} for the tokens issued from now on
    GET  /_control/requests    every call: method, path, query, status
    GET  /_control/violations  every contract violation: side, method, path, query, messages
    POST /_control/reset       empty customer, no faults, default transfers, empty logs
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
        with app.lock:
            return _answer(app, call.method, name, body)
    except (SeedError, FaultError, ValueError) as e:
        return Reply(400, {"error": str(e)})


def _answer(app, method, name, body):
    if (method, name) == ("POST", "state"):
        app.load(body)
        return Reply(200, {"users": len(app.domain.users), "groups": len(app.domain.groups),
                           "skus": len(app.domain.skus)})
    if (method, name) == ("GET", "state"):
        return Reply(200, app.domain.dump())
    if (method, name) == ("POST", "faults"):
        return Reply(200, {"queued": app.faults.add(body)})
    if (method, name) == ("GET", "faults"):
        return Reply(200, app.faults.pending())
    if (method, name) == ("POST", "transfers"):
        reads, ms, fail = (_whole(body, k, d) for k, d in (("reads", 1), ("ms", 0), ("fail", 0)))
        app.progress.configure(reads, ms, fail)
        return Reply(200, {"reads": reads, "ms": ms, "fail": fail})
    if (method, name) == ("POST", "transfers/finish"):
        return Reply(200, {"finishing": app.progress.finish()})
    if (method, name) == ("POST", "tokens"):
        app.auth.set_lifetime(_whole(body, "lifetime", 3600))
        return Reply(200, {"lifetime": app.auth.lifetime})
    if (method, name) == ("GET", "requests"):
        return Reply(200, list(app.requests))
    if (method, name) == ("GET", "violations"):
        return Reply(200, list(app.violations))
    if (method, name) == ("POST", "reset"):
        app.reset()
        return Reply(200, {"reset": True})
    return Reply(404, {"error": f"no control call {method} /_control/{name}"})


def _whole(body, key, default):
    if not isinstance(body, (dict, type(None))):
        raise ValueError("the body must be a JSON object")
    value = (body or {}).get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a whole number >= 0")
    return value
