//! Heads and anchors: the outside reference a hash chain needs. A chain proves that nothing was
//! changed *before* its last record, but not that nothing was cut off *after* it: removing the
//! newest records of an open run, or the newest run together with its ledger lines, leaves a
//! shorter chain that is perfectly sound. `verify` therefore prints the current head of the
//! ledger and of every run (position and payload hash); an auditor who keeps one elsewhere (a
//! ticket, an email, another machine) can later ask `verify --head` whether it is still in the
//! chain. This module owns the text form of a head (`SEQ:sha256:HEX`, or `RUN@SEQ:sha256:HEX`
//! for a run) and the verdict on one; it never reads files.

use std::str::FromStr;

use serde::Serialize;

use super::reader::split_lines;
use super::record::{check_id, payload_hash};

/// The last record of a chain: its 0-based position and `sha256:` hash of its payload bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Head {
    /// Position of the record (its `seq` in a sound chain).
    pub seq: u64,
    /// `sha256:<hex>` of the record's payload string.
    pub hash: String,
}

/// A head saved earlier, to be found again in the ledger (no `run`) or in a run's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    /// The run whose file holds the record; `None` for the ledger.
    pub run: Option<String>,
    /// Position of the record.
    pub seq: u64,
    /// `sha256:<hex>` of the record's payload string.
    pub hash: String,
}

impl Anchor {
    /// The anchor of `head`, in the ledger (`run` is `None`) or in run `run`.
    pub fn of(run: Option<&str>, head: &Head) -> Anchor {
        Anchor {
            run: run.map(str::to_owned),
            seq: head.seq,
            hash: head.hash.clone(),
        }
    }

    /// Judge a run head against the run's entry in the `ledger.checkpoint` that removed it
    /// (`seal`: the hash of its last record and its record count): the saved record must be
    /// within the removed run, and when it was the last, the listed hash must be its hash.
    /// Records before the last were removed with their hashes, so a head saved at one of them
    /// cannot be compared; the report says so without failing.
    pub(crate) fn judge_pruned(&self, seal: &(String, u64)) -> AnchorReport {
        let (hash, records) = seal;
        let run = self.run.as_deref().unwrap_or_default();
        let (ok, message) = match self.seq.checked_add(1) {
            Some(n) if n == *records && *hash == self.hash => (
                true,
                format!(
                    "run {run} was pruned at a ledger checkpoint that lists the saved record as its last"
                ),
            ),
            Some(n) if n == *records => (
                false,
                format!(
                    "run {run} was pruned at a ledger checkpoint whose last record {} hashes to {hash}, not to the saved head: the chain was rewritten at or before it",
                    self.seq
                ),
            ),
            Some(n) if n < *records => (
                true,
                format!(
                    "run {run} was pruned at a ledger checkpoint with {records} records, after the saved record {}; the removed records cannot be compared with the saved head",
                    self.seq
                ),
            ),
            _ => (
                false,
                format!(
                    "run {run} was pruned at a ledger checkpoint with {records} records; the saved head was record {}: records were cut off before it was sealed",
                    self.seq
                ),
            ),
        };
        AnchorReport {
            anchor: self.to_string(),
            ok,
            message,
        }
    }

    /// Judge this anchor against `lines`, the complete lines of the file it points into.
    pub(crate) fn judge(&self, lines: &[&[u8]]) -> AnchorReport {
        let chain = match &self.run {
            Some(run) => format!("run {run}"),
            None => "the ledger".to_owned(),
        };
        let found = usize::try_from(self.seq)
            .ok()
            .and_then(|i| lines.get(i))
            .map(|line| line_hash(line));
        let (ok, message) = match found {
            None if lines.is_empty() && self.run.is_some() => (
                false,
                format!(
                    "{chain} has no records in the journal (its file is missing or empty); the saved head was record {}: the run was deleted",
                    self.seq
                ),
            ),
            None => (
                false,
                format!(
                    "{chain} has {} records; the saved head was record {}: records were cut off after it",
                    lines.len(),
                    self.seq
                ),
            ),
            Some(Some(hash)) if hash == self.hash => (
                true,
                format!("record {} of {chain} is still the saved one", self.seq),
            ),
            Some(Some(hash)) => (
                false,
                format!(
                    "record {} of {chain} now hashes to {hash}: the chain was rewritten at or before it",
                    self.seq
                ),
            ),
            Some(None) => (
                false,
                format!("record {} of {chain} is not a readable record", self.seq),
            ),
        };
        AnchorReport {
            anchor: self.to_string(),
            ok,
            message,
        }
    }
}

impl std::fmt::Display for Anchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(run) = &self.run {
            write!(f, "{run}@")?;
        }
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// Why a head could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "head {text:?}: {message}; expected SEQ:sha256:HEX (the ledger) or RUN@SEQ:sha256:HEX (a run), as `offboard verify` prints it"
)]
pub struct AnchorParseError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub message: String,
}

impl FromStr for Anchor {
    type Err = AnchorParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |message: &str| AnchorParseError {
            text: text.to_owned(),
            message: message.to_owned(),
        };
        let (run, rest) = match text.split_once('@') {
            Some((run, rest)) => {
                check_id("run id", run).map_err(|_| fail("not a valid run id before '@'"))?;
                (Some(run.to_owned()), rest)
            }
            None => (None, text),
        };
        let (seq, hash) = rest
            .split_once(':')
            .ok_or_else(|| fail("no ':' after the position"))?;
        let seq: u64 = seq
            .parse()
            .map_err(|_| fail("the position is not a number"))?;
        let hex = hash.strip_prefix("sha256:").unwrap_or(hash);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(fail("the hash is not 64 hexadecimal digits"));
        }
        Ok(Anchor {
            run,
            seq,
            hash: format!("sha256:{}", hex.to_ascii_lowercase()),
        })
    }
}

/// The verdict on one anchor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorReport {
    /// The anchor, as given.
    pub anchor: String,
    /// True when the chain still holds the saved record at the saved position.
    pub ok: bool,
    /// What was found, in words.
    pub message: String,
}

/// The head of a file's bytes: its last complete line, when that line's payload can be read.
pub(crate) fn head_of(lines: &[&[u8]]) -> Option<Head> {
    let last = lines.last()?;
    Some(Head {
        seq: lines.len() as u64 - 1,
        hash: line_hash(last)?,
    })
}

/// The payload hash of one line, when its envelope parses.
fn line_hash(line: &[u8]) -> Option<String> {
    super::reader::parse_envelope(line)
        .ok()
        .map(|envelope| payload_hash(&envelope.payload))
}

/// The complete lines of `bytes` (a torn tail left out).
pub(crate) fn lines_of(bytes: &[u8]) -> Vec<&[u8]> {
    split_lines(bytes).0
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea";

    #[test]
    fn heads_parse_and_print_back() {
        let ledger: Anchor = format!("41:sha256:{HEX}").parse().unwrap();
        assert_eq!(ledger.run, None);
        assert_eq!(ledger.seq, 41);
        assert_eq!(ledger.to_string(), format!("41:sha256:{HEX}"));
        let run: Anchor = format!("E1007-x-1@3:{}", HEX.to_uppercase())
            .parse()
            .unwrap();
        assert_eq!(run.run.as_deref(), Some("E1007-x-1"));
        assert_eq!(run.to_string(), format!("E1007-x-1@3:sha256:{HEX}"));
        for bad in [
            "41",
            "x:sha256:00",
            &format!("41:sha256:{}", &HEX[1..]),
            &format!("../r@1:{HEX}"),
            &format!("-1:{HEX}"),
        ] {
            let err = bad.parse::<Anchor>().unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn an_anchor_is_judged_by_the_record_at_its_position() {
        let line = br#"{"payload":"{}","sig":"s"}"#.as_slice();
        let other = br#"{"payload":"{\"a\":1}","sig":"s"}"#.as_slice();
        let head = head_of(&[other, line]).unwrap();
        assert_eq!(head.seq, 1);
        assert_eq!(head.hash, payload_hash("{}"));
        let anchor = Anchor::of(None, &head);
        assert!(anchor.judge(&[other, line, other]).ok);
        let cut = anchor.judge(&[other]);
        assert!(
            !cut.ok && cut.message.contains("cut off"),
            "{}",
            cut.message
        );
        let gone = Anchor::of(Some("E1-x-1"), &head).judge(&[]);
        assert!(
            !gone.ok
                && gone.message.contains("run E1-x-1 has no records")
                && gone.message.contains("deleted"),
            "{}",
            gone.message
        );
        let rewritten = anchor.judge(&[other, other]);
        assert!(
            !rewritten.ok && rewritten.message.contains("rewritten"),
            "{}",
            rewritten.message
        );
    }
}
