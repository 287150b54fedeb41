//! The lints: each fires exactly where tests/lints/every-lint.toml marks it
//! and nowhere else; `allow` silences a lint on its own item only, the model
//! keeps what it silenced, an `allow` that silences nothing is a warning,
//! and one that names no lint of its item is an error.

use std::fmt::Write as _;
use std::path::Path;

use eksgrant::model::{AcknowledgedItem, Acknowledgement};
use eksgrant::{Code, Error, Loaded, Problem, SourceFile};
use miette::Diagnostic as _;

use crate::support::report;

/// Each problem as (code without `eksgrant::`, line of its first label).
fn found(problems: &[Problem], text: &str) -> Vec<(String, usize)> {
    let mut found: Vec<(String, usize)> = problems
        .iter()
        .map(|problem| {
            let code = problem.code().unwrap().to_string();
            let offset = problem.labels().unwrap().next().unwrap().offset();
            let line = text[..offset].matches('\n').count() + 1;
            (code.trim_start_matches("eksgrant::").to_string(), line)
        })
        .collect();
    found.sort();
    found
}

fn load(text: &str) -> Result<Loaded, Error> {
    eksgrant::load_source(SourceFile::new(Path::new("lints.toml"), text.to_string()))
}

fn valid(text: &str) -> Loaded {
    load(text).unwrap_or_else(|error| panic!("should be valid:\n{}", report(&error)))
}

#[test]
fn every_lint_fires_exactly_where_the_spec_marks_it() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lints/every-lint.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut expected: Vec<(String, usize)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some((_, codes)) = line.split_once("# lint: ") {
            for code in codes.split(", ") {
                expected.push((code.trim().to_string(), index + 1));
            }
        }
    }
    expected.sort();
    let loaded = valid(&text);
    assert_eq!(found(&loaded.warnings, &text), expected);
    // Every lint is in the spec at least once.
    for lint in Code::LINTS {
        assert!(
            expected.iter().any(|(code, _)| code == lint.short_name()),
            "{lint} never fires in every-lint.toml"
        );
    }
}

/// A workload in two IRSA clusters with a statement and two grants that
/// each fire a lint, and a principal with one; `{...}` marks where each
/// test puts its `allow`.
const SPEC: &str = r#"version = 1

[aws]
account_id = "111122223333"
region = "eu-west-2"

[clusters.apps]
oidc_issuer = "oidc.eks.eu-west-2.amazonaws.com/id/00000000000000000000000000000001"

[clusters.edge]
oidc_issuer = "oidc.eks.eu-west-2.amazonaws.com/id/00000000000000000000000000000002"

[workloads.sync]
clusters = ["apps", "edge"]
namespace = "sync"
identity = "irsa"
{workload}

[[workloads.sync.aws.statements]]
sid = "Everything"
actions = ["s3:*"]
resources = ["arn:aws:s3:::acme-sync/*"]
{statement}

[[workloads.sync.grants]]
cluster = "apps"
namespaces = ["sync"]
rules = [{ api_groups = [""], resources = ["secrets"], verbs = ["get", "list"] }]
{grant}

[[workloads.sync.grants]]
cluster = "apps"
namespaces = ["other"]
rules = [{ api_groups = [""], resources = ["secrets"], verbs = ["get"] }]

[principals.ops]
arn = "arn:aws:iam::111122223333:role/ops"

[[principals.ops.grants]]
cluster = "apps"
namespaces = ["sync"]
rules = [{ api_groups = [""], resources = ["pods/exec"], verbs = ["create"] }]
{principal}

[[principals.ops.grants]]
cluster = "apps"
access_policy = "AmazonEKSClusterAdminPolicy"

[[principals.ops.grants]]
cluster = "edge"
access_policy = "AmazonEKSClusterAdminPolicy"
"#;

fn spec(workload: &str, statement: &str, grant: &str, principal: &str) -> String {
    SPEC.replace("{workload}", workload)
        .replace("{statement}", statement)
        .replace("{grant}", grant)
        .replace("{principal}", principal)
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn without_allow_every_lint_of_the_spec_is_reported() {
    let text = spec("", "", "", "");
    let loaded = valid(&text);
    let expected = vec![
        ("iam_wildcard".to_string(), line_of(&text, "\"s3:*\"")),
        (
            "irsa_many_clusters".to_string(),
            line_of(&text, "clusters = ["),
        ),
        ("pod_exec".to_string(), line_of(&text, "pods/exec")),
        (
            "secrets_read".to_string(),
            line_of(&text, "\"get\", \"list\""),
        ),
        (
            "secrets_read".to_string(),
            line_of(&text, "verbs = [\"get\"] }]"),
        ),
    ];
    let mut expected = expected;
    expected.sort();
    assert_eq!(found(&loaded.warnings, &text), expected);
    assert!(
        loaded
            .model
            .workloads
            .iter()
            .all(|w| w.acknowledged.is_empty())
    );
    assert!(
        loaded
            .model
            .principals
            .iter()
            .all(|p| p.acknowledged.is_empty())
    );
}

#[test]
fn allow_silences_its_lint_on_its_own_item_and_the_model_keeps_it() {
    let text = spec(
        "allow = [\"irsa_many_clusters\"]",
        "allow = [\"iam_wildcard\"]",
        "allow = [\"secrets_read\"]",
        "allow = [\"pod_exec\"]",
    );
    let loaded = valid(&text);
    // The second grant reads Secrets too, and has no allow of its own.
    assert_eq!(
        found(&loaded.warnings, &text),
        vec![(
            "secrets_read".to_string(),
            line_of(&text, "verbs = [\"get\"] }]")
        )]
    );
    let sync = &loaded.model.workloads[0];
    assert_eq!(sync.key, "sync");
    let codes: Vec<(Code, AcknowledgedItem)> = sync
        .acknowledged
        .iter()
        .map(|a| (a.code, a.on.clone()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (Code::IrsaManyClusters, AcknowledgedItem::Workload),
            (
                Code::IamWildcard,
                AcknowledgedItem::Statement {
                    number: 1,
                    sid: Some("Everything".to_string())
                }
            ),
            (
                Code::SecretsRead,
                AcknowledgedItem::Grant {
                    number: 1,
                    cluster: "apps".to_string()
                }
            ),
        ]
    );
    for acknowledgement in &sync.acknowledged {
        assert_eq!(acknowledgement.silenced.len(), 1, "{acknowledgement:?}");
    }
    assert!(
        sync.acknowledged[2].silenced[0]
            .starts_with("workload sync may read every Secret in namespace sync of cluster apps"),
        "{:?}",
        sync.acknowledged[2].silenced
    );
    assert_eq!(
        loaded.model.principals[0].acknowledged,
        vec![Acknowledgement {
            code: Code::PodExec,
            on: AcknowledgedItem::Grant {
                number: 1,
                cluster: "apps".to_string()
            },
            silenced: vec![
                "principal ops may run commands in every pod in namespace sync of cluster apps (verbs: create), with the Kubernetes and AWS permissions of the pods' ServiceAccounts".to_string()
            ],
        }]
    );
}

#[test]
fn an_allow_whose_lint_does_not_fire_there_is_a_warning() {
    // secrets_read fires on the first grant, not on the principal's; and
    // iam_wildcard is silenced, so it is not reported unused.
    let text = spec(
        "",
        "allow = [\"iam_wildcard\"]",
        "",
        "allow = [\"pod_exec\", \"secrets_read\"]",
    );
    let loaded = valid(&text);
    let allow = line_of(&text, "allow = [\"pod_exec\", \"secrets_read\"]");
    let warnings = found(&loaded.warnings, &text);
    assert!(
        warnings.contains(&("unused_allow".to_string(), allow)),
        "{warnings:?}"
    );
    assert_eq!(
        warnings.iter().filter(|(c, _)| c == "unused_allow").count(),
        1
    );
    let unused = loaded
        .warnings
        .iter()
        .find(|p| p.code().unwrap().to_string() == "eksgrant::unused_allow")
        .unwrap();
    assert_eq!(
        unused.to_string(),
        "secrets_read does not fire on this grant"
    );
    // The model keeps it, with nothing silenced.
    let kept = &loaded.model.principals[0].acknowledged;
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[1].code, Code::SecretsRead);
    assert!(kept[1].silenced.is_empty());
}

#[test]
fn allow_takes_only_short_names_of_lints_of_its_item() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "grant",
            "allow = [\"secret_read\"]",
            "`secret_read` is not a lint eksgrant reports",
            "did you mean \"secrets_read\"?",
        ),
        (
            "grant",
            "allow = [\"eksgrant::secrets_read\"]",
            "allow takes the lint's short name, not `eksgrant::secrets_read`",
            "write \"secrets_read\"",
        ),
        (
            "grant",
            "allow = [\"idle_workload\"]",
            "`idle_workload` is not a lint, and only lints can be acknowledged",
            "the lints of grants are: rbac_wildcard",
        ),
        (
            "grant",
            "allow = [\"iam_wildcard\"]",
            "`iam_wildcard` is reported on custom statements (aws.statements), not on grants",
            "move it to the allow of the item it is about",
        ),
        (
            "workload",
            "allow = [\"secrets_read\"]",
            "`secrets_read` is reported on grants, not on workloads",
            "the lints of workloads are: irsa_many_clusters",
        ),
        (
            "statement",
            "allow = [\"iam_wildcard\", \"iam_wildcard\"]",
            "`iam_wildcard` is listed twice",
            "list each lint once",
        ),
    ];
    for (item, allow, message, help) in cases {
        let text = match *item {
            "grant" => spec("", "", allow, ""),
            "workload" => spec(allow, "", "", ""),
            _ => spec("", allow, "", ""),
        };
        let Err(Error::Invalid { problems, .. }) = load(&text) else {
            panic!("{allow} on a {item} should be refused");
        };
        let errors: Vec<&Problem> = problems.iter().filter(|p| p.is_error()).collect();
        assert_eq!(errors.len(), 1, "{allow}: {}", report(errors[0]));
        let error = errors[0];
        assert_eq!(error.code().unwrap().to_string(), "eksgrant::allow");
        assert_eq!(error.to_string(), *message);
        let shown = error.help().unwrap().to_string();
        assert!(shown.contains(help), "{allow}: {shown}");
        let line = found(&problems, &text)
            .into_iter()
            .find(|(c, _)| c == "allow")
            .unwrap()
            .1;
        assert_eq!(line, line_of(&text, allow));
    }
}

#[test]
fn lints_report_after_the_passes_before_them_though_they_run_earlier() {
    // The lints run before cluster access, to free the spec's grants early,
    // and report to a checker joined after the Terraform roots': their
    // warnings come after the cluster access pass's, as the pass list says.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/warnings/unreachable.toml"),
    )
    .unwrap()
    .replace(r#"verbs = ["create"]"#, r#"verbs = ["*"]"#);
    let loaded = valid(&text);
    let codes: Vec<String> = loaded
        .warnings
        .iter()
        .map(|problem| problem.code().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["eksgrant::unreachable", "eksgrant::rbac_wildcard"]);
}

/// `n` workloads with AWS permissions in namespace `media`, one in `web`,
/// and a CI role that may patch deployments in `namespaces` (none: the
/// whole cluster).
fn crowded_namespace(n: usize, namespaces: Option<&str>) -> String {
    let mut text = String::from(crate::support::BASE);
    for i in 0..=n {
        let namespace = if i == n { "web" } else { "media" };
        let _ = write!(
            text,
            "\n[workloads.w{i}]\ncluster = \"platform\"\nnamespace = \"{namespace}\"\n[[workloads.w{i}.aws.statements]]\nactions = [\"s3:GetObject\"]\nresources = [\"arn:aws:s3:::b{i}/*\"]\n"
        );
    }
    let scope = namespaces.map_or(String::new(), |n| format!("namespaces = [{n}]\n"));
    let _ = write!(
        text,
        "\n[principals.ci]\narn = \"arn:aws:iam::111122223333:role/ci\"\n[[principals.ci.grants]]\ncluster = \"platform\"\n{scope}rules = [{{ api_groups = [\"apps\"], resources = [\"deployments\"], verbs = [\"patch\"] }}]\n"
    );
    text
}

/// The message of the one `pod_create_with_aws_identity`, and its help.
fn pod_create(text: &str) -> (String, String) {
    let loaded = valid(text);
    let [warning] = &loaded.warnings[..] else {
        panic!("one warning: {:?}", loaded.warnings);
    };
    assert_eq!(warning.diagnostic_code(), Code::PodCreateWithAwsIdentity);
    (
        warning.message().to_string(),
        warning.help_text().unwrap().to_string(),
    )
}

#[test]
fn pod_create_names_a_few_service_accounts_and_counts_the_rest() {
    // Four are named, a fifth makes three and a count.
    let (message, help) = pod_create(&crowded_namespace(3, Some("\"media\", \"web\"")));
    assert!(
        message.ends_with(
            "where ServiceAccounts media/w0 (workload w0), media/w1 (workload w1), media/w2 (workload w2) and web/w3 (workload w3) have an AWS identity"
        ),
        "{message}"
    );
    assert!(
        help.contains("can run as media/w0 or media/w1 or media/w2 or web/w3 and"),
        "{help}"
    );
    assert!(help.contains("`restricted` on media and web ("), "{help}");

    let (message, help) = pod_create(&crowded_namespace(1000, Some("\"media\"")));
    assert!(
        message.ends_with(
            "where ServiceAccounts media/w0 (workload w0), media/w1 (workload w1), media/w2 (workload w2) and 997 more have an AWS identity"
        ),
        "{message}"
    );
    assert!(
        help.contains("can run as one of those ServiceAccounts and"),
        "{help}"
    );

    // Cluster-wide, every namespace counts.
    let (message, help) = pod_create(&crowded_namespace(1000, None));
    assert!(
        message.contains("and 998 more have an AWS identity"),
        "{message}"
    );
    assert!(help.contains("`restricted` on media and web ("), "{help}");
}

/// Kubernetes RBAC reads `*` in a resource only alone or as
/// `*/<subresource>`: `pods/*` is reported as the nothing it grants.
#[test]
fn a_subresource_star_is_reported_as_what_kubernetes_reads() {
    let text = format!(
        "{}\n[principals.ci]\narn = \"arn:aws:iam::111122223333:role/ci\"\n[[principals.ci.grants]]\ncluster = \"platform\"\nnamespaces = [\"web\"]\nrules = [{{ api_groups = [\"\", \"apps\"], resources = [\"pods/*\", \"*/scale\"], verbs = [\"get\"] }}]\n",
        crate::support::BASE
    );
    let loaded = valid(&text);
    let messages: Vec<(&str, &str)> = loaded
        .warnings
        .iter()
        .filter(|w| w.diagnostic_code() == Code::RbacWildcard)
        .map(|w| (w.message(), w.help_text().unwrap()))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0]
            .0
            .contains("gives principal ci no subresource of pods"),
        "{messages:?}"
    );
    assert!(
        messages[0]
            .1
            .starts_with("list the subresources it uses, such as pods/log"),
        "{messages:?}"
    );
    assert!(
        messages[1]
            .0
            .contains("the subresource scale of every resource of its API groups"),
        "{messages:?}"
    );
}
