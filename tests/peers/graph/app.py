"""The fake's pipeline, the same for a call over HTTP and a `$batch` sub-request: a queued
fault, the bearer token, the contract check of the request, the route, the contract check of
the answer; plus the token endpoint and the `$batch` envelope, checked against the hand-written
contracts of schemas.py; and what the control API needs (common/control.py), with Graph's own
control call, the lag. Calls and violations are logged with `in_batch`. One lock serialises
the store and the checks of one call at a time; a delay fault sleeps outside it, and a
`$batch` takes it once per sub-request.
"""

import json
import re
import threading
from urllib.parse import parse_qsl

import faults as graph_faults
import schemas
from common.control import whole
from common.faults import Faults
from common.journal import Journal
from common.messages import Reply
from common.pipeline import answer_call, checked
from messages import Call, graph_error
from routes import Graph
from store import Store

TOKEN_PATH = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")


class App:
    """Everything one fake Graph tenant holds, and how a call is answered."""

    def __init__(self, contract, auth, base_url, tenant):
        self.contract = contract
        self.auth = auth
        self.base = base_url
        self.store = Store()
        self.faults = Faults(graph_faults.KINDS, graph_faults.answer, graph_faults.EXAMPLE)
        self.graph = Graph(self.store, base_url, tenant)
        self.journal = Journal(fields=["in_batch"])
        self.lock = threading.RLock()

    def handle(self, call):
        """The answer to a call that is not for the control API; Drop to close the connection."""
        token = TOKEN_PATH.match(call.path)
        if token:
            return self.token(call, token.group(1))
        if call.path == "/v1.0/$batch":
            return self.graph_call(call, call.headers, self._batch)
        if call.path.startswith("/v1.0/"):
            return self.graph_call(call, call.headers, self._route)
        return graph_error(404, "NotFound", "Only /v1.0/ and the token endpoint are served.")

    # -- what the control API needs -------------------------------------------------------

    def load(self, seed):
        self.store.load(seed)  # SeedError (a ValueError): answered 400
        tenant = self.store.tenant
        return {"users": len(tenant.users), "groups": len(tenant.groups),
                "skus": len(tenant.skus)}

    def dump(self):
        return self.store.tenant.dump()

    def reset(self):
        with self.lock:
            self.store = Store()
            self.graph.store = self.store
            self.faults.clear()
            self.journal.clear()

    def control(self, method, name, body):
        """`POST lag` {"reads": N, "ms": T}: stale reads after each write to a user."""
        if (method, name) == ("POST", "lag"):
            reads, ms = whole(body, "reads", 0), whole(body, "ms", 0)
            self.store.set_lag(reads, ms)
            return Reply(200, {"reads": reads, "ms": ms})
        return None

    # -- Graph calls ----------------------------------------------------------------------

    def graph_call(self, call, auth_headers, answer):
        """Fault, token, then `answer(call)`; every answer but a violation is checked."""
        return answer_call(self, call, lambda: self.auth.check_bearer(auth_headers),
                           lambda: answer(call))

    def _route(self, call):
        with self.lock:
            return checked(call, lambda: self.contract.check_request(call),
                           lambda: self.graph.handle(call),
                           lambda reply: self._response_problems(call, reply), self._violation)

    def _response_problems(self, call, reply):
        media = "application/json" if reply.body is not None else ""
        return self.contract.check_response(call, reply.status, reply.bytes(), media)

    def _batch(self, call):
        problems = []
        if call.method != "POST":
            problems.append(f"{call.method} /v1.0/$batch: $batch takes POST only")
        if call.query:
            problems.append("POST /v1.0/$batch: takes no query parameters")
        if call.content_type != "application/json":
            problems.append("POST /v1.0/$batch: the body must be application/json")
        try:
            body = call.json()
        except ValueError:
            body = None
            problems.append("POST /v1.0/$batch: the body is not JSON")
        if not problems:
            problems = schemas.check_batch_request(body)
        if problems:
            return self._violation("request", call, problems)
        answers, failed = [], set()
        for request in body["requests"]:
            answers.append(self._sub_request(call, request, failed))
        reply = Reply(200, {"responses": answers})
        problems = schemas.check(schemas.BATCH_RESPONSE, reply.body,
                                 "POST /v1.0/$batch answered 200: body")
        if problems:
            return self._violation("response", call, problems)
        return reply

    def _sub_request(self, envelope, request, failed):
        if any(d in failed for d in request.get("dependsOn", [])):
            failed.add(request["id"])
            return {"id": request["id"], "status": 424,
                    "body": {"error": {"code": "FailedDependency",
                                       "message": "A request this one depends on failed."}}}
        body = json.dumps(request["body"]).encode() if "body" in request else b""
        call = Call.parse(request["method"], "/v1.0/" + request["url"].lstrip("/"),
                          request.get("headers", {}), body, in_batch=True)
        reply = self.graph_call(call, envelope.headers, self._route)
        if reply.status >= 400:
            failed.add(request["id"])
        answer = {"id": request["id"], "status": reply.status, "headers": dict(reply.headers)}
        if reply.body is not None:
            answer["headers"]["Content-Type"] = "application/json"
            answer["body"] = reply.body
        return answer

    # -- the token endpoint ---------------------------------------------------------------

    def token(self, call, tenant):
        where = "POST /{tenant}/oauth2/v2.0/token"
        problems = []
        if call.method != "POST":
            problems.append(f"{call.method} {call.path}: the token endpoint takes POST only")
        if call.query:
            problems.append(f"{where}: the fields go in the body, not the query")
        if call.content_type != "application/x-www-form-urlencoded":
            problems.append(f"{where}: the body must be application/x-www-form-urlencoded")
        pairs = parse_qsl(call.body.decode("utf-8", "replace"), keep_blank_values=True)
        names = [name for name, _ in pairs]
        problems += [f"{where}: field {n} given twice" for n in sorted(set(names))
                     if names.count(n) > 1]
        form = dict(pairs)
        problems += schemas.check(schemas.TOKEN_REQUEST, form, f"{where}: form")
        with self.lock:
            reply = checked(call, lambda: problems,
                            lambda: self.auth.issue(tenant, form, self.base + call.path),
                            lambda reply: schemas.check_token_answer(reply, where),
                            self._violation)
            return self.journal.call(call, reply)

    def _violation(self, side, call, problems):
        self.journal.violation(side, call, problems)
        if side == "request":
            return graph_error(400, "ContractViolation", "; ".join(problems))
        return graph_error(500, "ContractViolation",
                           "The fake's answer breaks the contract: " + "; ".join(problems))
