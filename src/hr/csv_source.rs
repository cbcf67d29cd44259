//! The CSV export HR source: one row per person, columns named by a [`ColumnMap`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::fields::ColumnMap;
use super::{CsvRows, HrError, HrRecord, Located, Roster, Visit};
use crate::fsio::{self, Links, STATE};

/// An HR roster exported as CSV.
#[derive(Clone, Debug)]
pub struct CsvSource {
    path: PathBuf,
    columns: ColumnMap,
    /// What was read of the write-back file.
    written: super::writeback::Memory,
}

impl CsvSource {
    /// A source reading `path` with `columns`.
    pub fn new(path: impl Into<PathBuf>, columns: ColumnMap) -> Self {
        CsvSource {
            path: path.into(),
            columns,
            written: Default::default(),
        }
    }

    /// The export file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The rows of the export, checked one at a time as they are read.
    pub fn rows(&self) -> Result<CsvRows, HrError> {
        CsvRows::open(&self.path, &self.columns)
    }

    /// Every row, with duplicate employee ids rejected.
    pub fn load(&self) -> Result<Vec<HrRecord>, HrError> {
        Ok(self.load_located()?.into_iter().map(|l| l.record).collect())
    }

    /// Every row with its `PATH:LINE`, duplicate employee ids rejected.
    pub fn load_located(&self) -> Result<Vec<Located>, HrError> {
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut records = Vec::new();
        let shown = crate::human::path(&self.path);
        self.rows()?.for_each(|row, line| {
            let record = row.to_record();
            if let Some(first_line) = seen.insert(record.id.clone(), line) {
                return Err(Visit::Stop(HrError::DuplicateId {
                    path: self.path.clone(),
                    line,
                    first_line,
                    id: record.id,
                }));
            }
            records.push(Located {
                location: format!("{shown}:{line}"),
                record,
            });
            Ok(())
        })?;
        Ok(records)
    }

    /// Every row indexed for lookup, read in one pass without keeping a record per row
    /// ([`Roster`]); duplicate employee ids rejected, as by [`CsvSource::load_located`].
    pub fn roster(&self) -> Result<Roster, HrError> {
        let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
        let mut roster = Roster::of_file(crate::human::path(&self.path), size);
        self.rows()?.for_each(|row, line| {
            roster.push_row(row, line).map_err(|first_line| {
                Visit::Stop(HrError::DuplicateId {
                    path: self.path.clone(),
                    line,
                    first_line,
                    id: row.id().to_owned(),
                })
            })
        })?;
        Ok(roster.finish())
    }

    /// The person whose employee id or username is `key`, by the rule of [`Roster::find`].
    pub fn find(&self, key: &str) -> Result<Option<HrRecord>, HrError> {
        Ok(self.roster()?.find(key)?.cloned())
    }
}

impl CsvSource {
    /// Where "IT offboarding complete" is written back for the HRIS to import: a CSV beside
    /// the export, `<export stem>.it-complete.csv` (`employee_id,run,completed_at`).
    pub fn writeback_path(&self) -> PathBuf {
        let stem = self
            .path
            .file_stem()
            .map_or_else(|| "hr".into(), |s| s.to_string_lossy().into_owned());
        self.path.with_file_name(format!("{stem}.it-complete.csv"))
    }

    /// True when the write-back file shows employee `id` as offboarded by IT.
    pub fn is_marked_complete(&self, id: &str) -> Result<bool, HrError> {
        Ok(self
            .completed_rows()?
            .iter()
            .any(|line| line.split(',').next() == Some(id)))
    }

    /// The complete rows of the write-back file, without its header.
    fn completed_rows(&self) -> Result<Vec<String>, HrError> {
        let path = self.writeback_path();
        let text = match fsio::read_to_string(&path, STATE, Links::Refuse) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(HrError::Read { path, source }),
        };
        Ok(text
            .split_inclusive('\n')
            .filter_map(|line| line.strip_suffix('\n'))
            .filter(|line| !line.is_empty() && *line != super::writeback::HEADER)
            .map(str::to_owned)
            .collect())
    }

    /// Write "IT offboarding complete" for employee `id` (idempotent), then read it back: the
    /// returned flag is what the file shows afterwards. The row is appended and synced (see
    /// [`writeback`](super::writeback) for what a crash leaves); the file is owner-only (0600).
    pub fn mark_complete(&self, id: &str, run: &str, at: &str) -> Result<bool, HrError> {
        super::writeback::mark(&self.writeback_path(), &self.written, id, run, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hr::Employment;

    fn source(csv: &str) -> (tempfile::TempDir, CsvSource) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hr.csv");
        std::fs::write(&path, csv).unwrap();
        (dir, CsvSource::new(path, ColumnMap::default()))
    }

    const HEADER: &str =
        "employee_id,username,email,display_name,status,effective_at,employment,legal_hold\n";

    #[test]
    fn the_streamed_roster_answers_as_the_records_do() {
        let (_d, src) = source(&format!(
            "{HEADER}E1,alice,alice@x.example,,TERM,2026-11-28,,\n\
             E2,mallory,m1@x.example,Mal,ACT,,contractor,true\n\
             E3,mallory,m2@x.example,,ACT,,,\n\
             E4,E5,e4@x.example,,ACT,,,\n\
             E5,eve,eve@x.example,,ACT,,,\n\
             E6,frank,Shared@x.example,,ACT,,,\n\
             E7,grace,shared@X.example,,ACT,,,\n\
             E8,heidi,heidi@x.example,\"Heidi, H.\",ACT,2026-11-28T09:30:00+02:00,,\n"
        ));
        let streamed = src.roster().unwrap();
        let loaded = Roster::new(src.load_located().unwrap());
        assert_eq!(streamed.len(), 8);
        assert_eq!(
            streamed.records().cloned().collect::<Vec<_>>(),
            src.load().unwrap()
        );
        for key in [
            "alice", "E1", "mallory", "E2", "E3", "E4", "E5", "eve", "frank", "grace", "E8",
            "heidi", "nobody", "",
        ] {
            let answer = |roster: &Roster| match roster.find(key) {
                Ok(found) => Ok(found.cloned()),
                Err(e) => Err(e.to_string()),
            };
            assert_eq!(answer(&streamed), answer(&loaded), "{key}");
        }
        let err = |roster: &Roster| roster.check_unique().unwrap_err().to_string();
        assert_eq!(err(&streamed), err(&loaded));
        assert!(
            err(&streamed).contains("hr.csv:3 (employee E2) and "),
            "{}",
            err(&streamed)
        );

        let (_d, src) = source(&format!(
            "{HEADER}E1,a,a@x,,ACT,,,\nE2,b,b@x,,ACT,,,\nE1,c,c@x,,ACT,,,\n"
        ));
        let err = src.roster().unwrap_err().to_string();
        assert!(
            err.ends_with(":4: duplicate employee id `E1` (first on line 2)"),
            "{err}"
        );
    }

    #[test]
    fn reads_rows_and_finds_by_id_or_username() {
        let (_d, src) = source(&format!(
            "{HEADER}E1,alice,alice@x.example,\"O'Brien, Zoë\",TERM,2026-11-28,contractor,true\n\
             E2,bob,bob@x.example,,ACT,2026-11-28T09:30:00Z,,\n"
        ));
        let all = src.load().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].display_name, "O'Brien, Zoë");
        assert_eq!(all[0].employment, Employment::Contractor);
        assert!(all[0].legal_hold);
        assert_eq!(
            all[1].effective_at.unwrap().to_string(),
            "2026-11-28 9:30:00.0 +00:00:00"
        );
        assert_eq!(src.find("bob").unwrap().unwrap().id, "E2");
        assert_eq!(src.find("E1").unwrap().unwrap().username, "alice");
        assert!(src.find("nobody").unwrap().is_none());
    }

    #[test]
    fn errors_name_the_file_line_and_problem() {
        let cases = [
            ("employee_id,username,email\n", "no column `status`"),
            (
                &format!("{HEADER}E1,alice,alice@x,,TERM,,,\nE1,al2,a2@x,,TERM,,,\n") as &str,
                ":3: duplicate employee id `E1` (first on line 2)",
            ),
            (
                &format!("{HEADER}E1,al ice,a@x,,TERM,,,\n"),
                ":2: column `username`: `al ice` contains ` `",
            ),
            (
                &format!("{HEADER}E1,alice,a@x,,TERM,yesterday,,\n"),
                ":2: column `effective_at`: `yesterday` is neither",
            ),
            (
                &format!("{HEADER}E1,alice,a@x,,TERM,,,maybe\n"),
                ":2: column `legal_hold`: `maybe` must be",
            ),
            (
                &format!("{HEADER}E1,alice,a@x,,,,,\n"),
                ":2: column `status` is empty",
            ),
        ];
        for (csv, expected) in cases {
            let (_d, src) = source(csv);
            let err = src.load().unwrap_err().to_string();
            assert!(err.contains(expected), "{err} should contain {expected}");
        }
    }

    #[test]
    fn write_back_is_idempotent_and_read_back() {
        let (_d, src) = source(&format!("{HEADER}E1,alice,a@x,,TERM,,,\n"));
        assert!(!src.is_marked_complete("E1").unwrap());
        assert!(
            src.mark_complete("E1", "run-1", "2026-11-30T00:00:00Z")
                .unwrap()
        );
        assert!(
            src.mark_complete("E1", "run-1", "2026-11-30T00:00:01Z")
                .unwrap()
        );
        let text = std::fs::read_to_string(src.writeback_path()).unwrap();
        assert_eq!(
            text,
            "employee_id,run,completed_at\nE1,run-1,2026-11-30T00:00:00Z\n"
        );
        assert!(!src.is_marked_complete("E2").unwrap());
    }

    #[test]
    fn write_back_repairs_an_empty_or_torn_file() {
        for torn in [
            "",
            "employee_id,run,comp",
            "employee_id,run,completed_at\nE9,run-0,2026",
        ] {
            let (_d, src) = source(&format!("{HEADER}E1,alice,a@x,,TERM,,,\n"));
            std::fs::write(src.writeback_path(), torn).unwrap();
            assert!(!src.is_marked_complete("E1").unwrap(), "{torn:?}");
            assert!(
                src.mark_complete("E1", "run-1", "2026-11-30T00:00:00Z")
                    .unwrap()
            );
            let text = std::fs::read_to_string(src.writeback_path()).unwrap();
            assert_eq!(
                text, "employee_id,run,completed_at\nE1,run-1,2026-11-30T00:00:00Z\n",
                "{torn:?}"
            );
        }
    }

    #[test]
    fn write_back_sees_rows_another_writer_appended_or_replaced() {
        use std::io::Write;
        let (_d, src) = source(&format!("{HEADER}E1,alice,a@x,,TERM,,,\n"));
        let path = src.writeback_path();
        assert!(src.mark_complete("E1", "run-1", "t1").unwrap());
        // Another process appends a row, and a torn one.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"E2,run-2,t2\nE3,ru").unwrap();
        drop(file);
        assert!(src.mark_complete("E2", "run-9", "t9").unwrap());
        assert!(src.mark_complete("E4", "run-4", "t4").unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "employee_id,run,completed_at\nE1,run-1,t1\nE2,run-2,t2\nE4,run-4,t4\n"
        );
        // The file replaced by another one: read afresh.
        std::fs::write(
            path.with_extension("new"),
            "employee_id,run,completed_at\nE5,r,t\n",
        )
        .unwrap();
        std::fs::rename(path.with_extension("new"), &path).unwrap();
        assert!(src.mark_complete("E1", "run-1", "t1").unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "employee_id,run,completed_at\nE5,r,t\nE1,run-1,t1\n");
    }

    #[test]
    fn concurrent_write_backs_lose_no_row() {
        let (_d, src) = source(&format!("{HEADER}E1,alice,a@x,,TERM,,,\n"));
        std::thread::scope(|scope| {
            for t in 0..4 {
                let src = &src;
                scope.spawn(move || {
                    for i in 0..10 {
                        let id = format!("T{t}x{i}");
                        assert!(
                            src.mark_complete(&id, "run", "2026-11-30T00:00:00Z")
                                .unwrap()
                        );
                    }
                });
            }
        });
        let rows = src.completed_rows().unwrap();
        assert_eq!(rows.len(), 40, "{rows:?}");
    }

    #[test]
    fn column_map_renames_and_rejects_unknown_fields() {
        let map = ColumnMap::new([("id".to_owned(), "EmpNo".to_owned())].into()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hr.csv");
        std::fs::write(&path, "EmpNo,username,email,status\nX9,zed,z@x,TERM\n").unwrap();
        let rows = CsvSource::new(&path, map).load().unwrap();
        assert_eq!(rows[0].id, "X9");
        // Two fields may read one column.
        let map =
            ColumnMap::new([("manager_id".to_owned(), "username".to_owned())].into()).unwrap();
        let rows = CsvSource::new(&path, map).load().unwrap_err();
        assert!(
            rows.to_string().contains("no column `employee_id`"),
            "{rows}"
        );
        let both = dir.path().join("both.csv");
        std::fs::write(
            &both,
            "employee_id,username,email,status\nX9,zed,z@x,TERM\n",
        )
        .unwrap();
        let map =
            ColumnMap::new([("manager_id".to_owned(), "username".to_owned())].into()).unwrap();
        let rows = CsvSource::new(&both, map).load().unwrap();
        assert_eq!(rows[0].username, "zed");
        assert_eq!(rows[0].manager_id.as_deref(), Some("zed"));
        let err = ColumnMap::new([("salary".to_owned(), "S".to_owned())].into()).unwrap_err();
        assert!(err.contains("unknown HR field `salary`"), "{err}");
    }
}
