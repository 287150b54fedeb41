//! A Kubernetes object eksgrant writes on a cluster, named as `kubectl`
//! names it: what a generation records in its manifest, so that the next
//! one knows which objects it no longer writes and must revoke (`kubectl
//! apply` deletes nothing). `Cluster::objects` lists a cluster's.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The kinds of object eksgrant writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// A workload's ServiceAccount.
    ServiceAccount,
    /// A subject's Role, holding its `rules` in one namespace.
    Role,
    /// A binding in one namespace.
    RoleBinding,
    /// A subject's ClusterRole, holding its cluster-wide `rules`.
    ClusterRole,
    /// A cluster-wide binding.
    ClusterRoleBinding,
    /// The aws-auth ConfigMap, `kube-system/aws-auth`.
    ConfigMap,
}

impl ObjectKind {
    /// Every kind, in the order objects of one cluster are listed.
    pub const ALL: [ObjectKind; 6] = [
        ObjectKind::ServiceAccount,
        ObjectKind::Role,
        ObjectKind::RoleBinding,
        ObjectKind::ClusterRole,
        ObjectKind::ClusterRoleBinding,
        ObjectKind::ConfigMap,
    ];

    /// The kind as the object's `kind` field writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::ServiceAccount => "ServiceAccount",
            ObjectKind::Role => "Role",
            ObjectKind::RoleBinding => "RoleBinding",
            ObjectKind::ClusterRole => "ClusterRole",
            ObjectKind::ClusterRoleBinding => "ClusterRoleBinding",
            ObjectKind::ConfigMap => "ConfigMap",
        }
    }

    /// The resource `kubectl` names it by, fully qualified so that no other
    /// API group's resource of the same name is meant.
    pub fn resource(self) -> &'static str {
        match self {
            ObjectKind::ServiceAccount => "serviceaccount",
            ObjectKind::Role => "role.rbac.authorization.k8s.io",
            ObjectKind::RoleBinding => "rolebinding.rbac.authorization.k8s.io",
            ObjectKind::ClusterRole => "clusterrole.rbac.authorization.k8s.io",
            ObjectKind::ClusterRoleBinding => "clusterrolebinding.rbac.authorization.k8s.io",
            ObjectKind::ConfigMap => "configmap",
        }
    }

    /// Whether objects of this kind live in a namespace.
    pub fn namespaced(self) -> bool {
        !matches!(
            self,
            ObjectKind::ClusterRole | ObjectKind::ClusterRoleBinding
        )
    }
}

/// One object: its kind, namespace (none for cluster-scoped kinds) and
/// name. Written as `Kind namespace/name` or `Kind name`; neither a
/// namespace nor an RBAC object's name can hold `/` or a space.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// Which of the kinds eksgrant writes it is.
    pub kind: ObjectKind,
    /// The namespace of a namespaced object.
    pub namespace: Option<String>,
    /// Its `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The aws-auth ConfigMap, `kube-system/aws-auth`.
    pub fn aws_auth() -> Self {
        ObjectRef {
            kind: ObjectKind::ConfigMap,
            namespace: Some("kube-system".to_string()),
            name: "aws-auth".to_string(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{} {namespace}/{}", self.kind.as_str(), self.name),
            None => write!(f, "{} {}", self.kind.as_str(), self.name),
        }
    }
}

impl FromStr for ObjectRef {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{text}` is not `Kind namespace/name` or `Kind name`");
        let (kind, rest) = text.split_once(' ').ok_or_else(bad)?;
        let kind = ObjectKind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(bad)?;
        let (namespace, name) = match rest.split_once('/') {
            Some((namespace, name)) => (Some(namespace.to_string()), name),
            None => (None, rest),
        };
        if name.is_empty()
            || name.contains(['/', ' '])
            || namespace.as_deref() == Some("")
            || namespace.is_some() != kind.namespaced()
        {
            return Err(bad());
        }
        Ok(ObjectRef {
            kind,
            namespace,
            name: name.to_string(),
        })
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ObjectRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_refs_read_back_as_written() {
        for text in [
            "RoleBinding apps/eksgrant:ci:edit",
            "ClusterRoleBinding eksgrant:ops:cluster-admin",
            "ServiceAccount web/backend",
            "ConfigMap kube-system/aws-auth",
        ] {
            let object: ObjectRef = text.parse().unwrap();
            assert_eq!(object.to_string(), text);
        }
        for bad in [
            "",
            "RoleBinding",
            "Secret a/b",
            "Role a/b/c",
            "Role /b",
            "Role a/",
            "Role a",
            "ClusterRole a/b",
        ] {
            assert!(bad.parse::<ObjectRef>().is_err(), "{bad}");
        }
    }
}
