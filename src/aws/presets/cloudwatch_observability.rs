//! The Amazon CloudWatch Observability EKS add-on
//! (`amazon-cloudwatch-observability`: the CloudWatch agent and Fluent Bit,
//! for Container Insights and Application Signals).
//!
//! The Amazon EKS User Guide's page for the add-on
//! (`amazon-cloudwatch-observability.html`) asks for the AWS managed policies
//! `CloudWatchAgentServerPolicy` and `AWSXrayWriteOnlyAccess`; the preset is
//! written from their versions v3 and v2. The X-Ray policy's five actions
//! are all in the agent policy too.
//!
//! Upstream grants everything on `*`. Metrics, traces, the EC2 describe
//! calls and `logs:DescribeLogGroups` take no resource and stay there. The
//! other log actions take log groups and streams, and by default the add-on
//! writes only to its own, in the spec's region and account:
//! `/aws/containerinsights/<cluster>/*` (Container Insights performance
//! events; Fluent Bit's application, dataplane and host logs),
//! `/aws/otel/containerinsights/<cluster>/*` (its OpenTelemetry pipeline) and
//! `/aws/application-signals/data` (the agent's defaults, and the log groups
//! of the add-on's Helm chart, aws-observability/helm-charts tag
//! `amazon-cloudwatch-observability-6.4.0`). The preset grants them on those
//! log groups, for each cluster the workload runs in, and no other: the
//! agent can neither write to nor change the retention of any other log
//! group. The configuration parameter (`AmazonCloudWatch-*`) is pinned to
//! the spec's region and account.

use super::{PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "cloudwatch-observability",
    summary: "send Container Insights and Application Signals metrics, logs and traces, writing logs only to the add-on's log groups of the workload's clusters",
    args: &[],
    at_least_one: &[],
    deployment_note: Some(
        "keep the add-on's default log groups (/aws/containerinsights/<cluster>/*, /aws/otel/containerinsights/<cluster>/*, /aws/application-signals/data); an agent or Fluent Bit configuration that writes elsewhere needs a custom statement",
    ),
    upstream: Upstream {
        source: "AWS managed policies CloudWatchAgentServerPolicy v3 and AWSXrayWriteOnlyAccess v2, as the Amazon EKS User Guide's amazon-cloudwatch-observability add-on page asks",
        actions: &[
            "cloudwatch:PutMetricData",
            "ec2:DescribeTags",
            "ec2:DescribeVolumes",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogGroups",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
            "logs:PutRetentionPolicy",
            "ssm:GetParameter",
            "xray:GetSamplingRules",
            "xray:GetSamplingStatisticSummaries",
            "xray:GetSamplingTargets",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[
            Scoping {
                statements: &["CloudWatchObservabilityWriteLogs"],
                why: "the log group and log stream actions on the add-on's log groups of the workload's clusters, in the spec's region and account, where upstream says *",
            },
            Scoping {
                statements: &["CloudWatchObservabilityReadConfig"],
                why: "AmazonCloudWatch-* parameters of the spec's region and account, where upstream names them in any region and account",
            },
        ],
        broader: &[],
    },
    statements,
};

/// The add-on's log groups, as resources for the log group and log stream
/// actions: a prefix ending in `*` matches a group, its `:*` form and its
/// streams; a fixed name needs its `:*` form spelled out.
fn log_groups(ctx: &PresetContext<'_>) -> Vec<String> {
    let mut groups = Vec::new();
    for name in &ctx.cluster_names {
        groups.push(ctx.arn(
            "logs",
            &format!("log-group:/aws/containerinsights/{name}/*"),
        ));
        groups.push(ctx.arn(
            "logs",
            &format!("log-group:/aws/otel/containerinsights/{name}/*"),
        ));
    }
    groups.push(ctx.arn("logs", "log-group:/aws/application-signals/data"));
    groups.push(ctx.arn("logs", "log-group:/aws/application-signals/data:*"));
    groups
}

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    vec![
        Statement::allow(
            "CloudWatchObservabilityPutMetrics",
            &[
                "cloudwatch:PutMetricData",
                "ec2:DescribeTags",
                "ec2:DescribeVolumes",
                "logs:DescribeLogGroups",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "CloudWatchObservabilityWriteLogs",
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
                "logs:PutRetentionPolicy",
            ],
            log_groups(ctx),
        ),
        Statement::allow(
            "CloudWatchObservabilityTraces",
            &[
                "xray:GetSamplingRules",
                "xray:GetSamplingStatisticSummaries",
                "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "CloudWatchObservabilityReadConfig",
            &["ssm:GetParameter"],
            vec![ctx.arn("ssm", "parameter/AmazonCloudWatch-*")],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::aws::Partition;

    #[test]
    fn logs_go_only_to_the_add_ons_log_groups_of_each_cluster() {
        let statements = statements(&PresetContext {
            partition: Partition::AwsCn,
            account_id: "111122223333",
            region: "cn-north-1",
            cluster_names: vec!["platform".into(), "batch".into()],
            args: BTreeMap::new(),
        });
        let logs = statements
            .iter()
            .find(|s| s.action.0.iter().any(|a| a == "logs:PutRetentionPolicy"))
            .unwrap();
        let arn =
            |group: &str| format!("arn:aws-cn:logs:cn-north-1:111122223333:log-group:{group}");
        assert_eq!(
            logs.resource.0,
            [
                arn("/aws/containerinsights/platform/*"),
                arn("/aws/otel/containerinsights/platform/*"),
                arn("/aws/containerinsights/batch/*"),
                arn("/aws/otel/containerinsights/batch/*"),
                arn("/aws/application-signals/data"),
                arn("/aws/application-signals/data:*"),
            ]
        );
        for statement in &statements {
            let on_everything = statement.resource.0 == ["*"];
            let logs_write = statement
                .action
                .0
                .iter()
                .any(|a| a.starts_with("logs:") && a != "logs:DescribeLogGroups");
            assert!(!(on_everything && logs_write), "{}", statement.sid);
        }
    }
}
