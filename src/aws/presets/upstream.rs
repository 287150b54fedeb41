//! Each preset against the upstream policy it was written from, statement by
//! statement.
//!
//! Every upstream file is vendored verbatim under `data/presets/` at the
//! release it is pinned to (`data/presets/SOURCE.md`). The test takes the
//! policy document out of it, builds the preset's statements in the tests'
//! context, and compares, action by action, where upstream allows the action
//! (on which resource, under which conditions) with where the preset does.
//! Each statement of the preset that allows an upstream action otherwise
//! than upstream must be declared in its `Upstream::narrowed` or
//! `Upstream::broader`, and each declared statement must still differ: an
//! upstream release that changes a resource or a condition fails here until
//! someone decides, in the preset, what to do about it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use super::{PRESETS, PresetArg, PresetContext, PresetDef, Scoping, find};
use crate::aws::iam::{Statement, action_matches, wildcard_match};

/// How the policy documents are taken out of a vendored file.
#[derive(Clone, Copy)]
enum Extract {
    /// The whole file is the document.
    Json,
    /// The file is an AWS managed policy as `aws iam get-policy-version`
    /// prints it: the document is its `PolicyVersion.Document`.
    PolicyVersion,
    /// The document is the Nth fenced code block of a Markdown file
    /// (counting from 0, blocks of every language), from its first `{` to
    /// its last `}`: a heredoc around it (`cat > policy.json <<EOF`) is not
    /// part of the policy.
    Fenced(usize),
    /// A template like karpenter's `cloudformation.yaml`: every
    /// `PolicyDocument: !Sub |` block is a document (the template's IAM
    /// policies; its queue policy is plain YAML and not one of them).
    CloudFormationSub,
}

/// A vendored upstream file and how to take the policies out of it.
struct Document {
    /// Its path under `data/presets/`.
    path: &'static str,
    text: &'static str,
    extract: Extract,
}

/// A vendored file under `data/presets/`, with how to read it.
macro_rules! vendored {
    ($path:literal, $extract:expr) => {
        Document {
            path: $path,
            text: include_str!(concat!("../../../data/presets/", $path)),
            extract: $extract,
        }
    };
}

/// One way of building a preset, with the upstream documents it answers to.
struct Case {
    /// The arguments the preset is built with, in the tests' context
    /// ([`PresetContext::for_tests`]).
    args: &'static [(PresetArg, &'static str)],
    /// The documents, in order: an action is compared with the first one
    /// that grants it (vpc-cni follows the scope-down policy, and the
    /// managed policy for the action the scope-down policy lacks).
    documents: &'static [Document],
}

/// A preset, how to build it, and how upstream's documents read in the
/// tests' context.
struct Comparison {
    preset: &'static str,
    /// Upstream's placeholders and example values, each with the value of
    /// the tests' context that stands for the same thing: a document that
    /// says `arn:aws:s3:::${BUCKET}` means the bucket the preset is given.
    /// Each must occur in the documents, so none outlives its upstream.
    placeholders: &'static [(&'static str, &'static str)],
    /// The first case's documents grant exactly `Upstream::actions`.
    cases: &'static [Case],
}

const ACCOUNT: &str = "111122223333";
const REGION: &str = "eu-west-2";
const CLUSTER: &str = "platform";
const BUCKET_NAME: &str = "example-bucket";
const BUCKET: &str = "arn:aws:s3:::example-bucket";
const AUTHORITY: &str = "arn:aws:acm-pca:eu-west-2:111122223333:certificate-authority/ca-1";
const ZONE: &str = "Z0123456789ABCDEFGHIJ";
const KEY: &str = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const NODE_ROLE: &str = "arn:aws:iam::111122223333:role/KarpenterNodeRole-platform";
const QUEUE: &str = "arn:aws:sqs:eu-west-2:111122223333:platform-interruptions";
const SECRETS: &str = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:dev-*";
const PARAMETERS: &str = "arn:aws:ssm:eu-west-2:111122223333:parameter/dev-*";
const WORKSPACE: &str = "arn:aws:aps:eu-west-2:111122223333:workspace/ws-example";

/// Every preset, with its vendored upstream.
const COMPARISONS: &[Comparison] = &[
    Comparison {
        preset: "amazon-managed-prometheus",
        placeholders: &[],
        cases: &[Case {
            args: &[(PresetArg::WorkspaceArns, WORKSPACE)],
            documents: &[
                vendored!(
                    "amazon-managed-prometheus/AmazonPrometheusRemoteWriteAccess.json",
                    Extract::PolicyVersion
                ),
                vendored!(
                    "amazon-managed-prometheus/AmazonPrometheusQueryAccess.json",
                    Extract::PolicyVersion
                ),
            ],
        }],
    },
    Comparison {
        preset: "aws-gateway-controller",
        placeholders: &[],
        cases: &[Case {
            args: &[],
            documents: &[vendored!(
                "aws-gateway-controller/recommended-inline-policy.json",
                Extract::Json
            )],
        }],
    },
    Comparison {
        preset: "aws-load-balancer-controller",
        placeholders: &[],
        cases: &[Case {
            args: &[],
            documents: &[vendored!(
                "aws-load-balancer-controller/iam_policy.json",
                Extract::Json
            )],
        }],
    },
    Comparison {
        preset: "aws-privateca-issuer",
        placeholders: &[(
            "arn:aws:acm-pca:<region>:<account_id>:certificate-authority/<resource_id>",
            AUTHORITY,
        )],
        cases: &[Case {
            args: &[(PresetArg::CertificateAuthorityArns, AUTHORITY)],
            documents: &[vendored!(
                "aws-privateca-issuer/README.md",
                Extract::Fenced(2)
            )],
        }],
    },
    Comparison {
        preset: "cert-manager",
        placeholders: &[],
        cases: &[Case {
            args: &[(PresetArg::HostedZoneIds, ZONE)],
            documents: &[vendored!("cert-manager/route53.md", Extract::Fenced(0))],
        }],
    },
    Comparison {
        preset: "cloudwatch-observability",
        placeholders: &[],
        cases: &[Case {
            args: &[],
            documents: &[
                vendored!(
                    "cloudwatch-observability/CloudWatchAgentServerPolicy.json",
                    Extract::PolicyVersion
                ),
                vendored!(
                    "cloudwatch-observability/AWSXrayWriteOnlyAccess.json",
                    Extract::PolicyVersion
                ),
            ],
        }],
    },
    Comparison {
        preset: "cluster-autoscaler",
        placeholders: &[],
        cases: &[Case {
            args: &[],
            documents: &[vendored!(
                "cluster-autoscaler/README.md",
                Extract::Fenced(0)
            )],
        }],
    },
    Comparison {
        preset: "ebs-csi-driver",
        placeholders: &[],
        cases: &[Case {
            args: &[(PresetArg::KmsKeyArns, KEY)],
            documents: &[vendored!(
                "ebs-csi-driver/example-iam-policy.json",
                Extract::Json
            )],
        }],
    },
    Comparison {
        preset: "efs-csi-driver",
        placeholders: &[],
        cases: &[Case {
            args: &[],
            documents: &[vendored!(
                "efs-csi-driver/iam-policy-example.json",
                Extract::Json
            )],
        }],
    },
    Comparison {
        preset: "external-dns",
        placeholders: &[],
        cases: &[Case {
            args: &[(PresetArg::HostedZoneIds, ZONE)],
            documents: &[vendored!("external-dns/aws.md", Extract::Fenced(0))],
        }],
    },
    Comparison {
        preset: "external-secrets",
        // Upstream's examples name the `dev-*` secrets and parameters of
        // an account and region of its own: the ones the user reads.
        placeholders: &[
            (
                "arn:aws:secretsmanager:us-west-2:111122223333:secret:dev-*",
                SECRETS,
            ),
            (
                "arn:aws:ssm:us-east-2:1234567889911:parameter/dev-*",
                PARAMETERS,
            ),
        ],
        cases: &[Case {
            args: &[
                (PresetArg::SecretArns, SECRETS),
                (PresetArg::ParameterArns, PARAMETERS),
                (PresetArg::KmsKeyArns, KEY),
            ],
            documents: &[
                vendored!(
                    "external-secrets/aws-secrets-manager.md",
                    Extract::Fenced(1)
                ),
                vendored!(
                    "external-secrets/aws-parameter-store.md",
                    Extract::Fenced(1)
                ),
            ],
        }],
    },
    Comparison {
        preset: "fsx-lustre-csi-driver",
        placeholders: &[],
        cases: &[Case {
            args: &[(PresetArg::BucketArns, BUCKET)],
            documents: &[vendored!(
                "fsx-lustre-csi-driver/install.md",
                Extract::Fenced(1)
            )],
        }],
    },
    Comparison {
        preset: "karpenter",
        placeholders: &[
            ("${AWS::Partition}", "aws"),
            ("${AWS::Region}", REGION),
            ("${AWS::AccountId}", ACCOUNT),
            ("${ClusterName}", CLUSTER),
            ("${KarpenterNodeRole.Arn}", NODE_ROLE),
            ("${KarpenterInterruptionQueue.Arn}", QUEUE),
        ],
        cases: &[Case {
            args: &[
                (PresetArg::NodeRoleArns, NODE_ROLE),
                (PresetArg::QueueArns, QUEUE),
            ],
            documents: &[vendored!(
                "karpenter/cloudformation.yaml",
                Extract::CloudFormationSub
            )],
        }],
    },
    Comparison {
        preset: "mountpoint-s3-csi-driver",
        placeholders: &[("amzn-s3-demo-bucket", BUCKET_NAME)],
        cases: &[Case {
            args: &[
                (PresetArg::BucketArns, BUCKET),
                (PresetArg::KmsKeyArns, KEY),
            ],
            documents: &[vendored!(
                "mountpoint-s3-csi-driver/CONFIGURATION.md",
                Extract::Fenced(1)
            )],
        }],
    },
    Comparison {
        preset: "node-termination-handler",
        placeholders: &[],
        cases: &[Case {
            args: &[(PresetArg::QueueArns, QUEUE)],
            documents: &[vendored!(
                "node-termination-handler/README.md",
                Extract::Fenced(15)
            )],
        }],
    },
    Comparison {
        preset: "velero",
        placeholders: &[("${BUCKET}", BUCKET_NAME)],
        cases: &[Case {
            args: &[(PresetArg::BucketArns, BUCKET)],
            documents: &[vendored!("velero/README.md", Extract::Fenced(3))],
        }],
    },
    Comparison {
        preset: "vpc-cni",
        placeholders: &[("${CLUSTER_NAME}", CLUSTER)],
        cases: &[
            // IPv4: the scope-down policy, and the managed policy for
            // ec2:DescribeSecurityGroups, which the scope-down one lacks.
            Case {
                args: &[],
                documents: &[
                    vendored!("vpc-cni/iam-policy.md", Extract::Fenced(2)),
                    vendored!("vpc-cni/iam-policy.md", Extract::Fenced(0)),
                ],
            },
            Case {
                args: &[(PresetArg::IpFamily, "ipv6")],
                documents: &[vendored!("vpc-cni/iam-policy.md", Extract::Fenced(1))],
            },
        ],
    },
];

/// The conditions of a statement: operator and key, to the values.
type Conditions = BTreeMap<(String, String), BTreeSet<String>>;

/// One way a policy allows an action: on a resource, under conditions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    resource: String,
    conditions: Conditions,
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.resource)?;
        for ((operator, key), values) in &self.conditions {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            write!(f, " when {operator} {key} = {}", values.join(" | "))?;
        }
        Ok(())
    }
}

/// An upstream statement: the actions it names (wildcards and all) and
/// the grants it makes of each.
struct UpstreamStatement {
    actions: Vec<String>,
    grants: Vec<Grant>,
}

/// The documents in a vendored file, as text.
fn documents_in(document: &Document) -> Vec<String> {
    match document.extract {
        Extract::Json => vec![document.text.to_string()],
        Extract::PolicyVersion => {
            let version: Value = serde_json::from_str(document.text).expect(document.path);
            vec![version["PolicyVersion"]["Document"].to_string()]
        }
        Extract::Fenced(n) => {
            let block = fenced_blocks(document.text)
                .into_iter()
                .nth(n)
                .unwrap_or_else(|| panic!("{} has no code block {n}", document.path));
            let (start, end) = (block.find('{'), block.rfind('}'));
            let (Some(start), Some(end)) = (start, end) else {
                panic!("{}: code block {n} holds no JSON", document.path)
            };
            vec![block[start..=end].to_string()]
        }
        Extract::CloudFormationSub => cloudformation_policies(document.text),
    }
}

/// The fenced code blocks of a Markdown text, in order, each without its
/// fences. Fences may be indented (a block inside a list item).
fn fenced_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut open: Option<Vec<&str>> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```");
        match (&mut open, fence) {
            (None, true) => open = Some(Vec::new()),
            (Some(lines), true) => {
                blocks.push(lines.join("\n"));
                open = None;
            }
            (Some(lines), false) => lines.push(line),
            (None, false) => {}
        }
    }
    blocks
}

/// The text of every `PolicyDocument: !Sub |` block scalar of a
/// template like karpenter's `cloudformation.yaml`: the lines after it
/// indented deeper than it.
fn cloudformation_policies(template: &str) -> Vec<String> {
    let indent = |line: &str| line.len() - line.trim_start().len();
    let lines: Vec<&str> = template.lines().collect();
    let mut policies = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        if line.trim() != "PolicyDocument: !Sub |" {
            continue;
        }
        let body: Vec<&str> = lines[n + 1..]
            .iter()
            .take_while(|next| next.trim().is_empty() || indent(next) > indent(line))
            .copied()
            .collect();
        policies.push(body.join("\n"));
    }
    policies
}

/// Upstream's text with its placeholders replaced by the tests' values,
/// and without the trailing commas JSON forbids (hand-written documents
/// have them: external-secrets' `"ssm:GetParameter*",`).
fn normalised(text: &str, placeholders: &[(&str, &str)]) -> String {
    let mut text = text.to_string();
    for (placeholder, value) in placeholders {
        text = text.replace(placeholder, value);
    }
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (n, c) in chars.iter().enumerate() {
        let closes_next = chars[n + 1..]
            .iter()
            .find(|next| !next.is_whitespace())
            .is_some_and(|next| *next == ']' || *next == '}');
        if !(*c == ',' && closes_next) {
            out.push(*c);
        }
    }
    out
}

/// A string or a list of strings, as IAM writes either; booleans and
/// numbers (`"Bool": {"aws:SecureTransport": true}`) as their text.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::String(text) => vec![text.clone()],
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

/// A policy document's statements. Upstream's are all `Allow`s of actions
/// on resources; anything else would need comparing differently.
fn upstream_statements(document: &Value, path: &str) -> Vec<UpstreamStatement> {
    let statements = match &document["Statement"] {
        Value::Array(statements) => statements.clone(),
        one => vec![one.clone()],
    };
    statements
        .iter()
        .map(|statement| {
            assert_eq!(statement["Effect"], "Allow", "{path}: {statement}");
            for unsupported in ["NotAction", "NotResource", "Principal"] {
                assert!(statement.get(unsupported).is_none(), "{path}: {statement}");
            }
            let mut conditions = Conditions::new();
            if let Some(Value::Object(operators)) = statement.get("Condition") {
                for (operator, keys) in operators {
                    for (key, values) in keys.as_object().expect(path) {
                        conditions.insert(
                            (operator.clone(), key.clone()),
                            strings(values).into_iter().collect(),
                        );
                    }
                }
            }
            UpstreamStatement {
                actions: strings(&statement["Action"]),
                grants: strings(&statement["Resource"])
                    .into_iter()
                    .map(|resource| Grant {
                        resource,
                        conditions: conditions.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Each vendored document of a case, read and normalised, as statements.
fn read(case: &Case, placeholders: &[(&str, &str)]) -> Vec<Vec<UpstreamStatement>> {
    case.documents
        .iter()
        .map(|document| {
            documents_in(document)
                .iter()
                .flat_map(|text| {
                    let value: Value = serde_json::from_str(&normalised(text, placeholders))
                        .unwrap_or_else(|e| panic!("{}: {e}", document.path));
                    upstream_statements(&value, document.path)
                })
                .collect()
        })
        .collect()
}

/// Where upstream allows `action`: the grants of the first document that
/// names it; none when no document does.
fn upstream_grants(action: &str, documents: &[Vec<UpstreamStatement>]) -> BTreeSet<Grant> {
    documents
        .iter()
        .map(|statements| {
            statements
                .iter()
                .filter(|s| {
                    s.actions
                        .iter()
                        .any(|pattern| action_matches(pattern, action))
                })
                .flat_map(|s| s.grants.iter().cloned())
                .collect::<BTreeSet<Grant>>()
        })
        .find(|grants| !grants.is_empty())
        .unwrap_or_default()
}

/// A preset statement's Sid as `Scoping` names it: without the number a
/// statement written once per cluster ends in.
fn statement_key(sid: &str) -> &str {
    sid.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// Every action the preset's statements grant, with the statements and
/// grants that allow it.
fn preset_grants(statements: &[Statement]) -> BTreeMap<&str, Vec<(&str, Grant)>> {
    let mut grants: BTreeMap<&str, Vec<(&str, Grant)>> = BTreeMap::new();
    for statement in statements {
        let conditions: Conditions = statement
            .condition
            .iter()
            .flat_map(|(operator, keys)| {
                keys.iter().map(move |(key, values)| {
                    (
                        (operator.clone(), key.clone()),
                        values.0.iter().cloned().collect(),
                    )
                })
            })
            .collect();
        for action in &statement.action.0 {
            for resource in &statement.resource.0 {
                grants.entry(action).or_default().push((
                    statement_key(&statement.sid),
                    Grant {
                        resource: resource.clone(),
                        conditions: conditions.clone(),
                    },
                ));
            }
        }
    }
    grants
}

/// Whether upstream's operator allows at least what the preset's does with
/// the same values: the same operator, or its `Like` form for an `Equals`
/// (`StringLike` of `fsx.amazonaws.com` allows what `StringEquals` does).
fn operator_covers(upstream: &str, preset: &str) -> bool {
    let like_of_equals = match (upstream.strip_suffix("Like"), preset.strip_suffix("Equals")) {
        (Some(like), Some(equals)) => like == equals && !like.contains("Not"),
        _ => false,
    };
    upstream == preset || like_of_equals
}

/// Whether every request upstream's conditions deny, the preset's deny
/// too: each upstream condition is in the preset's, with values upstream
/// allows (a negated operator must exclude at least upstream's values).
fn conditions_cover(upstream: &Conditions, preset: &Conditions) -> bool {
    upstream.iter().all(|((operator, key), allowed)| {
        preset
            .iter()
            .any(|((preset_operator, preset_key), values)| {
                if preset_key != key || !operator_covers(operator, preset_operator) {
                    return false;
                }
                if operator.contains("Not") {
                    return values.is_superset(allowed);
                }
                if operator == "Null" || operator == "Bool" {
                    return values == allowed;
                }
                let like = operator.ends_with("Like");
                values.iter().all(|value| {
                    allowed.iter().any(|pattern| {
                        if like {
                            wildcard_match(pattern, value)
                        } else {
                            pattern == value
                        }
                    })
                })
            })
    })
}

/// Whether `upstream` allows every request `preset` does: its resource
/// pattern matches the preset's (a region or account the preset names
/// where upstream has `*`), and its conditions are all among the preset's.
fn covers(upstream: &Grant, preset: &Grant) -> bool {
    wildcard_match(&upstream.resource, &preset.resource)
        && conditions_cover(&upstream.conditions, &preset.conditions)
}

/// How a preset statement differs from upstream for an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Within an upstream grant: fewer resources or more conditions.
    Narrowed,
    /// Outside every upstream grant.
    Broader,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Kind::Narrowed => "narrowed",
            Kind::Broader => "broader",
        }
    }
}

/// The differences found: kind and statement key (or, for an upstream
/// grant on resources no statement names, the action), to what each is.
type Findings = BTreeMap<(Kind, String), BTreeSet<String>>;

/// How a preset built for `case` differs from upstream's documents. An
/// upstream grant on a resource no preset grant of the action overlaps is
/// reported under the action's name: the preset allows the action, but not
/// on that kind of resource.
fn compare(comparison: &Comparison, case: &Case, findings: &mut Findings) {
    let preset = find(comparison.preset).expect(comparison.preset);
    let documents = read(case, comparison.placeholders);
    let args = case
        .args
        .iter()
        .map(|(arg, value)| (*arg, vec![(*value).to_string()]))
        .collect();
    let statements = (preset.statements)(&PresetContext::for_tests(args));
    for (action, granted) in preset_grants(&statements) {
        let upstream = upstream_grants(action, &documents);
        if upstream.is_empty() {
            continue; // Upstream::added, which the actions test checks.
        }
        for (sid, grant) in &granted {
            if upstream.contains(grant) {
                continue;
            }
            let within: BTreeSet<Grant> = upstream
                .iter()
                .filter(|u| covers(u, grant))
                .cloned()
                .collect();
            let (kind, compared) = if within.is_empty() {
                (Kind::Broader, &upstream)
            } else {
                (Kind::Narrowed, &within)
            };
            findings
                .entry((kind, (*sid).to_string()))
                .or_default()
                .insert(format!(
                    "{action} on {grant} (upstream: {})",
                    listed(compared)
                ));
        }
        for grant in &upstream {
            let near = granted.iter().any(|(_, g)| {
                wildcard_match(&grant.resource, &g.resource)
                    || wildcard_match(&g.resource, &grant.resource)
            });
            if !near {
                findings
                    .entry((Kind::Narrowed, action.to_string()))
                    .or_default()
                    .insert(format!(
                        "upstream allows {action} on {grant}, which no statement of the preset names"
                    ));
            }
        }
    }
}

/// Grants as one line.
fn listed(grants: &BTreeSet<Grant>) -> String {
    grants
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the preset declares, by kind.
fn declared(preset: &PresetDef) -> BTreeMap<(Kind, String), &'static str> {
    let mut declared = BTreeMap::new();
    for (kind, scopings) in [
        (Kind::Narrowed, preset.upstream.narrowed),
        (Kind::Broader, preset.upstream.broader),
    ] {
        for Scoping { statements, why } in scopings {
            assert!(!why.is_empty() && !statements.is_empty(), "{}", preset.name);
            for statement in *statements {
                let previous = declared.insert((kind, (*statement).to_string()), *why);
                assert!(previous.is_none(), "{}: {statement} twice", preset.name);
            }
        }
    }
    declared
}

/// Every difference the preset does not declare, and every declaration
/// that is no longer a difference, as lines to fix.
fn undeclared(preset: &PresetDef, findings: &Findings) -> Vec<String> {
    let declared = declared(preset);
    let mut problems = Vec::new();
    for ((kind, statement), what) in findings {
        if !declared.contains_key(&(*kind, statement.clone())) {
            problems.push(format!(
                "{}: {statement} is {} but not in Upstream::{}:\n    {}",
                preset.name,
                kind.field(),
                kind.field(),
                what.iter().cloned().collect::<Vec<_>>().join("\n    ")
            ));
        }
    }
    for (kind, statement) in declared.keys() {
        if !findings.contains_key(&(*kind, statement.clone())) {
            problems.push(format!(
                "{}: Upstream::{} names {statement}, which is not {} (any more)",
                preset.name,
                kind.field(),
                kind.field()
            ));
        }
    }
    problems
}

#[test]
fn every_preset_is_compared_with_its_vendored_upstream() {
    let compared: Vec<&str> = COMPARISONS.iter().map(|c| c.preset).collect();
    let presets: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
    assert_eq!(compared, presets);
}

/// The upstream actions each preset lists are those of its vendored
/// documents, so the list cannot drift from the file.
#[test]
fn the_vendored_documents_grant_the_listed_upstream_actions() {
    for comparison in COMPARISONS {
        let preset = find(comparison.preset).unwrap();
        let documents = read(&comparison.cases[0], comparison.placeholders);
        let actions: BTreeSet<&str> = documents
            .iter()
            .flatten()
            .flat_map(|s| s.actions.iter().map(String::as_str))
            .collect();
        let listed: BTreeSet<&str> = preset.upstream.actions.iter().copied().collect();
        assert_eq!(actions, listed, "{}", preset.name);
    }
}

/// Each case's preset grants the actions of that case's documents, less
/// the dropped, plus the added: a case other than the first (vpc-cni's
/// IPv6 policy) is held to its own file too, where `compare` only looks at
/// the actions both grant.
#[test]
fn every_case_grants_the_actions_of_its_documents() {
    for comparison in COMPARISONS {
        let preset = find(comparison.preset).unwrap();
        for case in comparison.cases {
            let documents = read(case, comparison.placeholders);
            let mut expected: BTreeSet<&str> = documents
                .iter()
                .flatten()
                .flat_map(|s| s.actions.iter().map(String::as_str))
                .collect();
            for (action, _) in preset.upstream.dropped {
                expected.remove(action);
            }
            expected.extend(preset.upstream.added.iter().map(|(action, _)| *action));
            let args = case
                .args
                .iter()
                .map(|(arg, value)| (*arg, vec![(*value).to_string()]))
                .collect();
            let statements = (preset.statements)(&PresetContext::for_tests(args));
            let granted: BTreeSet<&str> = statements
                .iter()
                .flat_map(|s| s.action.0.iter().map(String::as_str))
                .collect();
            assert_eq!(granted, expected, "{} with {:?}", preset.name, case.args);
        }
    }
}

/// Each placeholder stands for something upstream still says.
#[test]
fn every_placeholder_occurs_upstream() {
    for comparison in COMPARISONS {
        for (placeholder, _) in comparison.placeholders {
            let found = comparison.cases.iter().any(|case| {
                case.documents.iter().any(|document| {
                    documents_in(document)
                        .iter()
                        .any(|text| text.contains(placeholder))
                })
            });
            assert!(found, "{}: {placeholder}", comparison.preset);
        }
    }
}

#[test]
fn every_preset_differs_from_its_vendored_upstream_only_where_it_declares() {
    let mut problems = Vec::new();
    for comparison in COMPARISONS {
        let mut findings = Findings::new();
        for case in comparison.cases {
            compare(comparison, case, &mut findings);
        }
        problems.extend(undeclared(find(comparison.preset).unwrap(), &findings));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn grants_compare_as_iam_reads_them() {
    let grant = |resource: &str, conditions: &[(&str, &str, &str)]| Grant {
        resource: resource.to_string(),
        conditions: conditions
            .iter()
            .map(|(op, key, value)| {
                (
                    (op.to_string(), key.to_string()),
                    BTreeSet::from([value.to_string()]),
                )
            })
            .collect(),
    };
    assert!(wildcard_match("a/*/*/*", "a/*/*/*/*"));
    assert!(!wildcard_match("a/?", "a/*"));
    assert!(!wildcard_match("a/b*", "a/*"));
    let everywhere = grant("arn:aws:ec2:*:*:volume/*", &[]);
    let pinned = grant("arn:aws:ec2:eu-west-2:111122223333:volume/*", &[]);
    assert!(covers(&everywhere, &pinned));
    assert!(!covers(&pinned, &everywhere));
    let tagged = grant("*", &[("StringLike", "aws:RequestTag/a", "*")]);
    let tagged_true = grant("*", &[("StringEquals", "aws:RequestTag/a", "true")]);
    assert!(covers(&tagged, &tagged_true));
    assert!(!covers(&tagged_true, &tagged));
    assert!(!covers(&tagged, &grant("*", &[])));
    let not_ca = grant("*", &[("ArnNotLike", "acm-pca:TemplateArn", "*CA*")]);
    assert!(covers(&grant("*", &[]), &not_ca));
    assert!(!covers(&not_ca, &grant("*", &[])));
    assert_eq!(normalised("[\"a\",\n ]", &[("a", "b")]), "[\"b\"\n ]");
}
