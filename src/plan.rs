//! The rendered tree: every output file, in memory, before anything is
//! written.
//!
//! The same `Plan` is what the CLI writes (through [`crate::sync`]) and what
//! the snapshot tests record, so reviewers read exactly what users get.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What a generated file is, which decides its header and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Terraform (`.tf`), in `terraform fmt` layout.
    Terraform,
    /// Kubernetes YAML (`.yaml`).
    Yaml,
    /// IAM policy JSON (`.json`); JSON has no comments, so no header.
    Json,
    /// The generated overview (`.md`).
    Markdown,
}

impl FileKind {
    /// The kind of a path, by extension (`Kustomization` is YAML).
    pub fn of(path: &str) -> FileKind {
        if path.ends_with("/Kustomization") {
            return FileKind::Yaml;
        }
        // A policy Terraform fills with templatefile(): JSON whose strings
        // hold `${...}` placeholders.
        if path.ends_with(".json.tftpl") {
            return FileKind::Json;
        }
        match path.rsplit('.').next() {
            Some("tf") => FileKind::Terraform,
            Some("yaml") => FileKind::Yaml,
            Some("json") => FileKind::Json,
            _ => FileKind::Markdown,
        }
    }
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// What it is.
    pub kind: FileKind,
    /// Its full text: LF line endings and exactly one trailing newline.
    pub contents: String,
}

/// Every output file, by path relative to the output directory.
#[derive(Debug, Default)]
pub struct Plan {
    files: BTreeMap<String, GeneratedFile>,
}

impl Plan {
    /// Adds a file, normalising line endings, dropping blank lines at either
    /// end and ending it with one newline,
    /// and prefixing Terraform and YAML files with `header` as a comment.
    ///
    /// # Panics
    ///
    /// When `path` is already in the plan: the model gives every file a unique
    /// path, so a second one is a bug in eksgrant.
    pub fn add(&mut self, path: String, body: &str, header: &str) {
        let kind = FileKind::of(&path);
        let body: Cow<'_, str> = if body.contains('\r') {
            body.replace("\r\n", "\n").into()
        } else {
            body.into()
        };
        let body = body.trim_matches('\n');
        let prefix = match kind {
            FileKind::Terraform => format!("# {header}\n\n"),
            FileKind::Yaml => format!("# {header}\n"),
            FileKind::Json | FileKind::Markdown => String::new(),
        };
        // Built at its exact size: the plan holds every file until it is
        // written, and a file of megabytes is not copied twice on the way.
        let mut contents = String::with_capacity(prefix.len() + body.len() + 1);
        contents.push_str(&prefix);
        contents.push_str(body);
        contents.push('\n');
        assert!(
            !self.files.contains_key(&path),
            "two generated files share the path {path}"
        );
        self.files.insert(path, GeneratedFile { kind, contents });
    }

    /// The files, sorted by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &GeneratedFile)> {
        self.files.iter().map(|(path, file)| (path.as_str(), file))
    }

    /// One file by path.
    pub fn get(&self, path: &str) -> Option<&GeneratedFile> {
        self.files.get(path)
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the plan has no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The whole tree as one text: the list of paths, then each file under a
    /// banner line. This is what the tests snapshot.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        for path in self.files.keys() {
            out.push_str(path);
            out.push('\n');
        }
        for (path, file) in &self.files {
            let _ = write!(
                out,
                "\n================ {path} ================\n{}",
                file.contents
            );
        }
        out
    }
}
