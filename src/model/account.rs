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
    /// The spec's partition (checked against the region).
    pub partition: Partition,
    /// The 12-digit account.
    pub account_id: String,
    /// The region.
    pub region: String,
    /// `[iam]` with defaults applied.
    pub iam: IamSettings,
    /// Whether `iam.name_prefix` is valid; when it is not, names derived from
    /// it are not checked again, which would only repeat the same error.
    pub name_prefix_ok: bool,
}

impl Resolver<'_> {
    /// Checks `[aws]` and `[iam]`.
    pub(super) fn resolve_account(&mut self, aws: &spec::Aws, iam: spec::Iam) -> Context {
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
        let (iam, name_prefix_ok) = self.iam_settings(partition, iam);
        Context {
            partition,
            account_id: aws.account_id.get().clone(),
            region: aws.region.get().clone(),
            iam,
            name_prefix_ok,
        }
    }

    fn iam_settings(&mut self, partition: Partition, iam: spec::Iam) -> (IamSettings, bool) {
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
        let mut name_prefix_ok = true;
        let name_prefix = match iam.name_prefix {
            Some(prefix) => {
                if !prefix.get().chars().all(names::is_iam_name_char) {
                    name_prefix_ok = false;
                    self.error(
                        "eksgrant::iam_name",
                        format!("`{}` has characters IAM names do not allow", prefix.get()),
                        prefix.span(),
                        "not allowed in IAM names",
                        "IAM names use letters, digits and `_+=,.@-`",
                    );
                } else if prefix.get().len() >= names::MAX_ROLE_NAME {
                    name_prefix_ok = false;
                    self.error(
                        "eksgrant::iam_name",
                        format!("name_prefix is {} characters, leaving no room in IAM's 64 for the role names", prefix.get().len()),
                        prefix.span(),
                        "too long",
                        "shorten name_prefix",
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
        if let Some((key, _)) = iam.tags.get_index(MAX_TAGS) {
            self.error(
                "eksgrant::tags",
                format!(
                    "{} tags are more than IAM's {MAX_TAGS} per role",
                    iam.tags.len()
                ),
                key.span(),
                "the first tag over the limit",
                format!("remove tags until at most {MAX_TAGS} remain"),
            );
        }
        for (key, value) in iam.tags {
            if !(1..=128).contains(&key.get().chars().count())
                || key.get().to_lowercase().starts_with("aws:")
                || !key.get().chars().all(is_tag_char)
            {
                self.error(
                    "eksgrant::tags",
                    format!("`{}` cannot be an IAM tag key", key.get()),
                    key.span(),
                    "invalid tag key",
                    "tag keys are 1-128 letters, digits, spaces and `_.:/=+-@`, and may not start with `aws:`",
                );
            }
            if value.get().chars().count() > 256 || !value.get().chars().all(is_tag_char) {
                self.error(
                    "eksgrant::tags",
                    format!("`{}` cannot be an IAM tag value", value.get()),
                    value.span(),
                    "invalid tag value",
                    "tag values are at most 256 letters, digits, spaces and `_.:/=+-@`",
                );
            }
            tags.insert(key.get().clone(), value.get().clone());
        }
        let settings = IamSettings {
            path,
            name_prefix,
            permissions_boundary,
            tags,
        };
        (settings, name_prefix_ok)
    }
}

/// IAM's limit on tags per role or policy.
const MAX_TAGS: usize = 50;

/// A character IAM accepts in tag keys and values: letters, digits,
/// space separators and `_.:/=+-@` (`[\p{L}\p{Z}\p{N}_.:/=+\-@]`).
fn is_tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || (c.is_whitespace() && !c.is_control())
        || "_.:/=+-@".contains(c)
}

#[cfg(test)]
mod tests {
    use super::is_tag_char;

    #[test]
    fn tag_characters_follow_iam() {
        assert!(
            "platform-team owner@x.y/z:1=2+3_ünï"
                .chars()
                .all(is_tag_char)
        );
        for bad in ['"', '\\', '$', '{', '%', '\n', '\t', '#'] {
            assert!(!is_tag_char(bad), "{bad:?}");
        }
    }
}
