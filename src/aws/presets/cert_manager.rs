//! cert-manager's Route 53 DNS-01 solver.
//!
//! Written from the policy in cert-manager/website
//! `content/docs/configuration/acme/dns01/route53.md` (the cert-manager v1.21
//! docs, commit 776e5db; the v1.17 to v1.20 docs give the same policy), with
//! the hosted zones named instead of `hostedzone/*`.
//!
//! cert-manager only ever writes `_acme-challenge` TXT records, and polls the
//! change it made; the conditions pin record names and types so the role
//! cannot touch any other record in the zones.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "cert-manager",
    summary: "answer ACME DNS-01 challenges (TXT _acme-challenge records) in the given hosted zones",
    args: &[(PresetArg::HostedZoneIds, Need::Required)],
    at_least_one: &[],
    deployment_note: Some(
        "use a ClusterIssuer for the Route 53 solver (or run cert-manager with --issuer-ambient-credentials): only those use the pod's AWS credentials",
    ),
    upstream: Upstream {
        source: "cert-manager/website content/docs/configuration/acme/dns01/route53.md (cert-manager v1.21 docs, commit 776e5db)",
        actions: &[
            "route53:ChangeResourceRecordSets",
            "route53:GetChange",
            "route53:ListHostedZonesByName",
            "route53:ListResourceRecordSets",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[Scoping {
            statements: &["CertManagerChallengeRecords"],
            why: "on the hosted zones given, where upstream says hostedzone/*, and only for records named _acme-challenge.* (ForAllValues:StringLike route53:ChangeResourceRecordSetsNormalizedRecordNames) besides upstream's TXT-only condition",
        }],
        broader: &[Scoping {
            statements: &["CertManagerListRecords"],
            why: "route53:ListResourceRecordSets (on the hosted zones given) without upstream's ForAllValues:StringEquals route53:ChangeResourceRecordSetsRecordTypes, which it carries only by sharing a statement with ChangeResourceRecordSets: a listing names no record types, and ForAllValues over none holds, so the condition never limited it",
        }],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let zones = ctx.hosted_zone_arns();
    vec![
        Statement::allow(
            "CertManagerGetChange",
            &["route53:GetChange"],
            vec![format!("arn:{}:route53:::change/*", ctx.partition.as_str())],
        ),
        Statement::allow(
            "CertManagerChallengeRecords",
            &["route53:ChangeResourceRecordSets"],
            zones.clone(),
        )
        .when(
            "ForAllValues:StringEquals",
            "route53:ChangeResourceRecordSetsRecordTypes",
            &["TXT"],
        )
        .when(
            "ForAllValues:StringLike",
            "route53:ChangeResourceRecordSetsNormalizedRecordNames",
            &["_acme-challenge.*"],
        ),
        Statement::allow(
            "CertManagerListRecords",
            &["route53:ListResourceRecordSets"],
            zones,
        ),
        Statement::allow(
            "CertManagerFindZones",
            &["route53:ListHostedZonesByName"],
            vec!["*".into()],
        ),
    ]
}
