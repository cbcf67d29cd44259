//! A copy of one run file checked on its own (an evidence pack's `journal/RUN.jsonl`): every
//! line signed by a key `allowed_signers` lists, every record naming the run and its position,
//! each chained to the one before. Then the hash of its last record stands for the whole copy,
//! and can be compared with what the ledger sealed or a checkpoint recorded. It knows nothing of
//! the journal the copy came from; the first record's link to the ledger is not checked here.

use super::allowed_signers::AllowedSigners;
use super::check::check_lines;
use super::reader::split_lines;
use super::record::Payload;

/// The end of a run copy whose records all check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyEnd {
    /// Records in the copy.
    pub records: u64,
    /// The hash of its last record.
    pub hash: String,
}

/// Check the copy `bytes` of run `run`; its end, or why it does not hold together (naming the
/// 1-based line).
pub fn check_copy(run: &str, bytes: &[u8], allowed: &AllowedSigners) -> Result<CopyEnd, String> {
    let (lines, torn) = split_lines(bytes);
    if torn.is_some() {
        return Err(format!("line {}: truncated", lines.len() + 1));
    }
    let mut prev: Option<String> = None;
    for (index, result) in check_lines::<Payload>(&lines, allowed)
        .into_iter()
        .enumerate()
    {
        let line = index + 1;
        let checked = result.map_err(|(_, reason)| format!("line {line}: {reason}"))?;
        let p = &checked.payload;
        if p.run != run || p.seq != index as u64 {
            return Err(format!(
                "line {line}: record {} of run {}, expected record {index} of run {run}",
                p.seq, p.run
            ));
        }
        if prev.as_ref().is_some_and(|prev| *prev != p.prev) {
            return Err(format!(
                "line {line}: prev {} is not the hash of the record before",
                p.prev
            ));
        }
        prev = Some(checked.hash);
    }
    let hash = prev.ok_or_else(|| "no record".to_owned())?;
    Ok(CopyEnd {
        records: lines.len() as u64,
        hash,
    })
}
