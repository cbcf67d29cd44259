//! Stage 1, load: find and read the configuration, playbooks, glossary and role matrix from disk,
//! and record their git provenance (commit, blob id, dirty flag). It reads bytes; it never
//! interprets them.
