//! external-dns (kubernetes-sigs/external-dns, AWS provider).
//!
//! Written from the "IAM Policy" of `docs/tutorials/aws.md` at v0.22.0, which
//! grants the record calls on every hosted zone and `ListHostedZones` on
//! `*`. (Up to v0.16 external-dns called `ListTagsForResource`, singular, and
//! the tutorial granted that on `*`; since v0.17 it calls the batch
//! `ListTagsForResources`, so older versions need a custom statement.)
//!
//! external-dns lists every hosted zone, then reads and changes records only in
//! the zones that pass its filters. The preset therefore allows
//! `ListHostedZones` everywhere and everything else only in the zones given,
//! which requires running external-dns with `--zone-id-filter` set to the same
//! zones (the generated overview says so).

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "external-dns",
    summary: "manage DNS records in the given Route 53 hosted zones",
    args: &[(PresetArg::HostedZoneIds, Need::Required)],
    at_least_one: &[],
    deployment_note: Some(
        "run external-dns v0.17 or later with --zone-id-filter set to the preset's hosted zones, the only zones it may read and change",
    ),
    upstream: Upstream {
        source: "kubernetes-sigs/external-dns docs/tutorials/aws.md (IAM Policy) v0.22.0",
        actions: &[
            "route53:ChangeResourceRecordSets",
            "route53:ListHostedZones",
            "route53:ListResourceRecordSets",
            "route53:ListTagsForResources",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[Scoping {
            statements: &["ExternalDnsManageRecords"],
            why: "on the hosted zones given, where upstream says hostedzone/*",
        }],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let zones = ctx.hosted_zone_arns();
    vec![
        Statement::allow(
            "ExternalDnsManageRecords",
            &[
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResources",
            ],
            zones,
        ),
        Statement::allow(
            "ExternalDnsListZones",
            &["route53:ListHostedZones"],
            vec!["*".into()],
        ),
    ]
}
