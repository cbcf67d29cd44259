//! Generated artefacts: the playbook JSON Schema, shell completions and the man pages, all
//! derived from the types that define them so they cannot drift. Printing only (files are
//! written by [`crate::app::generated`]); nothing here reads a repository.

use std::io::Write;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use super::args::{ManArgs, SchemaArgs, SchemaFile};
use super::{Cli, GlobalArgs};
use crate::error::{Error, Result};
use crate::exit::Exit;
use crate::schema::SchemaKind;

/// `offboard schema [FILE]`: the draft-07 JSON Schema of one file format; with `--out DIR`,
/// every one of them written into DIR as `KIND.schema.json`.
pub fn schema(global: &GlobalArgs, args: &SchemaArgs) -> Result<Exit> {
    if let Some(dir) = &args.out {
        let written = crate::app::generated::write_schemas(dir)?;
        if !global.quiet {
            eprintln!("wrote {written} schemas into {}", dir.display());
        }
        return Ok(Exit::Done);
    }
    let kind = match args.file {
        SchemaFile::Playbook => SchemaKind::Playbook,
        SchemaFile::Config => SchemaKind::Config,
        SchemaFile::Glossary => SchemaKind::Glossary,
        SchemaFile::Roles => SchemaKind::Roles,
        SchemaFile::Holds => SchemaKind::Holds,
        SchemaFile::ServiceAccounts => SchemaKind::ServiceAccounts,
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", kind.json()).map_err(|e| Error::io("cannot write", "stdout", e))?;
    Ok(Exit::Done)
}

/// `offboard completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "offboard", &mut std::io::stdout());
    Ok(Exit::Done)
}

/// `offboard man [SUBCOMMAND] [--out DIR]`: print offboard(1) or offboard-SUBCOMMAND(1), or write
/// every page into a directory.
pub fn man(global: &GlobalArgs, args: &ManArgs) -> Result<Exit> {
    let pages = man_pages().map_err(|e| Error::io("cannot render", "man page", e))?;
    if let Some(dir) = &args.out {
        let files = pages.iter().map(|p| (p.file.as_str(), p.roff.as_slice()));
        crate::app::generated::write_into(dir, files)?;
        if !global.quiet {
            eprintln!("wrote {} man pages into {}", pages.len(), dir.display());
        }
        return Ok(Exit::Done);
    }
    let file = match &args.page {
        None => "offboard.1".to_owned(),
        Some(name) => format!("offboard-{name}.1"),
    };
    let Some(page) = pages.iter().find(|p| p.file == file) else {
        let names: Vec<&str> = pages
            .iter()
            .filter_map(|p| p.file.strip_prefix("offboard-")?.strip_suffix(".1"))
            .collect();
        return Err(Error::Usage(format!(
            "no man page for `{}`: the subcommands are {}",
            args.page.as_deref().unwrap_or_default(),
            names.join(", ")
        )));
    };
    std::io::stdout()
        .lock()
        .write_all(&page.roff)
        .map_err(|e| Error::io("cannot write", "stdout", e))?;
    Ok(Exit::Done)
}

/// One man page: its file name (`offboard-validate.1`) and its roff source.
#[derive(Debug)]
struct ManPage {
    file: String,
    roff: Vec<u8>,
}

/// offboard(1), then offboard-SUBCOMMAND(1) for every subcommand in the order `--help` lists them.
fn man_pages() -> std::io::Result<Vec<ManPage>> {
    // The help subcommand has no page of its own; `--help` is listed under OPTIONS.
    let mut root = Cli::command().disable_help_subcommand(true);
    // Building names each subcommand `offboard-NAME` and its usage `offboard NAME`, and gives it
    // the global options.
    root.build();
    let mut pages = vec![render(root.clone(), false)?];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(render(sub.clone(), true)?);
    }
    Ok(pages)
}

/// Render one page: clap's sections, except that the exit codes (the root's `after_help`) get
/// an EXIT STATUS section of their own on every page.
fn render(command: clap::Command, subcommand: bool) -> std::io::Result<ManPage> {
    let man = Man::new(command.clone()).source(format!("offboard {}", env!("CARGO_PKG_VERSION")));
    let mut page = Page::default();
    page.add(|w| man.render_title(w))?;
    page.add(|w| man.render_name_section(w))?;
    page.add(|w| man.render_synopsis_section(w))?;
    page.add(|w| man.render_description_section(w))?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        page.add(|w| man.render_options_section(w))?;
    }
    if command.has_subcommands() {
        page.add(|w| man.render_subcommands_section(w))?;
    }
    page.add(|w| exit_status().to_writer(w))?;
    page.add(|w| environment().to_writer(w))?;
    if subcommand {
        let mut see_also = Roff::new();
        see_also
            .control("SH", ["SEE ALSO"])
            .text([bold("offboard"), roman("(1)")]);
        page.add(|w| see_also.to_writer(w))?;
    }
    // clap_mangen needs a version to render the section (subcommands have none of their own).
    if command.get_version().is_some() {
        page.add(|w| man.render_version_section(w))?;
    }
    Ok(ManPage {
        file: man.get_filename(),
        roff: page.roff,
    })
}

/// A page assembled from separately rendered sections, each of which starts with the same roff
/// preamble (the apostrophe string definition): kept once, at the top.
#[derive(Default)]
struct Page {
    roff: Vec<u8>,
}

impl Page {
    fn add(
        &mut self,
        render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut section = Vec::new();
        render(&mut section)?;
        let preamble = Roff::new().render();
        let body = match section.strip_prefix(preamble.as_bytes()) {
            Some(body) if !self.roff.is_empty() => body,
            _ => &section,
        };
        self.roff.extend_from_slice(body);
        Ok(())
    }
}

/// The ENVIRONMENT section, from the variables' own table.
fn environment() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["ENVIRONMENT"]);
    for variable in super::environment::VARIABLES {
        roff.control("TP", [])
            .text([bold(variable.name)])
            .text([roman(variable.meaning)]);
    }
    roff
}

/// The EXIT STATUS section, from the exit codes' own table.
fn exit_status() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for exit in Exit::ALL {
        roff.control("TP", [])
            .text([bold(exit.code().to_string())])
            .text([roman(exit.meaning())]);
    }
    roff
}

/// The text of every page, unescaped enough to search for flags (`\-` is a hyphen in roff).
#[cfg(test)]
fn page_text(page: &ManPage) -> String {
    String::from_utf8_lossy(&page.roff).replace("\\-", "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_has_a_page_naming_its_own_flags_and_the_global_ones() {
        let pages = man_pages().unwrap();
        let mut root = Cli::command().disable_help_subcommand(true);
        root.build();
        assert_eq!(pages[0].file, "offboard.1");
        assert_eq!(pages.len(), 1 + root.get_subcommands().count());
        for sub in root.get_subcommands() {
            let file = format!("offboard-{}.1", sub.get_name());
            let page = pages.iter().find(|p| p.file == file).expect(&file);
            let text = page_text(page);
            assert!(
                text.contains(&format!(".TH offboard-{} 1", sub.get_name())),
                "{file}: {text}"
            );
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                let shown = match arg.get_long() {
                    Some(long) => format!("--{long}"),
                    None => arg
                        .get_value_names()
                        .and_then(|names| names.first())
                        .map_or_else(
                            || arg.get_id().to_string().to_uppercase(),
                            |n| n.to_string(),
                        ),
                };
                assert!(text.contains(&shown), "{file} lacks {shown}: {text}");
            }
            assert!(text.contains("--format"), "{file}: {text}");
            assert!(text.contains(".SH \"EXIT STATUS\""), "{file}: {text}");
            assert_eq!(text.matches(".ds Aq").count(), 2, "one preamble: {text}");
            let source = format!("\"offboard {}\"", env!("CARGO_PKG_VERSION"));
            assert!(text.contains(&source), "{file}: {text}");
            assert!(text.contains("offboard(1)") || text.contains("offboard\\fR(1)"));
        }
        let validate = page_text(
            pages
                .iter()
                .find(|p| p.file == "offboard-validate.1")
                .unwrap(),
        );
        assert!(validate.contains("--changed-since"), "{validate}");
        assert!(validate.contains("offboard validate"), "{validate}");
    }

    #[test]
    fn the_root_page_refers_only_to_pages_that_exist_and_has_no_extra_section() {
        let pages = man_pages().unwrap();
        let root = page_text(&pages[0]);
        assert!(!root.contains("EXTRA"), "{root}");
        assert!(!root.contains("offboard-help"), "{root}");
        for sub in ["run", "validate", "man", "completions"] {
            assert!(root.contains(&format!("offboard-{sub}(1)")), "{root}");
            assert!(pages.iter().any(|p| p.file == format!("offboard-{sub}.1")));
        }
        for exit in Exit::ALL {
            assert!(
                root.contains(&format!(".TP\n\\fB{}\\fR\n{}", exit.code(), exit.meaning())),
                "{exit:?}: {root}"
            );
        }
    }
}
