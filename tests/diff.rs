//! `eksgrant diff`: for each kind of change, who gains and who loses what,
//! as a reviewer would check it; every diff cross-checked against explain
//! on both sides (what a subject gains is what explain shows after and not
//! before, grant by grant, AWS action by action, way in by way in); and the
//! binary in each format, with `--base` in a git repository.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use eksgrant::diff::{Diff, Side, Status, SubjectChange, format};
use eksgrant::explain::{self, Explanation, KubernetesAccess, Subject, who_can};
use eksgrant::model::Transition;
use eksgrant::{Loaded, SourceFile};
use serde_json::Value;

use crate::support::{git, report, run_in};

/// Two clusters (`workload` reads aws-auth for its nodes), admins on both,
/// CI with `edit` in `workload/jobs`, and a backend on `platform` that
/// creates pods in `workload/jobs`.
const SPEC: &str = r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.platform]

[clusters.workload]
authentication_mode = "API_AND_CONFIG_MAP"
node_role_arns = ["arn:aws:iam::111122223333:role/nodes"]

[principals.admins]
arn = "arn:aws:iam::111122223333:role/admins"

[[principals.admins.grants]]
cluster = "platform"
access_policy = "AmazonEKSClusterAdminPolicy"

[[principals.admins.grants]]
cluster = "workload"
access_policy = "AmazonEKSClusterAdminPolicy"

[principals.ci]
arn = "arn:aws:iam::111122223333:role/ci"

[[principals.ci.grants]]
cluster = "workload"
namespaces = ["jobs"]
cluster_role = "edit"

[workloads.backend]
cluster = "platform"
namespace = "web"

[[workloads.backend.grants]]
cluster = "workload"
namespaces = ["jobs"]
rules = [{ api_groups = [""], resources = ["pods"], verbs = ["create", "delete", "get", "list", "watch"] }]
"#;

/// A workload with AWS permissions of its own, to add to [`SPEC`].
const REPORTS: &str = r#"
[workloads.reports]
cluster = "platform"
namespace = "analytics"

[[workloads.reports.aws.statements]]
actions = ["s3:GetObject"]
resources = ["arn:aws:s3:::acme-reports/*"]

[[workloads.reports.aws.statements]]
actions = ["sqs:SendMessage"]
resources = ["arn:aws:sqs:eu-west-2:111122223333:reports-a"]
conditions = [{ test = "StringEquals", variable = "aws:ResourceTag/team", values = ["reports", "analytics"] }]
"#;

/// `text` with `from` replaced by `to`; `from` must be there.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is not in the spec");
    text.replacen(from, to, 1)
}

fn load(name: &str, text: &str) -> Loaded {
    eksgrant::load_source(SourceFile::new(Path::new(name), text))
        .unwrap_or_else(|error| panic!("{name} is invalid:\n{}", report(&error)))
}

/// The diff from `old` to `new`, cross-checked against explain.
fn diff(old: &str, new: &str) -> Diff {
    let (old, new) = (load("old.toml", old).model, load("new.toml", new).model);
    let before = Side::of("old.toml", &old);
    let revocations = before.revoked_by(&new);
    let diff = eksgrant::diff::diff(&before, &Side::of("new.toml", &new), &revocations);
    cross_check(&explain::explain(&old), &explain::explain(&new), &diff);
    diff
}

fn subject<'a>(diff: &'a Diff, key: &str) -> &'a SubjectChange {
    diff.subjects
        .iter()
        .find(|s| s.key == key)
        .unwrap_or_else(|| panic!("{key} has no change:\n{}", format::human(diff, false)))
}

/// A value as JSON, for sets of whole values that do not depend on what
/// the library derives for them.
fn json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

/// A grant as a whole value, its rules in one order.
fn grant(access: &KubernetesAccess) -> String {
    let mut value = json(access);
    let mut rules: Vec<String> = value["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    rules.sort();
    value["rules"] = Value::Array(rules.into_iter().map(Value::String).collect());
    value.to_string()
}

/// Conditions as one text whatever the order of their values.
fn conditions(conditions: &impl serde::Serialize) -> String {
    let mut value = json(conditions);
    for keys in value.as_object_mut().unwrap().values_mut() {
        for values in keys.as_object_mut().unwrap().values_mut() {
            let mut sorted: Vec<Value> = values.as_array().unwrap().clone();
            sorted.sort_by_key(Value::to_string);
            *values = Value::Array(sorted);
        }
    }
    value.to_string()
}

/// `Effect action on resource when conditions`, for every action on every
/// resource of a subject's statements, as explain shows them.
fn aws_atoms(subject: &Subject) -> BTreeSet<String> {
    let mut atoms = BTreeSet::new();
    for permission in &subject.aws.permissions {
        for action in &permission.actions {
            for resource in &permission.resources {
                atoms.insert(format!(
                    "{} {action} on {resource} when {}",
                    permission.effect,
                    conditions(&permission.conditions),
                ));
            }
        }
    }
    atoms
}

/// The same atoms of what a diff says was gained or lost.
fn diff_atoms(permissions: &[eksgrant::diff::AwsPermissions]) -> BTreeSet<String> {
    let mut atoms = BTreeSet::new();
    for group in permissions {
        for action in &group.actions {
            let atom = format!(
                "{} {action} on {} when {}",
                group.effect,
                group.resource,
                conditions(&group.conditions),
            );
            assert!(atoms.insert(atom), "{action} is listed twice");
        }
    }
    atoms
}

/// What a diff lists as gained and lost, as whole values.
type Listed = (BTreeSet<String>, BTreeSet<String>);

/// For every subject of either side: the grants, AWS atoms, ways in and
/// managed policies it gains are explain(new) minus explain(old), those it
/// loses the reverse, and its identity is explain's on each side. Where
/// the permissions in effect in a namespace change, who-can agrees: a verb
/// lost there was answered `yes` before and is not after, and the reverse.
fn cross_check(old: &Explanation, new: &Explanation, diff: &Diff) {
    let find = |explanation: &'_ Explanation, key: &str| {
        explanation.subjects.iter().find(|s| s.key == key).cloned()
    };
    let keys: BTreeSet<&str> = old
        .subjects
        .iter()
        .chain(&new.subjects)
        .map(|s| s.key.as_str())
        .collect();
    for key in keys {
        let (before, after) = (find(old, key), find(new, key));
        let changes: Vec<&SubjectChange> = diff.subjects.iter().filter(|s| s.key == key).collect();
        assert!(changes.len() <= 1, "{key} is listed twice");
        let change = changes.first().copied();
        // What explain says on each side, and what the diff says was
        // gained and lost, each as a set of whole values.
        let check = |what: &str,
                     explained: &dyn Fn(&Subject) -> BTreeSet<String>,
                     listed: &dyn Fn(&SubjectChange) -> Listed| {
            let side = |s: &Option<Subject>| s.as_ref().map(explained).unwrap_or_default();
            let (before, after) = (side(&before), side(&after));
            let expected = (
                after.difference(&before).cloned().collect(),
                before.difference(&after).cloned().collect(),
            );
            let found = change.map(listed).unwrap_or_default();
            assert_eq!(found, expected, "{key}: {what} (gained, lost)");
        };
        check(
            "Kubernetes grants",
            &|s| s.kubernetes.iter().map(grant).collect(),
            &|c| {
                let set = |list: &[KubernetesAccess]| list.iter().map(grant).collect();
                (
                    set(&c.kubernetes_grants.gained),
                    set(&c.kubernetes_grants.lost),
                )
            },
        );
        check("AWS actions", &aws_atoms, &|c| {
            (
                diff_atoms(&c.aws_permissions.gained),
                diff_atoms(&c.aws_permissions.lost),
            )
        });
        let way = |a: &eksgrant::explain::Assumption| json(a).to_string();
        check(
            "ways in",
            &|s| s.aws.assumed_by.iter().map(way).collect(),
            &|c| {
                (
                    c.assumed_by.gained.iter().map(way).collect(),
                    c.assumed_by.lost.iter().map(way).collect(),
                )
            },
        );
        check(
            "managed policies",
            &|s| s.aws.managed_policies.iter().cloned().collect(),
            &|c| {
                (
                    c.managed_policies.gained.iter().cloned().collect(),
                    c.managed_policies.lost.iter().cloned().collect(),
                )
            },
        );
        let identity = |s: &Option<Subject>| s.as_ref().and_then(|s| s.aws.identity.clone());
        let Some(change) = change else {
            assert_eq!(identity(&before), identity(&after), "{key}");
            continue;
        };
        assert_eq!(change.identity.before, identity(&before), "{key}");
        assert_eq!(change.identity.after, identity(&after), "{key}");
        let status = match (&before, &after) {
            (None, _) => Status::Added,
            (_, None) => Status::Removed,
            _ => Status::Changed,
        };
        assert_eq!(change.status, status, "{key}");
        check_who_can(old, new, change);
    }
}

/// Each verb a namespace lost (gained) was allowed there, by who-can's
/// answer, before (after) and is not after (before).
fn check_who_can(old: &Explanation, new: &Explanation, change: &SubjectChange) {
    for scope in &change.kubernetes_permissions {
        let Some(namespace) = scope.namespace.as_deref() else {
            // Without a namespace, who-can answers for the whole cluster.
            continue;
        };
        for (had, has, permissions) in [(old, new, &scope.lost), (new, old, &scope.gained)] {
            for permission in permissions.iter().filter(|p| p.resource_name.is_none()) {
                let resource = if permission.api_group.is_empty() {
                    permission.resource.clone()
                } else {
                    format!("{}.{}", permission.resource, permission.api_group)
                };
                for verb in &permission.verbs {
                    let yes = |explanation| {
                        who_can::kubernetes(
                            explanation,
                            verb,
                            &resource,
                            &scope.cluster,
                            Some(namespace),
                        )
                        .iter()
                        .any(|a| a.subject == change.key && a.verdict == "yes")
                    };
                    assert!(yes(had), "{}: {verb} {resource} in {namespace}", change.key);
                    assert!(
                        !yes(has),
                        "{}: {verb} {resource} in {namespace}",
                        change.key
                    );
                }
            }
        }
    }
}

/// The objects a diff revokes on `cluster`, as `Kind namespace/name`.
fn revoked(diff: &Diff, cluster: &str) -> Vec<String> {
    diff.clusters
        .iter()
        .filter(|c| c.key == cluster)
        .flat_map(|c| &c.revoked)
        .map(|o| match &o.namespace {
            Some(namespace) => format!("{} {namespace}/{}", o.kind, o.name),
            None => format!("{} {}", o.kind, o.name),
        })
        .collect()
}

/// What a scope lost or gained, as `verb resource` lines.
fn verbs(permissions: &[eksgrant::diff::KubernetesPermissions]) -> BTreeSet<String> {
    permissions
        .iter()
        .flat_map(|p| {
            let resource = match (p.api_group.as_str(), &p.resource_name) {
                ("", None) => p.resource.clone(),
                ("", Some(name)) => format!("{}/{name}", p.resource),
                (group, _) => format!("{}.{group}", p.resource),
            };
            p.verbs.iter().map(move |v| format!("{v} {resource}"))
        })
        .collect()
}

#[test]
fn narrowing_edit_to_view_loses_the_writes_and_keeps_the_reads() {
    let new = edit(SPEC, "cluster_role = \"edit\"", "cluster_role = \"view\"");
    let diff = diff(SPEC, &new);
    assert_eq!(diff.subjects.len(), 1, "{}", format::human(&diff, false));
    let ci = subject(&diff, "ci");
    assert_eq!(ci.status, Status::Changed);
    assert!(!ci.identity.changed());
    let [lost] = &ci.kubernetes_grants.lost[..] else {
        panic!("{:?}", ci.kubernetes_grants.lost)
    };
    assert_eq!(lost.role, explain::RoleRef::ClusterRole("edit".to_string()));
    assert_eq!(
        ci.kubernetes_grants.gained[0].role,
        explain::RoleRef::ClusterRole("view".to_string())
    );
    let [scope] = &ci.kubernetes_permissions[..] else {
        panic!("{:?}", ci.kubernetes_permissions)
    };
    assert_eq!(
        (scope.cluster.as_str(), scope.namespace.as_deref()),
        ("workload", Some("jobs"))
    );
    assert!(scope.gained.is_empty() && scope.unknown_rules.is_empty());
    let lost = verbs(&scope.lost);
    for verb in [
        "create pods",
        "delete deployments.apps",
        "get secrets",
        "create pods/exec",
    ] {
        assert!(lost.contains(verb), "{verb}: {lost:?}");
    }
    // view reads pods as edit did.
    assert!(!lost.contains("get pods"), "{lost:?}");
    assert_eq!(
        revoked(&diff, "workload"),
        ["RoleBinding jobs/eksgrant:ci:edit"]
    );

    let text = format::human(&diff, false);
    assert!(
        text.starts_with("Compared old.toml (before) with new.toml (after).\n\nci (principal)\n"),
        "{text}"
    );
    assert!(text.contains("\n  - grant in workload/jobs: ClusterRole edit (27 rules)\n      via access entry -> group eksgrant:ci -> RoleBinding eksgrant:ci:edit -> ClusterRole edit\n"), "{text}");
    assert!(
        text.contains("\n  + grant in workload/jobs: ClusterRole view (12 rules)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  - loses create, delete, deletecollection, patch, update on configmaps, events, persistentvolumeclaims, pods, "),
        "{text}"
    );
    assert!(text.contains("\nworkload (cluster)\n  No longer written: eksgrant's apply order (ACCESS.md) deletes them, as kubectl apply does not:\n    - RoleBinding jobs/eksgrant:ci:edit\n"), "{text}");
}

#[test]
fn a_principal_removed_loses_everything_and_its_objects_are_revoked() {
    let new = edit(
        SPEC,
        "[principals.ci]\narn = \"arn:aws:iam::111122223333:role/ci\"\n\n[[principals.ci.grants]]\ncluster = \"workload\"\nnamespaces = [\"jobs\"]\ncluster_role = \"edit\"\n",
        "",
    );
    let diff = diff(SPEC, &new);
    let ci = subject(&diff, "ci");
    assert_eq!(ci.status, Status::Removed);
    assert_eq!(
        ci.identity.before.as_deref(),
        Some("arn:aws:iam::111122223333:role/ci")
    );
    assert_eq!(ci.identity.after, None);
    assert!(ci.kubernetes_grants.gained.is_empty());
    assert_eq!(ci.kubernetes_grants.lost.len(), 1);
    let lost = verbs(&ci.kubernetes_permissions[0].lost);
    assert!(
        lost.contains("get pods") && lost.contains("create pods"),
        "{lost:?}"
    );
    assert_eq!(
        revoked(&diff, "workload"),
        ["RoleBinding jobs/eksgrant:ci:edit"]
    );
    assert_eq!(diff.subjects.len(), 1);
    let text = format::human(&diff, false);
    assert!(
        text.contains(
            "\nci (principal, removed)\n  - AWS identity arn:aws:iam::111122223333:role/ci\n"
        ),
        "{text}"
    );
}

#[test]
fn removing_a_grant_on_another_cluster_takes_the_role_and_its_objects() {
    let new = edit(
        SPEC,
        "\n[[workloads.backend.grants]]\ncluster = \"workload\"\nnamespaces = [\"jobs\"]\nrules = [{ api_groups = [\"\"], resources = [\"pods\"], verbs = [\"create\", \"delete\", \"get\", \"list\", \"watch\"] }]\n",
        "",
    );
    let diff = diff(SPEC, &new);
    let backend = subject(&diff, "backend");
    assert_eq!(backend.status, Status::Changed);
    // Nothing else needs an AWS identity: the role goes, and with it who
    // could become it and its eks:DescribeCluster on the other cluster.
    assert_eq!(
        backend.identity.before.as_deref(),
        Some("arn:aws:iam::111122223333:role/backend")
    );
    assert_eq!(backend.identity.after, None);
    assert_eq!(backend.assumed_by.lost.len(), 1);
    assert_eq!(backend.assumed_by.lost[0].cluster, "platform");
    let [describe] = &backend.aws_permissions.lost[..] else {
        panic!("{:?}", backend.aws_permissions.lost)
    };
    assert_eq!(describe.actions, ["eks:DescribeCluster"]);
    assert_eq!(
        describe.resource,
        "arn:aws:eks:eu-west-2:111122223333:cluster/workload"
    );
    assert_eq!(
        verbs(&backend.kubernetes_permissions[0].lost),
        [
            "create pods",
            "delete pods",
            "get pods",
            "list pods",
            "watch pods"
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(
        revoked(&diff, "workload"),
        [
            "Role jobs/eksgrant:backend",
            "RoleBinding jobs/eksgrant:backend"
        ]
    );
    // Its ServiceAccount on platform stays.
    assert!(revoked(&diff, "platform").is_empty());
}

#[test]
fn a_workload_added_gains_its_role_its_way_in_and_its_statements() {
    let new = format!("{SPEC}{REPORTS}");
    let diff = diff(SPEC, &new);
    assert_eq!(diff.subjects.len(), 1);
    let reports = subject(&diff, "reports");
    assert_eq!(reports.status, Status::Added);
    assert_eq!(
        reports.identity.after.as_deref(),
        Some("arn:aws:iam::111122223333:role/reports")
    );
    let way = &reports.assumed_by.gained[0];
    assert_eq!(
        (
            way.mechanism,
            way.cluster.as_str(),
            way.namespace.as_str(),
            way.service_account.as_str()
        ),
        ("pod-identity", "platform", "analytics", "reports")
    );
    let gained: Vec<(&str, &str)> = reports
        .aws_permissions
        .gained
        .iter()
        .flat_map(|g| g.actions.iter().map(|a| (a.as_str(), g.resource.as_str())))
        .collect();
    assert_eq!(
        gained,
        [
            ("s3:GetObject", "arn:aws:s3:::acme-reports/*"),
            (
                "sqs:SendMessage",
                "arn:aws:sqs:eu-west-2:111122223333:reports-a"
            ),
        ]
    );
    assert!(reports.kubernetes_grants.is_empty());
    // Its ServiceAccount is new, not revoked: no cluster changes.
    assert!(diff.clusters.is_empty());
    let text = format::human(&diff, false);
    assert!(text.contains("\nreports (workload, added)\n  + AWS identity arn:aws:iam::111122223333:role/reports\n  + assumed by ServiceAccount analytics/reports on platform (pod-identity)\n  + Allow s3:GetObject on arn:aws:s3:::acme-reports/*\n  + Allow sqs:SendMessage on arn:aws:sqs:eu-west-2:111122223333:reports-a when StringEquals aws:ResourceTag/team analytics, reports\n"), "{text}");
}

#[test]
fn a_statement_changed_gains_and_loses_only_the_actions_and_resources_that_changed() {
    let old = format!("{SPEC}{REPORTS}");
    let new = edit(
        &old,
        "actions = [\"s3:GetObject\"]",
        "actions = [\"s3:GetObject\", \"s3:PutObject\"]",
    );
    let new = edit(&new, ":reports-a\"]", ":reports-b\"]");
    // The same values in another order are the same condition.
    let new = edit(
        &new,
        "[\"reports\", \"analytics\"]",
        "[\"analytics\", \"reports\"]",
    );
    let diff = diff(&old, &new);
    let reports = subject(&diff, "reports");
    assert_eq!(reports.status, Status::Changed);
    let atoms = |list: &[eksgrant::diff::AwsPermissions]| -> Vec<(String, String)> {
        list.iter()
            .flat_map(|g| g.actions.iter().map(|a| (a.clone(), g.resource.clone())))
            .collect()
    };
    assert_eq!(
        atoms(&reports.aws_permissions.gained),
        [
            (
                "s3:PutObject".to_string(),
                "arn:aws:s3:::acme-reports/*".to_string()
            ),
            (
                "sqs:SendMessage".to_string(),
                "arn:aws:sqs:eu-west-2:111122223333:reports-b".to_string()
            ),
        ]
    );
    assert_eq!(
        atoms(&reports.aws_permissions.lost),
        [(
            "sqs:SendMessage".to_string(),
            "arn:aws:sqs:eu-west-2:111122223333:reports-a".to_string()
        )]
    );
    assert_eq!(
        reports.aws_permissions.gained[1].conditions["StringEquals"]["aws:ResourceTag/team"],
        ["analytics", "reports"]
    );
    assert!(reports.assumed_by.is_empty() && !reports.identity.changed());
    assert!(diff.clusters.is_empty());
}

#[test]
fn a_second_cluster_is_a_way_in_gained() {
    let old = format!("{SPEC}{REPORTS}");
    let new = edit(
        &old,
        "[workloads.reports]\ncluster = \"platform\"",
        "[workloads.reports]\nclusters = [\"platform\", \"workload\"]",
    );
    let diff = diff(&old, &new);
    assert_eq!(diff.subjects.len(), 1, "{}", format::human(&diff, false));
    let reports = subject(&diff, "reports");
    assert!(reports.assumed_by.lost.is_empty());
    let [way] = &reports.assumed_by.gained[..] else {
        panic!("{:?}", reports.assumed_by.gained)
    };
    assert_eq!(
        (way.mechanism, way.cluster.as_str(), way.namespace.as_str()),
        ("pod-identity", "workload", "analytics")
    );
    assert!(reports.aws_permissions.is_empty());
    assert!(format::human(&diff, false).contains(
        "\n  + assumed by ServiceAccount analytics/reports on workload (pod-identity)\n"
    ));
}

#[test]
fn cluster_admin_as_an_access_policy_changes_the_grant_and_nothing_in_effect() {
    let old = edit(
        SPEC,
        "cluster = \"platform\"\naccess_policy = \"AmazonEKSClusterAdminPolicy\"",
        "cluster = \"platform\"\ncluster_role = \"cluster-admin\"",
    );
    let diff = diff(&old, SPEC);
    let admins = subject(&diff, "admins");
    assert_eq!(admins.kubernetes_grants.lost.len(), 1);
    assert_eq!(
        admins.kubernetes_grants.lost[0].role,
        explain::RoleRef::ClusterRole("cluster-admin".to_string())
    );
    assert_eq!(
        admins.kubernetes_grants.gained[0].role,
        explain::RoleRef::AccessPolicy("AmazonEKSClusterAdminPolicy".to_string())
    );
    // `*` on `*` in `*` either way: no verb gained or lost anywhere.
    assert!(
        admins.kubernetes_permissions.is_empty(),
        "{:?}",
        admins.kubernetes_permissions
    );
    assert_eq!(
        revoked(&diff, "platform"),
        ["ClusterRoleBinding eksgrant:admins:cluster-admin"]
    );
    let text = format::human(&diff, false);
    assert!(
        !text.contains("loses ") && !text.contains("gains "),
        "{text}"
    );
}

#[test]
fn a_mode_change_is_the_cluster_s_and_revokes_aws_auth() {
    let new = edit(
        SPEC,
        "authentication_mode = \"API_AND_CONFIG_MAP\"",
        "authentication_mode = \"API\"",
    );
    let diff = diff(SPEC, &new);
    // Access entries on either: nobody gains or loses anything.
    assert!(diff.subjects.is_empty(), "{}", format::human(&diff, false));
    let [workload] = &diff.clusters[..] else {
        panic!("{:?}", diff.clusters)
    };
    assert_eq!(workload.status, Status::Changed);
    assert_eq!(
        workload.authentication_mode.before.as_deref(),
        Some("API_AND_CONFIG_MAP")
    );
    assert_eq!(workload.authentication_mode.after.as_deref(), Some("API"));
    assert_eq!(
        revoked(&diff, "workload"),
        ["ConfigMap kube-system/aws-auth"]
    );
    let text = format::human(&diff, false);
    assert!(
        text.contains("\nworkload (cluster)\n  authentication mode API_AND_CONFIG_MAP -> API\n"),
        "{text}"
    );
    let markdown = format::markdown(&diff);
    assert!(
        markdown
            .contains("#### `workload`\n\n- authentication mode `API_AND_CONFIG_MAP` -> `API`\n"),
        "{markdown}"
    );
}

#[test]
fn a_revocation_lists_the_objects_of_the_removed_grant_only() {
    let old = edit(
        SPEC,
        "[principals.ci]\narn = \"arn:aws:iam::111122223333:role/ci\"\n",
        "[principals.ci]\narn = \"arn:aws:iam::111122223333:role/ci\"\n\n[[principals.ci.grants]]\ncluster = \"workload\"\nnamespaces = [\"tools\", \"jobs\"]\nrules = [{ api_groups = [\"\"], resources = [\"configmaps\"], verbs = [\"get\"], resource_names = [\"settings\"] }]\n",
    );
    let diff = diff(&old, SPEC);
    assert_eq!(
        revoked(&diff, "workload"),
        [
            "Role jobs/eksgrant:ci",
            "Role tools/eksgrant:ci",
            "RoleBinding jobs/eksgrant:ci",
            "RoleBinding tools/eksgrant:ci",
        ]
    );
    let ci = subject(&diff, "ci");
    let lost: Vec<(&str, BTreeSet<String>)> = ci
        .kubernetes_permissions
        .iter()
        .map(|s| (s.namespace.as_deref().unwrap(), verbs(&s.lost)))
        .collect();
    // In jobs, edit still gets every configmap: nothing lost there.
    assert_eq!(
        lost,
        [("tools", ["get configmaps/settings".to_string()].into())]
    );
    let markdown = format::markdown(&diff);
    assert!(markdown.contains("#### `workload`\n\nObjects no longer written: eksgrant's apply order (ACCESS.md) deletes them, as `kubectl apply` does not:\n\n| Kind | Namespace | Name |\n| --- | --- | --- |\n| Role | `jobs` | `eksgrant:ci` |\n"), "{markdown}");
    assert!(markdown.contains("\nLoses:\n\n"), "{markdown}");
    assert!(
        markdown.contains("- `get` on `configmaps [settings]` in `workload/tools`\n"),
        "{markdown}"
    );
}

#[test]
fn a_service_account_someone_else_writes_now_is_not_revoked_as_generate_does_not() {
    // create_service_account flips off: eksgrant stops writing the
    // ServiceAccount, which whoever deploys the workload writes now.
    let new = edit(
        SPEC,
        "[workloads.backend]\ncluster = \"platform\"\nnamespace = \"web\"\n",
        "[workloads.backend]\ncluster = \"platform\"\nnamespace = \"web\"\ncreate_service_account = false\n",
    );
    let diff = diff(SPEC, &new);
    assert!(
        revoked(&diff, "platform").is_empty(),
        "{}",
        format::human(&diff, false)
    );
    // The same through generate's own transition over the old spec.
    let (old, new) = (load("old.toml", SPEC).model, load("new.toml", &new).model);
    let history = Transition::follow(&old, None).history(&old, std::iter::empty());
    assert!(
        Transition::follow(&new, Some(&history))
            .revocations()
            .next()
            .is_none(),
        "generate revokes what diff does not"
    );
}

#[test]
fn a_cluster_renamed_in_the_spec_only_revokes_nothing() {
    // The key changes, the EKS cluster does not: its objects are the same.
    let new = SPEC
        .replace(
            "[clusters.workload]\n",
            "[clusters.apps]\nname = \"workload\"\n",
        )
        .replace("cluster = \"workload\"", "cluster = \"apps\"");
    let diff = diff(SPEC, &new);
    assert!(
        diff.clusters.iter().all(|c| c.revoked.is_empty()),
        "{}",
        format::human(&diff, false)
    );
}

#[test]
fn a_cluster_role_the_spec_only_names_is_not_counted() {
    let old = edit(
        SPEC,
        "cluster_role = \"edit\"",
        "cluster_role = \"team-jobs\"",
    );
    let diff = diff(&old, SPEC);
    let ci = subject(&diff, "ci");
    let [scope] = &ci.kubernetes_permissions[..] else {
        panic!("{:?}", ci.kubernetes_permissions)
    };
    // Whatever team-jobs allowed is unknown: edit's verbs are all gains,
    // none can be a loss, and the scope says what was not counted.
    assert!(scope.lost.is_empty());
    assert!(verbs(&scope.gained).contains("create pods"));
    assert_eq!(
        scope.unknown_rules,
        [explain::RoleRef::ClusterRole("team-jobs".to_string())]
    );
    let text = format::human(&diff, false);
    assert!(text.contains("\n  ? not counted in workload/jobs: ClusterRole team-jobs, whose rules are not in the spec\n"), "{text}");
    assert!(
        format::markdown(&diff)
            .contains("\nNot counted:\n\n- in `workload/jobs`: `ClusterRole team-jobs`, whose rules are not in the spec\n")
    );
}

#[test]
fn nothing_changed_says_so() {
    let diff = diff(SPEC, &format!("# a comment\n{SPEC}"));
    assert!(diff.is_empty());
    assert_eq!(
        format::human(&diff, false),
        "Compared old.toml (before) with new.toml (after).\nNo access changes.\n"
    );
    assert_eq!(
        format::markdown(&diff),
        "## eksgrant: access changes\n\nCompared `old.toml` (before) with `new.toml` (after).\n\nNo access changes.\n"
    );
}

#[test]
fn markdown_keeps_every_spec_value_in_a_code_span() {
    let hostile = "t|b`x<y>[z](http://e)*";
    let old = format!("{SPEC}{REPORTS}");
    let new = edit(&old, "acme-reports/*", &format!("acme-reports/{hostile}"));
    let markdown = format::markdown(&diff(&old, &new));
    assert!(
        markdown.contains("`arn:aws:s3:::acme-reports/t|b'x<y>[z](http://e)*`"),
        "{markdown}"
    );
}

// --- the binary -------------------------------------------------------------

/// The JSON form against docs/diff.schema.json.
fn assert_valid(instance: &Value) {
    let schema: Value = serde_json::from_str(
        &fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diff.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("docs/diff.schema.json is a schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}\n{instance:#}", errors.join("\n"));
}

#[test]
fn diff_old_new_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let old = format!("{SPEC}{REPORTS}");
    // Every kind of change at once: a grant narrowed, a statement changed,
    // a mode moved, a principal and a cluster-wide grant added.
    let new = edit(&old, "cluster_role = \"edit\"", "cluster_role = \"view\"");
    let new = edit(&new, ":reports-a\"]", ":reports-b\"]");
    let new = edit(
        &new,
        "authentication_mode = \"API_AND_CONFIG_MAP\"",
        "authentication_mode = \"API\"",
    );
    let new = format!(
        "{new}\n[principals.auditors]\narn = \"arn:aws:iam::111122223333:user/auditor\"\n\n[[principals.auditors.grants]]\ncluster = \"workload\"\ncluster_role = \"view\"\n"
    );
    fs::write(dir.path().join("old.toml"), &old).unwrap();
    fs::write(dir.path().join("eksgrant.toml"), &new).unwrap();

    // NEW_SPEC defaults to eksgrant.toml.
    let human = run_in(dir.path(), &["diff", "old.toml"]).success();
    human.stdout_starts_with("Compared old.toml (before) with eksgrant.toml (after).\n");
    for expected in [
        "\nauditors (principal, added)\n",
        "\nci (principal)\n",
        "\nreports (workload)\n",
        "\nworkload (cluster)\n",
    ] {
        human.stdout_has(expected);
    }
    // NO_COLOR
    human.stdout_lacks("\x1b");
    run_in(dir.path(), &["diff", "old.toml", "--color", "always"])
        .stdout_has("\x1b[31m- loses create");

    let json = run_in(
        dir.path(),
        &["diff", "old.toml", "eksgrant.toml", "--format", "json"],
    )
    .success();
    let value = json.json();
    assert_valid(&value);
    assert_eq!(value["version"], 1);
    assert_eq!(value["old_spec_exists"], true);
    let keys: Vec<&str> = value["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["auditors", "ci", "reports"]);
    assert_eq!(value["clusters"][0]["authentication_mode"]["after"], "API");

    let markdown = run_in(dir.path(), &["diff", "old.toml", "--format", "markdown"]).success();
    markdown
        .stdout_starts_with("## eksgrant: access changes\n\nCompared `old.toml` (before) with `eksgrant.toml` (after).\n\n### `auditors`\n\nPrincipal, added.\n\nGains:\n\n")
        .stdout_has("\n### Clusters\n");

    // The same spec twice: exit 0 and the one line.
    let same = run_in(dir.path(), &["diff", "eksgrant.toml", "eksgrant.toml"]).success();
    same.stdout_ends_with("\nNo access changes.\n");
    let empty = run_in(
        dir.path(),
        &["diff", "old.toml", "old.toml", "--format", "json"],
    )
    .json();
    assert_valid(&empty);
}

#[test]
fn only_the_new_spec_s_warnings_print_and_an_invalid_spec_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    // `view` warns of nothing; `edit` carries exec, Secrets, impersonation.
    let plain = edit(SPEC, "cluster_role = \"edit\"", "cluster_role = \"view\"");
    let exec = edit(
        SPEC,
        "cluster_role = \"edit\"",
        "rules = [{ api_groups = [\"\"], resources = [\"pods/exec\"], verbs = [\"create\"] }]",
    );
    fs::write(dir.path().join("plain.toml"), &plain).unwrap();
    fs::write(dir.path().join("exec.toml"), &exec).unwrap();
    run_in(dir.path(), &["diff", "plain.toml", "exec.toml"])
        .success()
        .stderr_has("eksgrant::pod_exec");
    run_in(dir.path(), &["diff", "exec.toml", "plain.toml"])
        .success()
        .stderr_lacks("eksgrant::");

    fs::write(
        dir.path().join("broken.toml"),
        edit(SPEC, "cluster = \"workload\"", "cluster = \"wrokload\""),
    )
    .unwrap();
    for args in [
        ["diff", "broken.toml", "plain.toml"],
        ["diff", "plain.toml", "broken.toml"],
    ] {
        run_in(dir.path(), &args)
            .code(2)
            .stderr_has("broken.toml")
            .stderr_has("cluster `wrokload` is not defined")
            .stdout_empty();
    }
    // Which specs it takes depends on --base.
    for args in [
        &["diff"][..],
        &["diff", "--base", "HEAD", "a.toml", "b.toml"],
    ] {
        run_in(dir.path(), args)
            .code(2)
            .stderr_has("Usage: eksgrant diff [OPTIONS] OLD_SPEC [NEW_SPEC]");
    }
    run_in(dir.path(), &["schema", "--diff", "--explain"]).code(2);
}

#[test]
fn base_reads_the_old_spec_from_git() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "--quiet", "--initial-branch=main"]);
    fs::create_dir(root.join("infra")).unwrap();
    fs::write(root.join("infra/eksgrant.toml"), SPEC).unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "spec"]);
    let narrowed = edit(SPEC, "cluster_role = \"edit\"", "cluster_role = \"view\"");
    fs::write(root.join("infra/eksgrant.toml"), &narrowed).unwrap();

    // From the repository's root and from the spec's directory alike.
    for (cwd, spec) in [
        (root.to_path_buf(), "infra/eksgrant.toml"),
        (root.join("infra"), "eksgrant.toml"),
    ] {
        run_in(&cwd, &["diff", "--base", "HEAD", spec])
            .success()
            .stdout_starts_with(&format!(
                "Compared HEAD:{spec} (before) with {spec} (after).\n"
            ))
            .stdout_has(
                "\n  - loses create, delete, deletecollection, patch, update on configmaps",
            );
    }
    // NEW_SPEC defaults to eksgrant.toml.
    let json = run_in(
        &root.join("infra"),
        &["diff", "--base", "main", "--format", "json"],
    )
    .success();
    let value = json.json();
    assert_valid(&value);
    assert_eq!(value["old_spec"], "main:eksgrant.toml");

    // An invalid spec at the base is named as git has it.
    fs::write(
        root.join("infra/eksgrant.toml"),
        edit(SPEC, "cluster = \"workload\"", "cluster = \"wrokload\""),
    )
    .unwrap();
    git(root, &["commit", "--quiet", "-am", "broken"]);
    fs::write(root.join("infra/eksgrant.toml"), SPEC).unwrap();
    run_in(root, &["diff", "--base", "HEAD", "infra/eksgrant.toml"])
        .code(2)
        .stderr_has("HEAD:infra/eksgrant.toml");
    run_in(root, &["diff", "--base", "HEAD~1", "infra/eksgrant.toml"])
        .success()
        .stdout_ends_with("\nNo access changes.\n");
}

#[test]
fn base_without_the_spec_makes_everything_new_and_git_failures_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "--quiet", "--initial-branch=main"]);
    fs::write(root.join("README"), "a repository before eksgrant\n").unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "start"]);
    fs::write(root.join("eksgrant.toml"), SPEC).unwrap();

    let output = run_in(root, &["diff", "--base", "main"]).success();
    output.stdout_starts_with(
        "main:eksgrant.toml does not exist: everything in eksgrant.toml is new.\n",
    );
    for key in ["admins", "backend", "ci"] {
        output.stdout_has(&format!("\n{key} ("));
    }
    output.stdout_has("\nworkload (cluster, added)\n  authentication mode API_AND_CONFIG_MAP\n");
    run_in(root, &["diff", "--base", "main", "--format", "markdown"])
        .stdout_starts_with("## eksgrant: access changes\n\n`main:eksgrant.toml` does not exist: everything in `eksgrant.toml` is new.\n");
    let json = run_in(root, &["diff", "--base", "main", "--format", "json"]).json();
    assert_valid(&json);
    assert_eq!(json["old_spec_exists"], false);

    // An unknown revision, and no repository at all, are errors that say
    // what to do.
    run_in(root, &["diff", "--base", "origin/nope"])
        .code(2)
        .unwrapped_has("eksgrant::git")
        .unwrapped_has("could not read origin/nope:eksgrant.toml from git")
        .unwrapped_has("fetch a remote branch first");
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("eksgrant.toml"), SPEC).unwrap();
    run_in(outside.path(), &["diff", "--base", "main"])
        .code(2)
        .unwrapped_has("give the old spec as a file");
}

/// The README's examples are what the binary prints.
#[test]
fn the_readme_examples_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let example = fs::read_to_string(root.join("examples/platform-workload.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("examples")).unwrap();
    fs::write(dir.path().join("examples/platform-workload.toml"), &example).unwrap();
    let run = |spec: &str| {
        fs::write(dir.path().join("eksgrant.toml"), spec).unwrap();
        run_in(dir.path(), &["diff", "examples/platform-workload.toml"])
            .success()
            .stdout()
            .to_string()
    };
    let narrowed = edit(
        &example,
        "verbs = [\"create\", \"delete\", \"get\", \"list\", \"watch\"] },",
        "verbs = [\"create\", \"get\", \"list\", \"watch\"] },",
    );
    let block = format!(
        "```\n$ eksgrant diff examples/platform-workload.toml\n{}```\n",
        run(&narrowed)
    );
    assert!(readme.contains(&block), "README.md should show:\n{block}");
    let view = run(&crate::support::with_ci_grant(
        &example,
        "cluster_role = \"view\"",
    ));
    let tail = &view[view.find("\nworkload (cluster)\n").unwrap() + 1..];
    assert!(
        readme.contains(&format!("```\n{tail}```\n")),
        "README.md should show:\n{tail}"
    );
}
