//! How values are shown to people, in one place: text from data with its control characters
//! made visible, times to the second in UTC, paths normalised. Every human, Markdown and HTML
//! output and every message goes through it; JSON output never does (serde escapes, and
//! machines get the exact values).

mod money;
mod path;
mod text;
mod timestamp;

pub use money::money;
pub use path::path;
pub use text::{printable, printable_lines, stand_in};
pub use timestamp::{time_of, timestamp};
