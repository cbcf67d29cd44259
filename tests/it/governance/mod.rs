//! End-to-end tests of the governance commands through the real binary, each in a fresh copy of
//! the acme playbook repository (or a generated company): `plan` (reads only, exact changes,
//! saved plans and drift), manual sign-off and separation of duties, staged steps and `due`,
//! legal holds (plan, status, report, and `due` once a hold is lifted), guarded batches, movers,
//! leaves of absence and `status`. Every test checks what the SQLite store and the signed
//! journal hold afterwards, read with plain SQL and JSON.

mod approval;
mod batch;
mod hold;
mod leave;
mod mover;
mod plan;
mod sign_off;
mod staging;
mod status;
