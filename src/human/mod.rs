//! How values are shown to people, in one place: text from data with its control characters
//! made visible, times to the second in UTC, paths normalised. Every human, Markdown and HTML
//! output and every message goes through it; JSON output never does (serde escapes, and
//! machines get the exact values).

mod columns;
mod money;
mod path;
mod shown_text;
mod spreadsheet;
mod text;
mod timestamp;

pub use columns::aligned;
pub use money::money;
pub use path::path;
pub use shown_text::ShownText;
pub use spreadsheet::spreadsheet_safe;
pub use text::{printable, printable_lines, stand_in};
pub use timestamp::{time_of, timestamp};
