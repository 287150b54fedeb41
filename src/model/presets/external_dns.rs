//! external-dns (kubernetes-sigs/external-dns, AWS provider).
//!
//! external-dns lists every hosted zone, then reads and changes records only in
//! the zones that pass its filters. The preset therefore allows
//! `ListHostedZones` everywhere and everything else only in the zones given,
//! which requires running external-dns with `--zone-id-filter` set to the same
//! zones (the generated overview says so).

use super::{Need, PresetArg, PresetContext, PresetDef, Upstream};
use crate::model::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "external-dns",
    summary: "manage DNS records in the given Route 53 hosted zones",
    args: &[(PresetArg::HostedZoneIds, Need::Required)],
    at_least_one: &[],
    deployment_note: Some(
        "run external-dns with --zone-id-filter set to the preset's hosted zones, the only zones it may read and change",
    ),
    upstream: Upstream {
        source: "kubernetes-sigs/external-dns docs/tutorials/aws.md v0.15.1",
        actions: &[
            "route53:ChangeResourceRecordSets",
            "route53:ListHostedZones",
            "route53:ListResourceRecordSets",
            "route53:ListTagsForResources",
        ],
        dropped: &[],
        added: &[],
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
