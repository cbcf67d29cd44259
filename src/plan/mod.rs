//! Stage 3, plan: combine a validated playbook, an employee record and the live state read from
//! each connector into the exact list of changes a run would make. Reads only; never writes.

pub mod desired;
