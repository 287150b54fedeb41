//! `eksgrant import aws-auth`: turns an existing aws-auth ConfigMap into spec
//! stanzas, the first step of moving a cluster to access entries.
//!
//! Every mapping becomes what it means in access-entry terms: node roles stay
//! node roles, `system:masters` becomes the `AmazonEKSClusterAdminPolicy`
//! access policy, other groups are kept as `groups` grants (the RBAC that
//! binds them keeps working), account mappings stay aws-auth-only. What has
//! no exact equivalent is kept as close as possible and marked with a `NOTE`
//! comment, so nothing is dropped silently.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::access_policies::CLUSTER_ADMIN;
use crate::model::{arn, names};

/// The group aws-auth gives Fargate pod execution roles, and only them.
const FARGATE_GROUP: &str = "system:node-proxier";

/// The group aws-auth gives Windows nodes, and only them.
const WINDOWS_NODE_GROUP: &str = "eks:kube-proxy-windows";

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

/// One `mapRoles` or `mapUsers` entry.
#[derive(Debug, Deserialize)]
struct Mapping {
    #[serde(alias = "userarn")]
    rolearn: String,
    username: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
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

/// Reads the aws-auth ConfigMap in `path` (`-`: standard input) and returns the spec stanzas for
/// cluster `cluster_key` (checked by [`cluster_key`]), as TOML text with
/// comments.
pub fn aws_auth(path: &Path, cluster_key: &str) -> Result<String> {
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
    let list = |field: &str, yaml: &Option<String>| -> Result<Vec<Mapping>> {
        match yaml.as_deref().map(str::trim) {
            None | Some("") => Ok(Vec::new()),
            Some(yaml) => serde_saphyr::from_str(yaml).map_err(|e| fail(format!("{field}: {e}"))),
        }
    };
    let roles = list("mapRoles", &config_map.data.map_roles)?;
    let users = list("mapUsers", &config_map.data.map_users)?;
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
    Ok(Stanzas::new(cluster_key, &source).write(roles, users, &accounts))
}

/// The TOML being written, and the principal keys already taken.
struct Stanzas {
    cluster: String,
    out: String,
    keys: BTreeSet<String>,
}

impl Stanzas {
    /// `source` names where the ConfigMap came from, for the header.
    fn new(cluster: &str, source: &str) -> Self {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Imported by `eksgrant import aws-auth` from {} for cluster `{cluster}`.",
            source.replace(['\n', '\r'], " ")
        );
        out.push_str(
            "# Merge these stanzas into your spec and read every NOTE: those mappings have no\n\
             # exact access-entry equivalent. aws-auth stores role ARNs without their IAM\n\
             # path, but access entries need the full ARN: check each role with\n\
             # `aws iam get-role --role-name NAME --query Role.Arn`.\n",
        );
        Self {
            cluster: cluster.to_string(),
            out,
            keys: BTreeSet::new(),
        }
    }

    fn write(mut self, roles: Vec<Mapping>, users: Vec<Mapping>, accounts: &[String]) -> String {
        let in_group = |m: &Mapping, group: &str| m.groups.iter().any(|g| g == group);
        let (nodes, roles): (Vec<Mapping>, Vec<Mapping>) = merged(roles)
            .into_iter()
            .partition(|m| in_group(m, "system:nodes"));
        let (other_nodes, nodes): (Vec<Mapping>, Vec<Mapping>) = nodes
            .into_iter()
            .partition(|m| in_group(m, FARGATE_GROUP) || in_group(m, WINDOWS_NODE_GROUP));
        self.cluster_stanza(&nodes, &other_nodes, accounts);
        for mapping in &roles {
            self.principal(mapping, true);
        }
        for mapping in &merged(users) {
            self.principal(mapping, false);
        }
        self.out
    }

    /// `other_nodes`: Fargate pod execution roles and Windows node roles,
    /// which `node_role_arns` (Linux nodes) cannot express.
    fn cluster_stanza(&mut self, nodes: &[Mapping], other_nodes: &[Mapping], accounts: &[String]) {
        let cluster = self.cluster.clone();
        let _ = writeln!(self.out, "\n[clusters.{cluster}]");
        let _ = writeln!(
            self.out,
            "# name = {}   # the EKS cluster's name, when it is not the key",
            quote(&cluster)
        );
        self.out.push_str(
            "# Access entries need API_AND_CONFIG_MAP (or API). If the cluster still uses\n\
             # CONFIG_MAP, switch it first (one way only):\n",
        );
        let _ = writeln!(
            self.out,
            "#   aws eks update-cluster-config --name {cluster} --access-config authenticationMode=API_AND_CONFIG_MAP"
        );
        self.out
            .push_str("authentication_mode = \"API_AND_CONFIG_MAP\"\n");
        if !nodes.is_empty() {
            self.out.push_str(
                "# Node roles are mapped in aws-auth and get EC2_LINUX access entries, ready for\n\
                 # API. List managed node groups' roles too: the aws-auth eksgrant writes\n\
                 # replaces the whole list.\n\
                 node_role_arns = [\n",
            );
            for node in nodes {
                let _ = writeln!(self.out, "  {},", quote(&node.rolearn));
                let extra: Vec<&String> = node
                    .groups
                    .iter()
                    .filter(|g| !names::NODE_GROUPS.contains(&g.as_str()))
                    .collect();
                if !extra.is_empty() {
                    let _ = writeln!(
                        self.out,
                        "  # NOTE: the groups {} of this node mapping are not kept.",
                        join(&extra)
                    );
                }
            }
            self.out.push_str("]\n");
        }
        for mapping in other_nodes {
            let (what, entry) = if mapping.groups.iter().any(|g| g == FARGATE_GROUP) {
                ("Fargate pod execution role", "FARGATE_LINUX")
            } else {
                ("Windows node role", "EC2_WINDOWS")
            };
            let _ = writeln!(
                self.out,
                "# NOTE: {what}, which eksgrant does not map:\n\
                 #   {}\n\
                 # Give it an access entry of type {entry} before the aws-auth eksgrant writes\n\
                 # replaces this one (EKS makes one for each Fargate profile or managed node\n\
                 # group it creates on a cluster with access entries).",
                quote(&mapping.rolearn)
            );
        }
        if !accounts.is_empty() {
            self.out.push_str(
                "# NOTE: mapAccounts has no access-entry equivalent. It works while the cluster\n\
                 # reads aws-auth; before moving to API, map each role or user as a principal.\n",
            );
            let (valid, invalid): (Vec<&String>, Vec<&String>) =
                accounts.iter().partition(|a| arn::is_account_id(a));
            if !invalid.is_empty() {
                let _ = writeln!(
                    self.out,
                    "# NOTE: {} not 12-digit account IDs; aws-auth ignored them.",
                    join(&invalid)
                );
            }
            let _ = writeln!(self.out, "aws_auth_accounts = [{}]", join(&valid));
        }
    }

    fn principal(&mut self, mapping: &Mapping, is_role: bool) {
        let arn = match arn::parse_principal_arn(&mapping.rolearn) {
            Ok(arn) => arn,
            Err(reason) => {
                let _ = writeln!(
                    self.out,
                    "\n# NOTE: {} is not imported: it is {reason}.",
                    quote(&mapping.rolearn)
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
        let cluster = self.cluster.clone();
        let _ = writeln!(self.out, "\n[principals.{key}]");
        if is_role && arn::without_role_path(&mapping.rolearn) != mapping.rolearn {
            self.out.push_str(
                "# NOTE: aws-auth role ARNs must not have a path, so this mapping did not match\n\
                 # there. Access entries need the path; eksgrant strips it in aws-auth.\n",
            );
        } else if is_role && arn.name.starts_with("AWSReservedSSO_") {
            self.out.push_str(
                "# NOTE: IAM Identity Center roles have a path (aws-reserved/sso.amazonaws.com/...)\n\
                 # that aws-auth leaves out and access entries need: add it to this ARN.\n",
            );
        }
        let _ = writeln!(self.out, "arn = {}", quote(&mapping.rolearn));
        if let Some(username) = mapping.username.as_deref().filter(|u| !u.is_empty()) {
            let _ = writeln!(
                self.out,
                "# NOTE: the username {} is not kept (access entries get EKS's default\n\
                 # one): RBAC bound to that user must bind one of its groups instead.",
                quote(username)
            );
        }
        let masters = mapping.groups.iter().any(|g| g == "system:masters");
        let reserved: Vec<&String> = mapping
            .groups
            .iter()
            .filter(|g| *g != "system:masters" && names::reserved_prefix(g).is_some())
            .collect();
        let owned: Vec<&String> = mapping
            .groups
            .iter()
            .filter(|g| names::is_owned_name(g))
            .collect();
        let groups: Vec<&String> = mapping
            .groups
            .iter()
            .filter(|g| names::reserved_prefix(g).is_none() && !names::is_owned_name(g))
            .collect();
        if !owned.is_empty() {
            let _ = writeln!(
                self.out,
                "# NOTE: the groups {} were eksgrant's own, made for rules or cluster_role\n\
                 # grants: copy those grants from the spec that generated this aws-auth.",
                join(&owned)
            );
        }
        if !reserved.is_empty() {
            let _ = writeln!(
                self.out,
                "# NOTE: the groups {} are reserved: access entries cannot map into them.",
                join(&reserved)
            );
        }
        if masters {
            self.out.push_str(
                "# NOTE: system:masters cannot be an access entry group; this access policy is\n\
                 # its equivalent.\n",
            );
            let _ = writeln!(
                self.out,
                "[[principals.{key}.grants]]\ncluster = {}\naccess_policy = {}",
                quote(&cluster),
                quote(CLUSTER_ADMIN)
            );
        }
        if !groups.is_empty() {
            let _ = writeln!(
                self.out,
                "[[principals.{key}.grants]]\ncluster = {}\ngroups = [{}]",
                quote(&cluster),
                join(&groups)
            );
        }
        if !masters && groups.is_empty() {
            self.out.push_str(
                "# NOTE: this mapping gives no permission eksgrant can express; add grants.\n",
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

/// The mappings with one entry per ARN: aws-auth edited by several tools
/// often lists a role twice, and a principal is listed once in a spec.
fn merged(mappings: Vec<Mapping>) -> Vec<Mapping> {
    let mut out: Vec<Mapping> = Vec::new();
    for mapping in mappings {
        match out
            .iter_mut()
            .find(|m| m.rolearn.eq_ignore_ascii_case(&mapping.rolearn))
        {
            Some(first) => {
                for group in mapping.groups {
                    if !first.groups.contains(&group) {
                        first.groups.push(group);
                    }
                }
                first.username = first.username.take().or(mapping.username);
            }
            None => out.push(mapping),
        }
    }
    out
}

/// A TOML basic string, always on one line (so also safe in a comment):
/// quotes and backslashes escaped, and every control character (DEL too,
/// which TOML forbids raw) as `\uXXXX`.
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
        let mut stanzas = Stanzas::new("c", "x");
        assert_eq!(stanzas.key_for("Team_Admins", true), "team-admins");
        assert_eq!(stanzas.key_for("team-admins", true), "team-admins-2");
        assert_eq!(stanzas.key_for("007", false), "user-007");
        assert!(names::is_key(&stanzas.key_for("--x--", true)));
    }

    #[test]
    fn values_in_comments_cannot_end_the_comment() {
        let mapping = |groups: &[&str]| Mapping {
            rolearn: "arn:aws:iam::111122223333:role/ops\n[principals.evil]".to_string(),
            username: Some("u\narn = \"x\"".to_string()),
            groups: groups.iter().map(ToString::to_string).collect(),
        };
        let text = Stanzas::new("c", "x").write(
            vec![
                mapping(&["system:nodes", FARGATE_GROUP]),
                mapping(&["a\nb = 1"]),
            ],
            Vec::new(),
            &["1\n[x]".to_string()],
        );
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(parsed.keys().collect::<Vec<_>>(), ["clusters"], "{text}");
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
