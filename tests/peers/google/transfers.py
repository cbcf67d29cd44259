"""Data transfers run asynchronously: a transfer is `inProgress` when inserted and stays so for
the next `reads` reads of it (transfers.get, transfers.list) and at least `ms` milliseconds;
then it is `completed`, or `failed` when it was one of the next `fail` transfers inserted.
`POST /_control/transfers {"reads": N, "ms": T, "fail": K}` sets these for transfers inserted
from then on (defaults: reads 1, ms 0, fail 0). `POST /_control/transfers/finish` lets every
transfer still running end on its next read, whatever reads and time it had left."""

import secrets
import time

from store import now_rfc3339


class Progress:
    """The settings, and each transfer's remaining reads and earliest end."""

    def __init__(self):
        self.reads, self.ms, self.fail = 1, 0, 0
        self._pending = {}  # transfer id -> [reads left, end (monotonic), outcome]

    def configure(self, reads, ms, fail):
        self.reads, self.ms, self.fail = reads, ms, fail

    def start(self, domain, old_user, new_user, applications):
        """Insert a transfer; returns its record."""
        transfer_id = "AKrEtIb" + secrets.token_hex(8)
        outcome = "completed"
        if self.fail:
            self.fail -= 1
            outcome = "failed"
        record = {"id": transfer_id, "oldOwnerUserId": old_user, "newOwnerUserId": new_user,
                  "applicationDataTransfers": [
                      dict(app, applicationTransferStatus="inProgress") for app in applications],
                  "overallTransferStatusCode": "inProgress", "requestTime": now_rfc3339()}
        domain.transfers[transfer_id] = record
        self._pending[transfer_id] = [self.reads, time.monotonic() + self.ms / 1000, outcome]
        return record

    def read(self, domain, transfer_id):
        """The transfer as a read sees it, counting the read; None when there is none."""
        record = domain.transfers.get(transfer_id)
        pending = self._pending.get(transfer_id)
        if record is None or pending is None:
            return record
        if pending[0] > 0:
            pending[0] -= 1
            return record
        if time.monotonic() < pending[1]:
            return record
        outcome = pending[2]
        record["overallTransferStatusCode"] = outcome
        for app in record["applicationDataTransfers"]:
            app["applicationTransferStatus"] = outcome
        del self._pending[transfer_id]
        return record

    def finish(self):
        """Every transfer still running ends on its next read; returns how many there are."""
        for pending in self._pending.values():
            pending[0], pending[1] = 0, time.monotonic()
        return len(self._pending)

    def clear(self):
        self.__init__()
