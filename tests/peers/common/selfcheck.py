"""The run of a contract checker's own check (a fake's selfcheck.py): calls the checker must
pass or refuse, and answers it must pass or refuse. Prints one line per failed case and
exits 1 when any failed.

A call case is ((method, target, JSON body or None), the id of the operation it must match
or None, a word every problem must contain, "" when the call must pass). An answer case is
((method, target), status, JSON body or None, the word). The contract has
`check_request(call)` -> (operation or None, problems), `find(method, path)` ->
((operation, path parameters) or None, problem) and `check_response(operation, status,
body)` -> problems."""

import json
import sys

from common.messages import Call


def run(contract, requests, responses):
    """Check every case, print the failures and a summary, and exit."""
    failed = []
    for (http, target, body), op_id, word in requests:
        data = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        op, problems = contract.check_request(Call.parse(http, target, headers, data))
        got = op.id if op else None
        if op_id and got != op_id:
            failed.append(f"{http} {target}: matched {got}, not {op_id}")
        failed += _verdict(f"{http} {target}", problems, word)
    for (http, target), status, body, word in responses:
        found, problem = contract.find(http, Call.parse(http, target, {}, b"").path)
        if found is None:
            failed.append(problem)
            continue
        problems = contract.check_response(found[0], status, body)
        failed += _verdict(f"answer {status} to {http} {target}", problems, word)
    for line in failed:
        print("FAILED", line)
    print(f"{len(requests) + len(responses)} cases, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def _verdict(what, problems, word):
    if not word:
        return [f"{what}: refused: {problems}"] if problems else []
    if not problems:
        return [f"{what}: passed, should be refused ({word})"]
    if not all(word in p for p in problems):
        return [f"{what}: refused, but not all for {word}: {problems}"]
    return []
