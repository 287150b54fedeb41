//! AWS Node Termination Handler (aws/aws-node-termination-handler) in
//! queue-processor mode.
//!
//! Written from the "IAM Policy for aws-node-termination-handler Deployment"
//! of the queue processor's setup in `README.md` at v1.25.6, which grants
//! everything on `*`. The preset narrows what IAM lets it narrow: receiving
//! and deleting messages to the queues given, and completing lifecycle
//! actions to Auto Scaling groups in the spec's region and account that carry
//! the tag NTH manages by default, `aws-node-termination-handler/managed`
//! (its value does not matter, as for NTH; the README recommends tagging the
//! groups and propagating the tag to their instances). The describe calls
//! take no resource, so they stay on `*`.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

/// The tag NTH looks for before it acts on an instance (`--managed-tag`).
const MANAGED_TAG: &str = "aws-node-termination-handler/managed";

pub(super) const PRESET: PresetDef = PresetDef {
    name: "node-termination-handler",
    summary: "drain nodes on the interruption events of the given SQS queues and complete the lifecycle actions of Auto Scaling groups tagged aws-node-termination-handler/managed",
    args: &[(PresetArg::QueueArns, Need::Required)],
    at_least_one: &[],
    deployment_note: Some(
        "run NTH in queue-processor mode (enableSqsTerminationDraining) with queueURL set to the preset's queue, and tag the Auto Scaling groups (not only their instances) aws-node-termination-handler/managed, NTH's default managed tag",
    ),
    upstream: Upstream {
        source: "aws/aws-node-termination-handler README.md (queue processor, IAM Policy for aws-node-termination-handler Deployment) v1.25.6",
        actions: &[
            "autoscaling:CompleteLifecycleAction",
            "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeTags",
            "ec2:DescribeInstances",
            "sqs:DeleteMessage",
            "sqs:ReceiveMessage",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[
            Scoping {
                statements: &["NodeTerminationHandlerQueue"],
                why: "on the queues given (queue_arns), where upstream says *",
            },
            Scoping {
                statements: &["NodeTerminationHandlerCompleteLifecycle"],
                why: "on Auto Scaling groups of the spec's region and account tagged aws-node-termination-handler/managed, where upstream says *",
            },
        ],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    vec![
        Statement::allow(
            "NodeTerminationHandlerDescribe",
            &[
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeTags",
                "ec2:DescribeInstances",
            ],
            vec!["*".into()],
        ),
        Statement::allow(
            "NodeTerminationHandlerQueue",
            &["sqs:DeleteMessage", "sqs:ReceiveMessage"],
            ctx.arg(PresetArg::QueueArns).to_vec(),
        ),
        Statement::allow(
            "NodeTerminationHandlerCompleteLifecycle",
            &["autoscaling:CompleteLifecycleAction"],
            vec![ctx.arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/*")],
        )
        .when(
            "Null",
            &format!("aws:ResourceTag/{MANAGED_TAG}"),
            &["false"],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn messages_come_from_the_given_queues_and_only_managed_groups_are_completed() {
        let queue = "arn:aws:sqs:eu-west-2:111122223333:nth-events";
        let statements = statements(&PresetContext::for_tests(BTreeMap::from([(
            PresetArg::QueueArns,
            vec![queue.to_string()],
        )])));
        let queue_statement = statements
            .iter()
            .find(|s| s.action.0.iter().any(|a| a == "sqs:ReceiveMessage"))
            .unwrap();
        assert_eq!(queue_statement.resource.0, [queue]);
        let complete = statements
            .iter()
            .find(|s| {
                s.action
                    .0
                    .iter()
                    .any(|a| a == "autoscaling:CompleteLifecycleAction")
            })
            .unwrap();
        assert_eq!(
            complete.resource.0,
            [
                "arn:aws:autoscaling:eu-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*"
            ]
        );
        assert_eq!(
            complete.condition["Null"]["aws:ResourceTag/aws-node-termination-handler/managed"].0,
            ["false"]
        );
    }
}
