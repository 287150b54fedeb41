//! `[aws]` and `[iam]`: the account, region and partition everything lives
//! in, and the settings of every generated IAM object.

use std::collections::BTreeMap;

use super::IamSettings;
use super::arn::{is_account_id, is_policy_arn, is_region};
use super::names;
use super::resolve::Resolver;
use crate::spec::{self, Partition};

/// The account-wide facts every later step needs.
pub(super) struct Context {
    pub partition: Partition,
    pub account_id: String,
    pub region: String,
    pub iam: IamSettings,
}

impl Resolver<'_> {
    pub(super) fn context(&mut self, aws: spec::Aws, iam: spec::Iam) -> Context {
        if !is_account_id(aws.account_id.get()) {
            self.error(
                "eksgrant::account_id",
                "the account ID must be 12 digits",
                aws.account_id.span(),
                "not a 12-digit account ID",
                "write the account ID as a quoted string of 12 digits, e.g. \"111122223333\"",
            );
        }
        if !is_region(aws.region.get()) {
            self.error(
                "eksgrant::region",
                format!("`{}` is not an AWS region name", aws.region.get()),
                aws.region.span(),
                "not a region",
                "use a region name such as \"eu-west-2\"",
            );
        }
        let region_partition = Partition::of_region(aws.region.get());
        let partition = match &aws.partition {
            Some(partition) => {
                if *partition.get() != region_partition {
                    self.error(
                        "eksgrant::partition",
                        format!(
                            "region {} is in partition {}, not {}",
                            aws.region.get(),
                            region_partition.as_str(),
                            partition.get().as_str()
                        ),
                        partition.span(),
                        "does not match the region",
                        format!("set partition = \"{}\"", region_partition.as_str()),
                    );
                }
                *partition.get()
            }
            None => {
                if region_partition != Partition::Aws {
                    self.error(
                        "eksgrant::partition",
                        format!(
                            "region {} is in partition {}",
                            aws.region.get(),
                            region_partition.as_str()
                        ),
                        aws.region.span(),
                        "not in the default partition `aws`",
                        format!("add partition = \"{}\" to [aws]", region_partition.as_str()),
                    );
                }
                region_partition
            }
        };
        let iam = self.iam_settings(partition, iam);
        Context {
            partition,
            account_id: aws.account_id.get().clone(),
            region: aws.region.get().clone(),
            iam,
        }
    }

    pub(super) fn iam_settings(&mut self, partition: Partition, iam: spec::Iam) -> IamSettings {
        let path = match iam.path {
            Some(path) => {
                if !names::is_iam_path(path.get()) {
                    self.error(
                        "eksgrant::iam_path",
                        format!("`{}` is not an IAM path", path.get()),
                        path.span(),
                        "not an IAM path",
                        "an IAM path starts and ends with `/`, e.g. \"/eksgrant/\", and has no spaces",
                    );
                }
                path.get().clone()
            }
            None => "/".to_string(),
        };
        let name_prefix = match iam.name_prefix {
            Some(prefix) => {
                if !prefix.get().chars().all(names::is_iam_name_char) {
                    self.error(
                        "eksgrant::iam_name",
                        format!("`{}` has characters IAM names do not allow", prefix.get()),
                        prefix.span(),
                        "not allowed in IAM names",
                        "IAM names use letters, digits and `_+=,.@-`",
                    );
                }
                prefix.get().clone()
            }
            None => String::new(),
        };
        let permissions_boundary = iam.permissions_boundary.map(|boundary| {
            if !is_policy_arn(boundary.get(), partition) {
                self.error(
                    "eksgrant::policy_arn",
                    "the permissions boundary must be an IAM policy ARN",
                    boundary.span(),
                    "not a policy ARN",
                    format!(
                        "write it as arn:{}:iam::ACCOUNT:policy/NAME",
                        partition.as_str()
                    ),
                );
            }
            boundary.get().clone()
        });
        let mut tags = BTreeMap::new();
        if iam.tags.len() > 50 {
            let span = iam.tags.keys().nth(50).map(|k| k.span()).unwrap_or(0..0);
            self.error(
                "eksgrant::tags",
                format!("{} tags is more than IAM's 50 per role", iam.tags.len()),
                span,
                "the 51st tag",
                "remove tags until at most 50 remain",
            );
        }
        for (key, value) in iam.tags {
            if key.get().is_empty() || key.get().len() > 128 || key.get().starts_with("aws:") {
                self.error(
                    "eksgrant::tags",
                    format!("`{}` cannot be an IAM tag key", key.get()),
                    key.span(),
                    "invalid tag key",
                    "tag keys are 1-128 characters and may not start with `aws:`",
                );
            }
            if value.get().len() > 256 {
                self.error(
                    "eksgrant::tags",
                    "IAM tag values are at most 256 characters",
                    value.span(),
                    "too long",
                    "shorten the value",
                );
            }
            tags.insert(key.get().clone(), value.get().clone());
        }
        IamSettings {
            path,
            name_prefix,
            permissions_boundary,
            tags,
        }
    }
}
