//! Generated files written into a directory for everyone to read (`offboard schema --out`,
//! `offboard man --out`): the directory 0755 and each file 0644 whatever the umask, a file there
//! already replaced whole.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::schema::SchemaKind;

/// Write each `(file name, content)` into `dir`, created when missing.
pub fn write_into<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<()> {
    crate::fsio::create_dir_all(dir, 0o755).map_err(|e| Error::io("cannot create", dir, e))?;
    for (name, content) in files {
        let path = dir.join(name);
        crate::fsio::replace(&path, 0o644, |file| file.write_all(content))
            .map_err(|e| Error::io("cannot write", &path, e))?;
    }
    Ok(())
}

/// Every JSON Schema written into `dir` as `KIND.schema.json`; how many.
pub fn write_schemas(dir: &Path) -> Result<usize> {
    let files: Vec<(String, String)> = SchemaKind::ALL
        .iter()
        .map(|kind| (kind.file_name(), format!("{}\n", kind.json())))
        .collect();
    write_into(dir, files.iter().map(|(n, t)| (n.as_str(), t.as_bytes())))?;
    Ok(files.len())
}
