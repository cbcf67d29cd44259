//! The size limits on everything offboard reads, in one table (the README's "Files and
//! permissions" section documents the same numbers). They are generous for real data (an HR
//! export of millions of rows loads) and exist so that a wrong path (`/dev/zero`, a huge or
//! sparse file) or a hostile field fails quickly with a clear error instead of exhausting memory.

/// A size limit and what it applies to (named in the error when it is exceeded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The largest size accepted, in bytes.
    pub bytes: u64,
    /// What the limit is for, as an error message names it.
    pub what: &'static str,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the {} limit for {}", size(self.bytes), self.what)
    }
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Configuration, playbooks, glossary, roles, holds, allow lists, `allowed_signers`, signing
/// keys, CA certificates, saved plans and batch files (`run --from`).
pub const TEXT: Limit = Limit {
    bytes: 16 * MIB,
    what: "a configuration, playbook, key, plan or batch file",
};

/// Files read whole that grow with the organisation: seed CSV files of the embedded store and
/// the HR write-back.
pub const STATE: Limit = Limit {
    bytes: 256 * MIB,
    what: "a seed CSV or the HR write-back file",
};

/// CSV exports read as a stream: the HR export and inventory exports.
pub const EXPORT: Limit = Limit {
    bytes: 4 * GIB,
    what: "a CSV export",
};

/// One run's journal file.
pub const RUN_FILE: Limit = Limit {
    bytes: 64 * MIB,
    what: "a journal run file",
};

/// Files of the journal directory that grow with every run: the ledger, webhook delivery
/// logs and `reconcile.json`.
pub const JOURNAL_STATE: Limit = Limit {
    bytes: GIB,
    what: "the ledger, a delivery log or reconcile.json",
};

/// One answer (page) of the HR HTTP source.
pub const HTTP_PAGE: Limit = Limit {
    bytes: 64 * MIB,
    what: "an HR HTTP answer",
};

/// One answer of a system a connector talks to over HTTP (SCIM, Microsoft Graph, a token
/// endpoint, a webhook receiver).
pub const HTTP_ANSWER: Limit = Limit {
    bytes: 64 * MIB,
    what: "a connector's HTTP answer",
};

/// One line of a journal file (run, ledger, delivery log).
pub const JOURNAL_LINE: Limit = Limit {
    bytes: MIB,
    what: "a journal line",
};

/// One row of a CSV file.
pub const CSV_ROW: Limit = Limit {
    bytes: MIB,
    what: "a CSV row",
};

/// One field of a CSV row or of an HR record.
pub const CSV_FIELD: Limit = Limit {
    bytes: 64 * KIB,
    what: "a field",
};

/// An employee id or name given to look someone up (command line, batch file, saved plan).
pub const KEY: Limit = Limit {
    bytes: 256,
    what: "an employee id or name",
};

/// `bytes` in the largest binary unit it is a whole number of (`64 KiB`, `1 GiB`), else in
/// bytes.
pub fn size(bytes: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} bytes")
}

/// Check an employee id or name against [`KEY`]; the error quotes only its start.
pub fn check_key(value: &str) -> Result<(), String> {
    if value.len() as u64 <= KEY.bytes {
        return Ok(());
    }
    let start: String = value.chars().take(32).collect();
    Err(format!(
        "`{}...` is {} bytes long, over {KEY}",
        start.escape_debug(),
        value.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(64 * KIB), "64 KiB");
        assert_eq!(size(GIB), "1 GiB");
        assert_eq!(size(4 * GIB), "4 GiB");
        assert_eq!(size(256), "256 bytes");
        assert_eq!(size(1500), "1500 bytes");
        assert_eq!(CSV_FIELD.to_string(), "the 64 KiB limit for a field");
    }

    #[test]
    fn long_keys_are_refused_without_quoting_them_whole() {
        assert!(check_key(&"a".repeat(256)).is_ok());
        let err = check_key(&"a".repeat(10_000)).unwrap_err();
        assert!(err.len() < 200, "{err}");
        assert!(err.contains("10000 bytes long"), "{err}");
        assert!(err.contains("256 bytes"), "{err}");
    }
}
