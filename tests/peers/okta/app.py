"""How the fake Okta answers a call: the token endpoint, or an API call (matched to its
operation, fault, credentials, contract check of the call, the handler, contract check of the
answer). One lock serialises the org's state; a delay fault sleeps outside it."""

import threading

import faults as okta_faults
from auth import check_token_answer
from common.faults import Faults
from common.journal import Journal
from common.pipeline import answer_call, checked
from messages import INTERNAL, VALIDATION, okta_error
from routes import Routes
from store import Org

TOKEN_PATH = "/oauth2/v1/token"


class App:
    """Everything one fake org holds, and how a call is answered."""

    def __init__(self, contract, auth, base_url):
        self.contract = contract
        self.auth = auth
        self.base = base_url
        self.routes = Routes(Org(), base_url)
        self.faults = Faults(okta_faults.KINDS, okta_faults.answer, okta_faults.EXAMPLE)
        self.journal = Journal()
        self.lock = threading.RLock()

    # -- what the control API needs -------------------------------------------------------

    def load(self, seed):
        self.routes.org = Org.from_seed(seed)  # SeedError (a ValueError): answered 400
        org = self.routes.org
        return {"users": len(org.users), "groups": len(org.groups), "apps": len(org.apps)}

    def dump(self):
        return self.routes.org.dump()

    def reset(self):
        self.routes.org = Org()
        self.faults.clear()
        self.journal.clear()

    def control(self, method, name, body):
        return None  # no control calls of its own

    # -- answering ------------------------------------------------------------------------

    def handle(self, call):
        """The answer to a call that is not for the control API; Drop to close the
        connection."""
        if call.path == TOKEN_PATH:
            return self.token(call)
        found, problem = self.contract.find(call.method, call.path, call.query)
        if found is None:
            return self.journal.call(call, self._violation("request", call, [problem]))
        op, params = found
        return answer_call(self, call, lambda: self.auth.check(call.headers, op),
                           lambda: self._answer(op, params, call))

    def _answer(self, op, params, call):
        with self.lock:
            return checked(call, lambda: self.contract.check_request(call)[1],
                           lambda: self.routes.handle(op.id, call, params),
                           lambda reply: self.contract.check_response(op, reply.status,
                                                                      reply.body),
                           self._violation)

    def token(self, call):
        with self.lock:
            reply = checked(call, lambda: self.auth.token_request_problems(call),
                            lambda: self.auth.issue(call, self.base + TOKEN_PATH),
                            check_token_answer, self._violation)
            return self.journal.call(call, reply)

    def _violation(self, side, call, problems):
        self.journal.violation(side, call, problems)
        if side == "request":
            return okta_error(400, VALIDATION, "Api validation failed: the call breaks Okta's "
                              "API description (ContractViolation)", problems)
        return okta_error(500, INTERNAL, "The fake's answer breaks Okta's API description "
                          "(ContractViolation)", problems)
