//! `offboard report`: metrics and evidence for leadership and auditors, read from the signed
//! journals. It owns the figures (runs per playbook, time to deprovision per risk tier, SLO
//! breaches, seats reclaimed, orphan rate), their formats and the auditor evidence pack. It only
//! reads journals (and the optional `reconcile.json`); it never writes to them, and it never
//! talks to a connector.
//!
//! - [`parse_period`]: the `--since` period;
//! - [`RunInput`], [`Window`], [`compute`]: pure functions from payloads to a [`Report`];
//! - [`model`]: the report's public JSON format;
//! - [`debrief()`]: failures, retries and late steps of the period, for a post-incident review;
//! - [`stats`]: nearest-rank percentiles;
//! - [`read_orphan_rate`]: the optional reconcile result;
//! - [`render`]: human text, Markdown, HTML with inline SVG, JSON;
//! - [`build_evidence_pack`], [`write_evidence_pack`]: CSV, journal copies, `manifest.json`,
//!   `manifest.sig`, built in memory and written as a directory;
//! - [`write_evidence_archive`], [`parse_recipients`]: the same pack as one age-encrypted tar;
//! - [`manifest`]: the pack's signed manifest, the format auditors check;
//! - [`check_evidence_pack`]: the auditor's check of a pack, natively.

mod archive;
mod debrief;
mod error;
mod evidence;
mod late;
pub mod manifest;
mod metrics;
pub mod model;
mod orphans;
mod pack_check;
mod period;
mod recipient;
pub mod render;
pub mod stats;
mod step_facts;

pub use archive::write_evidence_archive;
pub use debrief::debrief;
pub use error::ReportError;
pub use evidence::{
    EvidencePack, EvidenceRow, PackContents, PackFile, build_evidence_pack, evidence_rows,
    write_evidence_pack,
};
pub use metrics::{RunInput, Window, compute, in_window};
pub use model::{Debrief, OrphanRate, Report};
pub use orphans::{RECONCILE_FILE, orphan_rate, read_orphan_rate};
pub use pack_check::{PackCheck, PackProblem, Problem, check_evidence_pack};
pub use period::parse_period;
pub use recipient::{Recipient, parse_recipient, parse_recipients};
