//! `eksgrant import aws-auth`: turns an existing aws-auth ConfigMap into spec
//! stanzas for a cluster in a given authentication mode, the first step of
//! moving it to access entries (or of managing its aws-auth with eksgrant).
//!
//! Every mapping becomes what it means in spec terms: node roles become the
//! cluster's node role keys (Linux, Windows, Fargate), each mapped role or
//! user a principal with its username and a `groups` grant (the RBAC that
//! binds them keeps working), `system:masters` the cluster-admin grant of the
//! mode, account mappings `aws_auth_accounts`. What the stanzas cannot carry
//! is marked with a `NOTE` comment that says why, so nothing is dropped
//! silently.
//!
//! The ConfigMap is read as aws-iam-authenticator reads it: the top-level
//! keys (`mapRoles`, `mapUsers`, `mapAccounts`) exactly, the keys of each
//! entry case-insensitively (`rolearn`, `roleARN`...), as Go's
//! `encoding/json` matches struct fields; unknown keys are ignored.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::aws::arn;
use crate::error::{Error, Result};
use crate::model::{NodeKind, names};
use crate::rbac::access_policies::CLUSTER_ADMIN;
use crate::spec::AuthenticationMode;

/// The parts of a ConfigMap the import reads.
#[derive(Debug, Deserialize)]
struct ConfigMap {
    kind: Option<String>,
    metadata: Option<Metadata>,
    #[serde(default)]
    data: Data,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // aws-auth's own keys: mapRoles, mapUsers, mapAccounts
struct Data {
    map_roles: Option<String>,
    map_users: Option<String>,
    map_accounts: Option<String>,
}

/// One `mapRoles` or `mapUsers` entry, as aws-iam-authenticator's
/// `RoleMapping` and `UserMapping` hold it (pkg/config/types.go).
#[derive(Debug, Clone, Default)]
struct Mapping {
    /// `rolearn` (`mapRoles`) or `userarn` (`mapUsers`).
    arn: Option<String>,
    /// `sso` (`mapRoles`): matches the roles of an IAM Identity Center
    /// permission set, whatever their random suffix.
    sso: Option<String>,
    /// `username`; empty when absent.
    username: String,
    groups: Vec<String>,
}

/// A key as Go's `encoding/json` compares it to a field name: Unicode
/// simple case folding, which for ASCII letters also joins the Kelvin sign
/// with `k` and the long s with `s`.
fn fold(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '\u{212A}' => 'k',
            '\u{17F}' => 's',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl Mapping {
    /// Reads one entry of `mapRoles` (`is_role`) or `mapUsers`: each key
    /// matched case-insensitively, a later key overriding an earlier one as
    /// in Go, unknown keys ignored.
    fn from_entry(
        entry: serde_json::Map<String, serde_json::Value>,
        is_role: bool,
    ) -> std::result::Result<Mapping, String> {
        let arn_key = if is_role { "rolearn" } else { "userarn" };
        let mut mapping = Mapping::default();
        for (key, value) in entry {
            let string = |value: serde_json::Value| match value {
                serde_json::Value::String(s) => Ok(s),
                serde_json::Value::Null => Ok(String::new()),
                other => Err(format!("`{key}` must be a string, not {other}")),
            };
            match fold(&key).as_str() {
                k if k == arn_key => mapping.arn = Some(string(value)?).filter(|a| !a.is_empty()),
                "username" => mapping.username = string(value)?,
                "groups" => {
                    mapping.groups = match value {
                        serde_json::Value::Null => Vec::new(),
                        serde_json::Value::Array(items) => items
                            .into_iter()
                            .map(|item| match item {
                                serde_json::Value::String(s) => Ok(s),
                                other => Err(format!("a group must be a string, not {other}")),
                            })
                            .collect::<std::result::Result<_, _>>()?,
                        other => return Err(format!("`{key}` must be a list, not {other}")),
                    }
                }
                "sso" if is_role => mapping.sso = Some(value.to_string()),
                _ => {}
            }
        }
        Ok(mapping)
    }
}

/// Checks a `--cluster` argument the way the spec checks its keys, for clap.
pub fn cluster_key(key: &str) -> std::result::Result<String, String> {
    if names::is_windows_device_name(key) {
        Err(format!(
            "`{key}` is a device name on Windows, which cannot check out a file named after it; use the spec key of the cluster"
        ))
    } else if names::is_key(key) {
        Ok(key.to_string())
    } else {
        Err(
            "cluster keys are lowercase letters, digits and `-`, starting with a letter"
                .to_string(),
        )
    }
}

/// Reads the aws-auth ConfigMap in `path` (`-`: standard input) and returns
/// the spec stanzas for cluster `cluster_key` (checked by [`cluster_key`])
/// in authentication mode `mode`, as TOML text with comments.
pub fn aws_auth(path: &Path, cluster_key: &str, mode: AuthenticationMode) -> Result<String> {
    let stdin = path == Path::new("-");
    let read = if stdin {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    let text = read.map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let fail = |message: String| Error::Import {
        path: path.to_path_buf(),
        message,
    };
    let config_map: ConfigMap = serde_saphyr::from_str(&text).map_err(|e| fail(e.to_string()))?;
    if config_map.kind.as_deref() != Some("ConfigMap")
        || config_map.metadata.and_then(|m| m.name).as_deref() != Some("aws-auth")
    {
        return Err(fail(
            "not the aws-auth ConfigMap (kind ConfigMap, name aws-auth)".to_string(),
        ));
    }
    let list = |field: &str, yaml: &Option<String>, is_role: bool| -> Result<Vec<Mapping>> {
        let entries: Vec<serde_json::Map<String, serde_json::Value>> =
            match yaml.as_deref().map(str::trim) {
                None | Some("") => Vec::new(),
                Some(yaml) => {
                    serde_saphyr::from_str(yaml).map_err(|e| fail(format!("{field}: {e}")))?
                }
            };
        entries
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                Mapping::from_entry(entry, is_role)
                    .map_err(|e| fail(format!("{field}, entry {}: {e}", i + 1)))
            })
            .collect()
    };
    let roles = list("mapRoles", &config_map.data.map_roles, true)?;
    let users = list("mapUsers", &config_map.data.map_users, false)?;
    // Read as text: an unquoted account is a YAML number, and a leading
    // zero would be lost on the way through one.
    let accounts: Vec<String> = match config_map.data.map_accounts.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some(yaml) => {
            serde_saphyr::from_str(yaml).map_err(|e| fail(format!("mapAccounts: {e}")))?
        }
    };
    let source = if stdin {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    Ok(Stanzas::new(cluster_key, mode, &source).write(roles, users, &accounts))
}

/// The TOML being written, and the principal keys already taken.
struct Stanzas {
    cluster: String,
    mode: AuthenticationMode,
    out: String,
    keys: BTreeSet<String>,
}

impl Stanzas {
    /// `source` names where the ConfigMap came from, for the header.
    fn new(cluster: &str, mode: AuthenticationMode, source: &str) -> Self {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Imported by `eksgrant import aws-auth` from {} for cluster `{cluster}` ({mode}).",
            source.replace(['\n', '\r'], " ")
        );
        out.push_str(
            "# Merge these stanzas into your spec and read every NOTE: each names what the\n\
             # stanzas do not carry from the ConfigMap, and why.\n",
        );
        if mode != AuthenticationMode::ConfigMap {
            out.push_str(
                "# aws-auth stores role ARNs without their IAM path, but access entries need\n\
                 # the full ARN: check each role with\n\
                 # `aws iam get-role --role-name NAME --query Role.Arn`.\n",
            );
        }
        Self {
            cluster: cluster.to_string(),
            mode,
            out,
            keys: BTreeSet::new(),
        }
    }

    fn write(mut self, roles: Vec<Mapping>, users: Vec<Mapping>, accounts: &[String]) -> String {
        let (roles, role_notes) = merged(roles);
        let (users, user_notes) = merged(users);
        let mut nodes: Vec<(NodeKind, Mapping, Vec<String>)> = Vec::new();
        let mut principals: Vec<(Mapping, Vec<String>)> = Vec::new();
        for (mapping, notes) in roles.into_iter().zip(role_notes) {
            // A node mapping whose ARN is no role ARN is reported as a
            // principal that cannot be imported.
            let is_role = mapping.arn.as_deref().is_some_and(|a| {
                arn::parse_principal_arn(a).is_ok_and(|p| p.kind == arn::PrincipalKind::Role)
            });
            match node_kind(&mapping) {
                Some(kind) if is_role => nodes.push((kind, mapping, notes)),
                _ => principals.push((mapping, notes)),
            }
        }
        self.cluster_stanza(&nodes, accounts);
        for (mapping, notes) in &principals {
            self.principal(mapping, notes, true);
        }
        for (mapping, notes) in users.iter().zip(&user_notes) {
            self.principal(mapping, notes, false);
        }
        self.out
    }

    fn cluster_stanza(&mut self, nodes: &[(NodeKind, Mapping, Vec<String>)], accounts: &[String]) {
        let cluster = self.cluster.clone();
        let mode = self.mode;
        let _ = writeln!(self.out, "\n[clusters.{cluster}]");
        let _ = writeln!(
            self.out,
            "# name = {}   # the EKS cluster's name, when it is not the key",
            quote(&cluster)
        );
        match mode {
            AuthenticationMode::ApiAndConfigMap => {
                self.out.push_str(
                    "# Access entries need API_AND_CONFIG_MAP (or API). If the cluster still uses\n\
                     # CONFIG_MAP, switch it first (one way only):\n",
                );
                let _ = writeln!(
                    self.out,
                    "#   aws eks update-cluster-config --name {cluster} --access-config authenticationMode=API_AND_CONFIG_MAP"
                );
            }
            AuthenticationMode::Api => {
                self.out.push_str(
                    "# API ignores aws-auth: every mapping below becomes an access entry. EKS moves\n\
                     # a cluster to API only from API_AND_CONFIG_MAP, once the entries exist.\n",
                );
            }
            AuthenticationMode::ConfigMap => {
                self.out.push_str(
                    "# The cluster keeps reading aws-auth only: eksgrant writes the whole ConfigMap,\n\
                     # principals included (`--mode API_AND_CONFIG_MAP` moves them to access entries).\n",
                );
            }
        }
        let _ = writeln!(self.out, "authentication_mode = {}", quote(mode.as_str()));
        if !nodes.is_empty() {
            self.out.push_str(match mode {
                AuthenticationMode::ConfigMap => {
                    "# Nodes and Fargate pods join through aws-auth, which eksgrant writes whole:\n\
                     # list managed node groups' and Fargate profiles' roles too. aws-auth does\n\
                     # not say which node roles are managed node groups': move those to\n\
                     # managed_node_role_arns, whose access entries EKS makes when the cluster\n\
                     # moves to API_AND_CONFIG_MAP (eksgrant makes self-managed nodes' only).\n"
                }
                AuthenticationMode::ApiAndConfigMap => {
                    "# Nodes and Fargate pods join through aws-auth, and through access entries\n\
                     # ready for API: EKS makes those of managed node groups and Fargate\n\
                     # profiles, eksgrant those of self-managed nodes (EC2_LINUX, EC2_WINDOWS).\n\
                     # aws-auth does not say which node roles are managed node groups': move\n\
                     # those to managed_node_role_arns, or the entry eksgrant makes collides with\n\
                     # EKS's. List them all: the aws-auth eksgrant writes replaces the list.\n"
                }
                AuthenticationMode::Api => {
                    "# Nodes and Fargate pods join through access entries: EKS made those of\n\
                     # managed node groups and Fargate profiles, eksgrant makes those of\n\
                     # self-managed nodes (EC2_LINUX, EC2_WINDOWS). aws-auth does not say which\n\
                     # node roles are managed node groups': move those to\n\
                     # managed_node_role_arns, or the entry eksgrant makes collides with EKS's.\n"
                }
            });
        }
        for kind in NodeKind::ALL {
            let of_kind: Vec<(&Mapping, &Vec<String>)> = nodes
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, m, notes)| (m, notes))
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            let _ = writeln!(self.out, "{} = [", kind.spec_key());
            for (node, notes) in of_kind {
                let arn = node.arn.as_deref().unwrap_or_default();
                let _ = writeln!(self.out, "  {},", quote(arn));
                let expected = kind.aws_auth_groups();
                let extra: Vec<&String> = node
                    .groups
                    .iter()
                    .filter(|g| !expected.contains(&g.as_str()))
                    .collect();
                if !extra.is_empty() {
                    let _ = writeln!(
                        self.out,
                        "  # NOTE: the groups {} of this mapping are not kept: eksgrant maps a {}\n  # into {} only.",
                        join(&extra),
                        kind.describe(),
                        expected.join(", ")
                    );
                }
                for note in notes {
                    let _ = writeln!(self.out, "  # NOTE: {}", note.replace("\n# ", "\n  # "));
                }
                if !node.username.is_empty() && node.username != kind.aws_auth_username() {
                    let _ = writeln!(
                        self.out,
                        "  # NOTE: the username {} of this mapping is not kept: EKS names these\n  # nodes {}.",
                        quote(&node.username),
                        kind.aws_auth_username()
                    );
                }
            }
            self.out.push_str("]\n");
        }
        self.accounts(accounts);
    }

    /// `mapAccounts`: `aws_auth_accounts` where aws-auth is read.
    fn accounts(&mut self, accounts: &[String]) {
        let (valid, invalid): (Vec<&String>, Vec<&String>) =
            accounts.iter().partition(|a| arn::is_account_id(a));
        if !invalid.is_empty() {
            let _ = writeln!(
                self.out,
                "# NOTE: mapAccounts {} are not 12-digit account IDs; aws-auth ignored them.",
                join(&invalid)
            );
        }
        if valid.is_empty() {
            return;
        }
        match self.mode {
            AuthenticationMode::Api => {
                let _ = writeln!(
                    self.out,
                    "# NOTE: mapAccounts {} is not carried: API clusters ignore aws-auth, and\n\
                     # access entries have no equivalent. Map each role or user of those accounts\n\
                     # that needs the cluster as a principal.",
                    join(&valid)
                );
                return;
            }
            AuthenticationMode::ApiAndConfigMap => self.out.push_str(
                "# mapAccounts has no access-entry equivalent. It works while the cluster reads\n\
                 # aws-auth; before moving to API, map each role or user as a principal.\n",
            ),
            AuthenticationMode::ConfigMap => {}
        }
        let _ = writeln!(self.out, "aws_auth_accounts = [{}]", join(&valid));
    }

    /// A principal from a mapping; `notes` are those merging found.
    fn principal(&mut self, mapping: &Mapping, notes: &[String], is_role: bool) {
        let list = if is_role { "mapRoles" } else { "mapUsers" };
        let Some(arn_text) = mapping.arn.as_deref() else {
            let what = match &mapping.sso {
                Some(sso) => format!(
                    "the {list} entry with sso = {} is not imported:\n\
                     # it matches every role of an IAM Identity Center permission set whatever its\n\
                     # random suffix, and a principal needs one role's ARN. Add a principal per role",
                    quote(sso)
                ),
                None => format!(
                    "a {list} entry without {} is not imported: aws-auth matches nothing with it",
                    if is_role { "rolearn" } else { "userarn" }
                ),
            };
            let _ = writeln!(self.out, "\n# NOTE: {what}.");
            return;
        };
        let arn = match arn::parse_principal_arn(arn_text) {
            Ok(arn) => arn,
            Err(reason) => {
                let _ = writeln!(
                    self.out,
                    "\n# NOTE: {} is not imported: it is {reason}.",
                    quote(arn_text)
                );
                return;
            }
        };
        // IAM Identity Center roles are named AWSReservedSSO_<permission set>_<id>:
        // the permission set makes the readable key.
        let key = match arn
            .name
            .strip_prefix("AWSReservedSSO_")
            .and_then(|rest| rest.rsplit_once('_'))
        {
            Some((permission_set, _)) => self.key_for(&format!("sso-{permission_set}"), is_role),
            None => self.key_for(arn.name, is_role),
        };
        let access_entries = self.mode != AuthenticationMode::ConfigMap;
        let _ = writeln!(self.out, "\n[principals.{key}]");
        if is_role && arn::without_role_path(arn_text) != arn_text {
            self.out.push_str(
                "# NOTE: aws-auth role ARNs must not have a path, so this mapping did not match\n\
                 # there. Access entries need the path; eksgrant strips it in aws-auth.\n",
            );
        } else if is_role && access_entries && arn.name.starts_with("AWSReservedSSO_") {
            self.out.push_str(
                "# NOTE: IAM Identity Center roles have a path (aws-reserved/sso.amazonaws.com/...)\n\
                 # that aws-auth leaves out and access entries need: add it to this ARN.\n",
            );
        }
        let _ = writeln!(self.out, "arn = {}", quote(arn_text));
        self.username(&key, mapping, is_role);
        for note in notes {
            let _ = writeln!(self.out, "# NOTE: {note}");
        }
        self.grants(&key, mapping);
    }

    /// The mapping's username, as `username` when the mode takes it.
    fn username(&mut self, key: &str, mapping: &Mapping, is_role: bool) {
        let username = mapping.username.as_str();
        // No username, or the one eksgrant gives this principal anyway.
        if username.is_empty() || username == names::aws_auth_username(key, is_role) {
            return;
        }
        let access_entries = self.mode != AuthenticationMode::ConfigMap;
        let reason = if names::is_owned_name(username) {
            Some("it was eksgrant's own, made for another key".to_string())
        } else {
            names::username_problem(username, access_entries)
        };
        match reason {
            None => {
                let _ = writeln!(self.out, "username = {}", quote(username));
            }
            Some(reason) => {
                let default = if access_entries {
                    "The access entry gets EKS's default username".to_string()
                } else {
                    format!(
                        "aws-auth gets eksgrant's {}",
                        names::aws_auth_username(key, is_role)
                    )
                };
                let _ = writeln!(
                    self.out,
                    "# NOTE: the username {} is not kept:\n\
                     # {reason}.\n\
                     # {default}, and RBAC bound to that user\n\
                     # must bind one of its groups instead.",
                    quote(username)
                );
            }
        }
    }

    /// The grants of a principal's groups.
    fn grants(&mut self, key: &str, mapping: &Mapping) {
        let cluster = quote(&self.cluster);
        let config_map = self.mode == AuthenticationMode::ConfigMap;
        let masters = mapping.groups.iter().any(|g| g == "system:masters");
        // aws-auth maps into any group; access entries not into the
        // prefixes EKS reserves (grants.rs says which and why).
        let kept = |g: &str| match names::reserved_prefix(g) {
            Some("system:") => false,
            Some(_) => config_map,
            None => !names::is_owned_name(g),
        };
        let reserved: Vec<&String> = mapping
            .groups
            .iter()
            .filter(|g| *g != "system:masters" && names::reserved_prefix(g).is_some() && !kept(g))
            .collect();
        let owned: Vec<&String> = mapping
            .groups
            .iter()
            .filter(|g| names::is_owned_name(g))
            .collect();
        let groups: Vec<&String> = mapping.groups.iter().filter(|g| kept(g)).collect();
        if !owned.is_empty() {
            let _ = writeln!(
                self.out,
                "# NOTE: the groups {} are not kept: they were eksgrant's own, made for rules or\n\
                 # cluster_role grants; copy those grants from the spec that generated this aws-auth.",
                join(&owned)
            );
        }
        if !reserved.is_empty() {
            let why = if config_map {
                "eksgrant maps into no system: group, which Kubernetes reserves\n\
                 # (system:masters and the nodes' groups have their own keys)"
            } else {
                "access entries map into no system:, eks:, aws:, amazon: or iam: group"
            };
            let _ = writeln!(
                self.out,
                "# NOTE: the groups {} are not kept:\n# {why}.",
                join(&reserved)
            );
        }
        if masters {
            if config_map {
                self.out.push_str(
                    "# system:masters: on CONFIG_MAP, its equivalent is cluster-admin bound to the\n\
                     # principal's own group.\n",
                );
                let _ = writeln!(
                    self.out,
                    "[[principals.{key}.grants]]\ncluster = {cluster}\ncluster_role = \"cluster-admin\""
                );
            } else {
                self.out.push_str(
                    "# system:masters cannot be an access entry group; this access policy is its\n\
                     # equivalent.\n",
                );
                let _ = writeln!(
                    self.out,
                    "[[principals.{key}.grants]]\ncluster = {cluster}\naccess_policy = {}",
                    quote(CLUSTER_ADMIN)
                );
            }
        }
        if !groups.is_empty() {
            let _ = writeln!(
                self.out,
                "[[principals.{key}.grants]]\ncluster = {cluster}\ngroups = [{}]",
                join(&groups)
            );
        }
        if !masters && groups.is_empty() {
            self.out.push_str(
                "# NOTE: this mapping is not carried: it maps into no group eksgrant can grant,\n\
                 # and eksgrant maps a principal only for its grants. Add grants.\n",
            );
        }
    }

    /// A principal key from the role or user name: lowercase, `-` for
    /// anything else, unique.
    fn key_for(&mut self, name: &str, is_role: bool) -> String {
        let mut key = String::new();
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                key.push(c.to_ascii_lowercase());
            } else if !key.is_empty() && !key.ends_with('-') {
                key.push('-');
            }
        }
        let mut key = key.trim_end_matches('-').to_string();
        if !key.starts_with(|c: char| c.is_ascii_lowercase()) || names::is_windows_device_name(&key)
        {
            key = format!("{}-{key}", if is_role { "role" } else { "user" });
        }
        key.truncate(60);
        let key = key.trim_end_matches('-').to_string();
        let mut unique = key.clone();
        let mut n = 2;
        while !self.keys.insert(unique.clone()) {
            unique = format!("{key}-{n}");
            n += 1;
        }
        unique
    }
}

/// The nodes a role mapping is for, by the groups EKS gives each kind.
fn node_kind(mapping: &Mapping) -> Option<NodeKind> {
    let has = |group: &str| mapping.groups.iter().any(|g| g == group);
    if !has("system:nodes") {
        None
    } else if has(names::FARGATE_GROUP) {
        Some(NodeKind::Fargate)
    } else if has(names::WINDOWS_NODE_GROUP) {
        Some(NodeKind::Windows)
    } else {
        Some(NodeKind::Linux)
    }
}

/// The mappings with one entry per ARN (aws-auth edited by several tools
/// often lists a role twice, and a principal is listed once in a spec),
/// each with the notes merging it gave: a second username is not kept.
/// Entries without an ARN stay as they are.
fn merged(mappings: Vec<Mapping>) -> (Vec<Mapping>, Vec<Vec<String>>) {
    let mut out: Vec<Mapping> = Vec::new();
    let mut notes: Vec<Vec<String>> = Vec::new();
    for mapping in mappings {
        let same = |m: &Mapping| match (&m.arn, &mapping.arn) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        match out.iter().position(same) {
            Some(i) => {
                let first = &mut out[i];
                for group in mapping.groups {
                    if !first.groups.contains(&group) {
                        first.groups.push(group);
                    }
                }
                if first.username.is_empty() {
                    first.username = mapping.username;
                } else if !mapping.username.is_empty() && mapping.username != first.username {
                    notes[i].push(format!(
                        "this ARN is mapped twice; the username {} of the second\n\
                         # mapping is not kept (one is, per ARN).",
                        quote(&mapping.username)
                    ));
                }
            }
            None => {
                out.push(mapping);
                notes.push(Vec::new());
            }
        }
    }
    (out, notes)
}

/// A TOML basic string, always on one line (so also safe in a comment):
/// quotes and backslashes escaped, and every control character (DEL too,
/// which TOML forbids raw) as `\uXXXX`. Not toml_writer's encoder: it
/// leaves C1 controls such as NEL (U+0085) raw, which TOML allows but an
/// editor may show as a line break inside the comment a value is quoted in.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Values as TOML strings, comma-separated: a TOML array's items, and the
/// form every value from the ConfigMap takes in a comment too, so that a
/// newline in one cannot end the comment.
fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| quote(s))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_keys_are_valid_and_unique() {
        let mut stanzas = Stanzas::new("c", AuthenticationMode::Api, "x");
        assert_eq!(stanzas.key_for("Team_Admins", true), "team-admins");
        assert_eq!(stanzas.key_for("team-admins", true), "team-admins-2");
        assert_eq!(stanzas.key_for("007", false), "user-007");
        assert!(names::is_key(&stanzas.key_for("--x--", true)));
    }

    #[test]
    fn entry_keys_match_in_any_case_as_in_go() {
        // aws-iam-authenticator's pkg/mapper/configmap/yaml/aws-auth-crazy-case-keys.yaml
        // (commit a1c66ff), which it parses like the lowercase one.
        let yaml = "- rOlEaRn: arn:aws:iam::555555555555:role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6\n  UsErNaMe: system:node:{{EC2PrivateDNSName}}\n  gRoUpS:\n    - system:bootstrappers\n    - system:nodes\n";
        let entries: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_saphyr::from_str(yaml).unwrap();
        let mapping = Mapping::from_entry(entries[0].clone(), true).unwrap();
        assert_eq!(
            mapping.arn.as_deref(),
            Some("arn:aws:iam::555555555555:role/devel-worker-nodes-NodeInstanceRole-74RF4UBDUKL6")
        );
        assert_eq!(mapping.username, "system:node:{{EC2PrivateDNSName}}");
        assert_eq!(mapping.groups, ["system:bootstrappers", "system:nodes"]);
        // A role's ARN key does not name a user, and the other way round.
        assert_eq!(
            Mapping::from_entry(entries[0].clone(), false).unwrap().arn,
            None
        );
        // Go folds the Kelvin sign and the long s like k and s.
        assert_eq!(fold("U\u{17F}erARN"), "userarn");
        assert_eq!(fold("\u{212A}"), "k");
        let mut wrong = serde_json::Map::new();
        wrong.insert("Groups".into(), serde_json::json!("ops"));
        assert!(Mapping::from_entry(wrong, true).is_err());
    }

    #[test]
    fn values_in_comments_cannot_end_the_comment() {
        let mapping = |groups: &[&str]| Mapping {
            arn: Some("arn:aws:iam::111122223333:role/ops\n[principals.evil]".to_string()),
            sso: None,
            username: "u\narn = \"x\"".to_string(),
            groups: groups.iter().map(ToString::to_string).collect(),
        };
        let bad_principal = Mapping {
            groups: vec!["a\nb = 1".to_string()],
            arn: Some("arn:aws:iam::111122223333:role/x\n[principals.evil]".to_string()),
            ..mapping(&[])
        };
        let sso = Mapping {
            arn: None,
            sso: Some("{\"permissionSetName\":\"a\\n[x]\"}".to_string()),
            ..mapping(&[])
        };
        for mode in [AuthenticationMode::Api, AuthenticationMode::ConfigMap] {
            let text = Stanzas::new("c", mode, "x").write(
                vec![
                    mapping(&["system:nodes", names::FARGATE_GROUP]),
                    mapping(&["a\nb = 1"]),
                    bad_principal.clone(),
                    sso.clone(),
                ],
                Vec::new(),
                &["1\n[x]".to_string(), "111122223333".to_string()],
            );
            let parsed: toml::Table = toml::from_str(&text).unwrap();
            assert_eq!(parsed.keys().collect::<Vec<_>>(), ["clusters"], "{text}");
        }
    }

    #[test]
    fn every_control_character_is_escaped_as_toml_requires() {
        for s in ["del\u{7f}", "nul\0", "tab\tnl\n", "c1\u{85}", "q\"b\\"] {
            let quoted = quote(s);
            assert!(!quoted.chars().any(char::is_control), "{quoted}");
            let parsed: toml::Table = toml::from_str(&format!("v = {quoted}")).unwrap();
            assert_eq!(parsed["v"].as_str(), Some(s), "{quoted}");
        }
    }
}
