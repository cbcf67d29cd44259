"""The steps every fake takes for an API call around its own credential check and answer: the
first queued fault that matches the call (a delay sleeps first, outside the fake's lock; a drop
closes the connection; an expired token expires every token issued so far), the call's
credentials, the fault's own answer in the server's place, else the fake's answer. Every call
is logged in the fake's journal. And the contract check around an answer: the call first,
then the answer."""

import time

from common.messages import Drop


def answer_call(app, call, credentials, answer):
    """The logged Reply to `call`, from the fake's `app` (its `faults`, `journal` and `auth`):
    `credentials()` answers None or the refusal of the call's credentials, `answer()` the
    fake's own answer. Drop to close the connection."""
    fault = app.faults.take(call)
    if fault and fault.kind == "delay":
        time.sleep(fault.delay_ms / 1000)
    if fault and fault.kind == "drop":
        app.journal.call(call, None)
        raise Drop()
    if fault and fault.kind == "expire_token":
        app.auth.expire_all()
    reply = credentials()
    if reply is None and fault:
        reply = app.faults.reply(fault)
    if reply is None:
        reply = answer()
    return app.journal.call(call, reply)


def checked(call, request_problems, answer, answer_problems, violation):
    """`answer()` when the call keeps the contract (`request_problems()` lists none) and so
    does its answer (`answer_problems(reply)` lists none); otherwise `violation(side, call,
    problems)`, side "request" (the call is not answered) or "response"."""
    problems = request_problems()
    if problems:
        return violation("request", call, problems)
    reply = answer()
    problems = answer_problems(reply)
    if problems:
        return violation("response", call, problems)
    return reply
