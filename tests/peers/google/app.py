"""How the fake answers a call: the token endpoint, or an API call (matched to its discovery
method, fault, token and scope, contract check of the call, the handler, contract check of the
answer); and the logs of calls and violations. One lock serialises the customer's state; a delay
fault sleeps outside it."""

import threading
import time

from auth import check_token_answer
from faults import Faults
from messages import Drop, google_error
from routes import Routes
from store import Domain
from transfers import Progress


class App:
    """Everything one fake customer holds, and how a call is answered."""

    def __init__(self, contract, auth, base_url):
        self.contract = contract
        self.auth = auth
        self.base = base_url
        self.domain = Domain()
        self.progress = Progress()
        self.faults = Faults()
        user = next(m for m in contract.methods if m.id == "directory.users.get")
        read_only = {k for k, v in user.document["schemas"]["User"]["properties"].items()
                     if v.get("readOnly")}
        self.routes = Routes(self.domain, self.progress, read_only)
        self.requests = []
        self.violations = []
        self.lock = threading.RLock()

    def load(self, seed):
        self.domain = Domain.from_seed(seed)
        self.progress.clear()
        self.routes.domain = self.domain

    def reset(self):
        with self.lock:
            self.load({})
            self.faults.clear()
            self.requests.clear()
            self.violations.clear()

    def handle(self, call):
        """The answer to a call that is not for the control API; Drop to close the
        connection."""
        if call.path == "/token":
            return self.token(call)
        with self.lock:
            found, problem = self.contract.find(call.method, call.path)
        if found is None:
            return self._logged(call, self._violation("request", call, [problem]))
        method, params = found
        fault = self.faults.take(call)
        if fault and fault.kind == "delay":
            time.sleep(fault.delay_ms / 1000)
        if fault and fault.kind == "drop":
            self._logged(call, None)
            raise Drop()
        if fault and fault.kind == "expire_token":
            self.auth.expire_all()
        reply = self.auth.check_bearer(call.headers, method)
        if reply is None and fault:
            reply = fault.reply()
        if reply is None:
            reply = self._answer(method, params, call)
        return self._logged(call, reply)

    def _answer(self, method, params, call):
        with self.lock:
            _, problems = self.contract.check_request(call)
            if problems:
                return self._violation("request", call, problems)
            reply = self.routes.handle(method.id, call, params)
            problems = self.contract.check_response(method, reply.status, reply.body)
            if problems:
                return self._violation("response", call, problems)
            return reply

    def token(self, call):
        with self.lock:
            problems = self.auth.token_request_problems(call)
            if problems:
                return self._logged(call, self._violation("request", call, problems))
            admins = {u["primaryEmail"].casefold() for u in self.domain.users.values()
                      if u["isAdmin"] and not u["suspended"]}
            reply = self.auth.issue(call, self.base + "/token", admins)
            problems = check_token_answer(reply)
            if problems:
                reply = self._violation("response", call, problems)
            return self._logged(call, reply)

    def _violation(self, side, call, problems):
        with self.lock:
            self.violations.append({"side": side, "method": call.method, "path": call.path,
                                    "query": dict(call.query), "messages": problems})
        if side == "request":
            return google_error(400, "ContractViolation", "; ".join(problems))
        return google_error(500, "ContractViolation",
                            "The fake's answer breaks the contract: " + "; ".join(problems))

    def _logged(self, call, reply):
        with self.lock:
            self.requests.append({"method": call.method, "path": call.path,
                                  "query": dict(call.query),
                                  "status": reply.status if reply else None})
        return reply
