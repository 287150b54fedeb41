//! `eksgrant man`: manual pages from the same clap definition as `--help`.
//!
//! eksgrant(1) is one page with a section for each command, as git(1) and
//! cargo(1) are read; `eksgrant man generate` prints eksgrant-generate(1)
//! on its own, for packagers who install one page per command.

use std::fmt::Write as _;

use clap::CommandFactory as _;

use crate::cli::Cli;

/// The manual page of the command `path` names (`["import", "aws-auth"]`:
/// eksgrant-import-aws-auth(1)) or, for none, eksgrant(1), which has a
/// section for each command.
pub(crate) fn page(path: &[String]) -> Result<String, clap::Error> {
    let mut top = Cli::command().disable_help_subcommand(true);
    top.build();
    let mut page = &top;
    for word in path {
        page = match page.find_subcommand(word) {
            Some(command) if !command.is_hide_set() => command,
            _ => {
                let commands: Vec<&str> = commands(page).map(clap::Command::get_name).collect();
                let shown = page.get_bin_name().unwrap_or("eksgrant");
                return Err(Cli::command().error(
                    clap::error::ErrorKind::InvalidValue,
                    format!(
                        "`{shown}` has no command `{word}`; its commands are: {}",
                        commands.join(", ")
                    ),
                ));
            }
        };
    }
    if !path.is_empty() {
        return Ok(roff(page));
    }
    // eksgrant(1): its own sections, with the commands' after the list of
    // commands, each without the options every command has.
    let mut out = String::new();
    let mut version = String::new();
    for (heading, body) in sections(&roff(&top)) {
        match heading.as_str() {
            "" => out.push_str(&body),
            ".SH VERSION" => version = heading + "\n" + &body,
            _ => {
                let _ = writeln!(out, "{heading}");
                out.push_str(&in_one_page(&top, &body));
            }
        }
    }
    let mut stack: Vec<&clap::Command> = commands(&top).collect();
    stack.reverse();
    while let Some(command) = stack.pop() {
        out.push_str(&command_section(command, &top));
        stack.extend(commands(command).collect::<Vec<_>>().into_iter().rev());
    }
    Ok(out + &version)
}

/// The commands of `command` that have a page.
fn commands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
}

/// A command's page, its title first as man(7) asks (clap_mangen puts the
/// definition of the apostrophe string first, which may as well follow).
fn roff(command: &clap::Command) -> String {
    let mut roff = Vec::new();
    clap_mangen::Man::new(command.clone())
        .source(format!("eksgrant {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .expect("rendering into memory cannot fail");
    let roff = String::from_utf8(roff).expect("the help text is UTF-8");
    let (mut title, mut rest) = (String::new(), String::new());
    for line in roff.split_inclusive('\n') {
        if title.is_empty() && line.starts_with(".TH ") {
            title.push_str(line);
        } else {
            rest.push_str(line);
        }
    }
    title + &rest
}

/// A page cut at its `.SH` lines: each heading with the lines up to the
/// next; what comes before the first has the heading "".
fn sections(roff: &str) -> Vec<(String, String)> {
    let mut sections = vec![(String::new(), String::new())];
    for line in roff.split_inclusive('\n') {
        if line.starts_with(".SH ") {
            sections.push((line.trim_end().to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
        }
    }
    sections
}

/// A command's page as a section of eksgrant(1): its synopsis, description,
/// options (but those of every command, which eksgrant(1) gives) and
/// commands.
fn command_section(command: &clap::Command, top: &clap::Command) -> String {
    let mut command = command.clone();
    for global in top
        .get_arguments()
        .filter(|a| a.is_global_set() || a.get_id() == "help")
    {
        command = command.mut_arg(global.get_id(), |arg| arg.hide(true));
    }
    let name = command.get_bin_name().unwrap_or_default().to_uppercase();
    let mut out = String::new();
    for (heading, body) in sections(&roff(&command)) {
        let heading = match heading.as_str() {
            ".SH SYNOPSIS" => format!(".SH \"{}\"", name.replace('-', "\\-")),
            ".SH DESCRIPTION" => ".PP".to_string(),
            ".SH OPTIONS" => ".SS Options".to_string(),
            ".SH SUBCOMMANDS" => ".SS Commands".to_string(),
            _ => continue,
        };
        let _ = writeln!(out, "{heading}");
        out.push_str(&in_one_page(top, &body));
    }
    out
}

/// Names each command as eksgrant(1) does, `eksgrant generate` (in bold),
/// instead of the page of its own, `eksgrant-generate(1)`.
fn in_one_page(top: &clap::Command, roff: &str) -> String {
    let mut roff = roff.to_string();
    let mut stack: Vec<&clap::Command> = commands(top).collect();
    while let Some(command) = stack.pop() {
        let page = command.get_display_name().unwrap_or_default();
        let name = command.get_bin_name().unwrap_or_default();
        roff = roff.replace(
            &format!("{}(1)\n", page.replace('-', "\\-")),
            &format!("\\fB{}\\fR\n", name.replace('-', "\\-")),
        );
        stack.extend(commands(command));
    }
    roff
}
