//! The confirmation journal: signed, hash-chained JSON lines, one file per run, and a ledger that
//! chains the runs. It knows nothing of connectors or playbooks beyond the record fields.
