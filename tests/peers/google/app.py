"""How the fake answers a call: the token endpoint, or an API call (matched to its discovery
method, fault, token and scope, contract check of the call, the handler, contract check of the
answer); and what the control API needs (common/control.py), with Google's own control calls.
One lock serialises the customer's state; a delay fault sleeps outside it."""

import threading

import faults as google_faults
from auth import check_token_answer
from common.control import whole
from common.faults import Faults
from common.journal import Journal
from common.messages import Reply
from common.pipeline import answer_call, checked
from messages import google_error
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
        self.faults = Faults(google_faults.KINDS, google_faults.answer, google_faults.EXAMPLE)
        user = next(m for m in contract.methods if m.id == "directory.users.get")
        read_only = {k for k, v in user.document["schemas"]["User"]["properties"].items()
                     if v.get("readOnly")}
        self.routes = Routes(self.domain, self.progress, read_only)
        self.journal = Journal()
        self.lock = threading.RLock()

    # -- what the control API needs -------------------------------------------------------

    def load(self, seed):
        self.domain = Domain.from_seed(seed)  # SeedError (a ValueError): answered 400
        self.progress.clear()
        self.routes.domain = self.domain
        return {"users": len(self.domain.users), "groups": len(self.domain.groups),
                "skus": len(self.domain.skus)}

    def dump(self):
        return self.domain.dump()

    def reset(self):
        with self.lock:
            self.load({})
            self.faults.clear()
            self.journal.clear()

    def control(self, method, name, body):
        """`POST transfers` {"reads", "ms", "fail"} for transfers inserted from now on, and
        `POST transfers/finish`: every transfer still running ends on its next read."""
        if (method, name) == ("POST", "transfers"):
            reads, ms, fail = whole(body, "reads", 1), whole(body, "ms", 0), whole(body, "fail", 0)
            self.progress.configure(reads, ms, fail)
            return Reply(200, {"reads": reads, "ms": ms, "fail": fail})
        if (method, name) == ("POST", "transfers/finish"):
            return Reply(200, {"finishing": self.progress.finish()})
        return None

    # -- answering ------------------------------------------------------------------------

    def handle(self, call):
        """The answer to a call that is not for the control API; Drop to close the
        connection."""
        if call.path == "/token":
            return self.token(call)
        with self.lock:
            found, problem = self.contract.find(call.method, call.path)
        if found is None:
            return self.journal.call(call, self._violation("request", call, [problem]))
        method, params = found
        return answer_call(self, call, lambda: self.auth.check_bearer(call.headers, method),
                           lambda: self._answer(method, params, call))

    def _answer(self, method, params, call):
        with self.lock:
            return checked(call, lambda: self.contract.check_request(call)[1],
                           lambda: self.routes.handle(method.id, call, params),
                           lambda reply: self.contract.check_response(method, reply.status,
                                                                      reply.body),
                           self._violation)

    def token(self, call):
        with self.lock:
            reply = checked(call, lambda: self.auth.token_request_problems(call),
                            lambda: self.auth.issue(call, self.base + "/token", self._admins()),
                            check_token_answer, self._violation)
            return self.journal.call(call, reply)

    def _admins(self):
        """The emails a token request's `sub` may name: the admins not suspended."""
        return {u["primaryEmail"].casefold() for u in self.domain.users.values()
                if u["isAdmin"] and not u["suspended"]}

    def _violation(self, side, call, problems):
        self.journal.violation(side, call, problems)
        if side == "request":
            return google_error(400, "ContractViolation", "; ".join(problems))
        return google_error(500, "ContractViolation",
                            "The fake's answer breaks the contract: " + "; ".join(problems))
