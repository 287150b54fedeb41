//! Amazon Managed Service for Prometheus: remote write and query.
//!
//! Written from the AWS managed policies `AmazonPrometheusRemoteWriteAccess`
//! (v1) and `AmazonPrometheusQueryAccess` (v1), as the AWS Managed Policy
//! Reference gives them: what a Prometheus server, the ADOT collector or
//! Grafana needs to write samples to a workspace and to query it. Both grant
//! their actions on `*`; every one of them takes a workspace as its resource,
//! so the preset grants them on the workspaces given and no other.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "amazon-managed-prometheus",
    summary: "remote-write samples to and query the given Amazon Managed Service for Prometheus workspaces",
    args: &[(PresetArg::WorkspaceArns, Need::Required)],
    at_least_one: &[],
    deployment_note: None,
    upstream: Upstream {
        source: "AWS managed policies AmazonPrometheusRemoteWriteAccess v1 and AmazonPrometheusQueryAccess v1 (AWS Managed Policy Reference)",
        actions: &[
            "aps:GetLabels",
            "aps:GetMetricMetadata",
            "aps:GetSeries",
            "aps:QueryMetrics",
            "aps:RemoteWrite",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[Scoping {
            statements: &[
                "AmazonManagedPrometheusRemoteWrite",
                "AmazonManagedPrometheusQuery",
            ],
            why: "on the workspaces given (workspace_arns), where upstream grants them on *",
        }],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let workspaces = ctx.arg(PresetArg::WorkspaceArns).to_vec();
    vec![
        Statement::allow(
            "AmazonManagedPrometheusRemoteWrite",
            &["aps:RemoteWrite"],
            workspaces.clone(),
        ),
        Statement::allow(
            "AmazonManagedPrometheusQuery",
            &[
                "aps:GetLabels",
                "aps:GetMetricMetadata",
                "aps:GetSeries",
                "aps:QueryMetrics",
            ],
            workspaces,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn every_statement_names_only_the_given_workspaces() {
        let workspace = "arn:aws:aps:eu-west-2:111122223333:workspace/ws-0123";
        let statements = statements(&PresetContext::for_tests(BTreeMap::from([(
            PresetArg::WorkspaceArns,
            vec![workspace.to_string()],
        )])));
        assert_eq!(statements.len(), 2);
        for statement in statements {
            assert_eq!(statement.resource.0, [workspace], "{}", statement.sid);
        }
    }
}
