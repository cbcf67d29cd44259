"""What the fake vendor clouds share: a call and its answer (messages.py), the HTTP server
that hands calls to a fake (server.py), queued faults (faults.py), the steps of an API call
around the fake's own checks (pipeline.py), the control API (control.py), the checks of a
seed (seeds.py), the log of calls and contract violations (journal.py), the bearer tokens
issued (tokens.py), RS256 JWT checks (jwt.py), path templates and checks of values for
contract checkers (checks.py) and the run of a contract checker's own check (selfcheck.py).
A fake puts `tests/peers` on `sys.path` and imports `common.NAME`."""
