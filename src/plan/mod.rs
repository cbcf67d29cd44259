//! Stage 3, plan: combine a validated playbook, an employee record and the live state read from
//! each connector into the exact list of changes a run would make, and pin the playbook content a
//! saved plan was made with. Reads only; never writes.

pub mod desired;
pub mod identity;
