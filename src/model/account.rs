//! `[aws]` and `[iam]`: the account, region and partition everything lives
//! in, and the settings of every generated IAM object.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::checker::Checker;
use super::keys::check_key;
use super::names;
use super::types::{HclValue, IamSettings, OtherAccount};
use crate::aws::arn::{self, PrincipalKind, is_account_id, is_policy_arn, is_region};
use crate::code::Code;
use crate::spec::{self, Layout, Partition, Spanned};

/// The account-wide facts every later step needs.
pub(super) struct Account {
    /// The spec's partition (checked against the region).
    pub partition: Partition,
    /// The 12-digit account.
    pub id: String,
    /// The spec's region, which ARNs and endpoints of the clusters name.
    pub region: String,
    /// `[iam]` with defaults applied.
    pub iam: IamSettings,
    /// `[aws] tags`: the provider's default tags, on every AWS resource.
    pub tags: BTreeMap<String, String>,
    /// `[accounts]`, by key.
    pub others: BTreeMap<String, OtherAccount>,
    /// Whether `iam.name_prefix` is valid; when it is not, names derived from
    /// it are not checked again, which would only repeat the same error.
    pub name_prefix_ok: bool,
    /// `[terraform] layout`.
    pub layout: Layout,
    /// Where it is written, for the rules only one layout has.
    pub layout_span: Option<std::ops::Range<usize>>,
}

impl Account {
    /// How a cluster's root names an IAM role eksgrant writes: by its
    /// resource's `arn` in the single root, where the role is defined
    /// beside it; by the ARN itself (known now: account, path, name) with
    /// `layout = "per-cluster"`, where the role is in `terraform/iam`.
    pub(super) fn role_arn_ref(&self, ident: &str, arn: &str) -> HclValue {
        match self.layout {
            Layout::Single => HclValue::Reference(format!("aws_iam_role.{ident}.arn")),
            Layout::PerCluster => HclValue::Literal(arn.to_string()),
        }
    }

    /// Whether IAM and each cluster are in roots of their own.
    pub(super) fn per_cluster(&self) -> bool {
        self.layout == Layout::PerCluster
    }
}

/// Checks `[aws]`, `[iam]` and `[accounts]`.
pub(super) fn account(
    checker: &mut Checker<'_>,
    aws: &spec::Aws,
    iam: spec::Iam,
    accounts: IndexMap<Spanned<String>, spec::OtherAccount>,
    terraform: &spec::Terraform,
) -> Account {
    if !is_account_id(aws.account_id.get()) {
        checker
            .error(
                Code::AccountId,
                aws.account_id.span(),
                "the account ID must be 12 digits",
            )
            .label("not a 12-digit account ID")
            .help("write the account ID as a quoted string of 12 digits, e.g. \"111122223333\"");
    }
    if !is_region(aws.region.get()) {
        checker
            .error(
                Code::Region,
                aws.region.span(),
                format!("`{}` is not an AWS region name", aws.region.get()),
            )
            .label("not a region")
            .help("use a region name such as \"eu-west-2\"");
    }
    let region_partition = Partition::of_region(aws.region.get());
    let partition = match &aws.partition {
        Some(partition) => {
            if *partition.get() != region_partition {
                checker
                    .error(
                        Code::Partition,
                        partition.span(),
                        format!(
                            "region {} is in partition {}, not {}",
                            aws.region.get(),
                            region_partition.as_str(),
                            partition.get().as_str()
                        ),
                    )
                    .label("does not match the region")
                    .help(format!("set partition = \"{}\"", region_partition.as_str()));
            }
            *partition.get()
        }
        None => {
            if region_partition != Partition::Aws {
                checker
                    .error(
                        Code::Partition,
                        aws.region.span(),
                        format!(
                            "region {} is in partition {}",
                            aws.region.get(),
                            region_partition.as_str()
                        ),
                    )
                    .label("not in the default partition `aws`")
                    .help(format!(
                        "add partition = \"{}\" to [aws]",
                        region_partition.as_str()
                    ));
            }
            region_partition
        }
    };
    let tags_span = aws.tags.keys().next().map(Spanned::span);
    let default_tags = tags(checker, aws.tags.clone(), "AWS", "resource");
    let (iam, name_prefix_ok) = iam_settings(checker, partition, iam);
    // IAM counts the provider's default tags and the resource's own together.
    let iam_total = default_tags
        .keys()
        .chain(iam.tags.keys().filter(|k| !default_tags.contains_key(*k)))
        .count();
    // Each table over the limit on its own is reported already.
    let each_within = default_tags.len() <= MAX_TAGS && iam.tags.len() <= MAX_TAGS;
    if let (Some(span), true) = (tags_span, iam_total > MAX_TAGS && each_within) {
        checker
            .error(
                Code::Tags,
                span,
                format!(
                    "[aws] tags and [iam] tags together make {iam_total} tags on each generated role, more than IAM's {MAX_TAGS}"
                ),
            )
            .label("the default tags start here")
            .help(format!(
                "remove tags from [aws] or [iam] until the two together have at most {MAX_TAGS} keys"
            ));
    }
    let others = other_accounts(checker, partition, aws.account_id.get(), accounts);
    Account {
        tags: default_tags,
        others,
        partition,
        id: aws.account_id.get().clone(),
        region: aws.region.get().clone(),
        iam,
        name_prefix_ok,
        layout: terraform
            .layout
            .as_ref()
            .map_or(Layout::Single, |layout| *layout.get()),
        layout_span: terraform.layout.as_ref().map(Spanned::span),
    }
}

/// `[accounts]`: each key valid, each account once and not the spec's own,
/// each with a role of its own to assume.
fn other_accounts(
    checker: &mut Checker<'_>,
    partition: Partition,
    own_id: &str,
    accounts: IndexMap<Spanned<String>, spec::OtherAccount>,
) -> BTreeMap<String, OtherAccount> {
    let mut others = BTreeMap::new();
    let mut seen: BTreeMap<String, std::ops::Range<usize>> = BTreeMap::new();
    for (key, other) in accounts {
        check_key(checker, "account", &key);
        let id = other.account_id.get();
        if !is_account_id(id) {
            checker
                .error(
                    Code::Accounts,
                    other.account_id.span(),
                    "the account ID must be 12 digits",
                )
                .label("not a 12-digit account ID")
                .help("write the account ID as a quoted string of 12 digits");
        } else if id == own_id {
            checker
                .error(
                    Code::Accounts,
                    other.account_id.span(),
                    format!("account {id} is the spec's own ([aws] account_id)"),
                )
                .label("not another account")
                .help("remove this table: workloads keep their permissions in the spec's account unless they name another");
        } else if let Some(first) = seen.get(id) {
            checker
                .duplicate(
                    Code::Accounts,
                    other.account_id.span(),
                    first.clone(),
                    "table",
                    format!("account {id} is listed twice"),
                )
                .help("give each account one [accounts.<key>] table");
        } else {
            seen.insert(id.clone(), other.account_id.span());
        }
        match arn::parse_principal_arn(other.assume_role_arn.get()) {
            Ok(role)
                if role.kind == PrincipalKind::Role
                    && role.partition == partition.as_str()
                    && role.account == id => {}
            _ => {
                checker
                    .error(
                        Code::Accounts,
                        other.assume_role_arn.span(),
                        format!(
                            "`{}` is not a role in account {id}",
                            other.assume_role_arn.get()
                        ),
                    )
                    .label("not a role of this account")
                    .help(format!(
                        "give the role Terraform assumes there, arn:{}:iam::{id}:role/NAME",
                        partition.as_str()
                    ));
            }
        }
        others.insert(
            key.get().clone(),
            OtherAccount {
                alias: names::tf_ident(key.get()),
                provider: format!("aws.{}", names::tf_ident(key.get())),
                key: key.get().clone(),
                id: id.clone(),
                assume_role_arn: other.assume_role_arn.get().clone(),
            },
        );
    }
    others
}

fn iam_settings(
    checker: &mut Checker<'_>,
    partition: Partition,
    iam: spec::Iam,
) -> (IamSettings, bool) {
    let path = match iam.path {
        Some(path) => {
            if !names::is_iam_path(path.get()) {
                checker
                    .error(
                        Code::IamPath,
                        path.span(),
                        format!("`{}` is not an IAM path", path.get()),
                    )
                    .label("not an IAM path")
                    .help(
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
                checker
                    .error(
                        Code::IamName,
                        prefix.span(),
                        format!("`{}` has characters IAM names do not allow", prefix.get()),
                    )
                    .label("not allowed in IAM names")
                    .help("IAM names use letters, digits and `_+=,.@-`");
            } else if prefix.get().len() >= names::MAX_ROLE_NAME {
                name_prefix_ok = false;
                checker
                    .error(
                        Code::IamName,
                        prefix.span(),
                        format!("name_prefix is {} characters, leaving no room in IAM's 64 for the role names", prefix.get().len()),
                    )
                    .label("too long")
                    .help("shorten name_prefix");
            }
            prefix.get().clone()
        }
        None => String::new(),
    };
    let permissions_boundary = iam.permissions_boundary.map(|boundary| {
        if !is_policy_arn(boundary.get(), partition) {
            checker
                .error(
                    Code::PolicyArn,
                    boundary.span(),
                    "the permissions boundary must be an IAM policy ARN",
                )
                .label("not a policy ARN")
                .help(format!(
                    "write it as arn:{}:iam::ACCOUNT:policy/NAME",
                    partition.as_str()
                ));
        }
        boundary.get().clone()
    });
    let tags = tags(checker, iam.tags, "IAM", "role");
    let settings = IamSettings {
        path,
        name_prefix,
        permissions_boundary,
        tags,
    };
    (settings, name_prefix_ok)
}

/// The limit on tags per resource, in IAM and the other services
/// eksgrant creates resources in (EKS, KMS, CloudWatch Logs).
const MAX_TAGS: usize = 50;

/// Checks a table of tags: at most [`MAX_TAGS`], keys and values of the
/// characters and lengths AWS tagging accepts. `service` and `resource`
/// name what the limit counts ("IAM", "role").
fn tags(
    checker: &mut Checker<'_>,
    table: IndexMap<Spanned<String>, Spanned<String>>,
    service: &str,
    resource: &str,
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    if let Some((key, _)) = table.get_index(MAX_TAGS) {
        checker
            .error(
                Code::Tags,
                key.span(),
                format!(
                    "{} tags are more than {service}'s {MAX_TAGS} per {resource}",
                    table.len()
                ),
            )
            .label("the first tag over the limit")
            .help(format!("remove tags until at most {MAX_TAGS} remain"));
    }
    for (key, value) in table {
        if !(1..=128).contains(&key.get().chars().count())
            || key.get().to_lowercase().starts_with("aws:")
            || !key.get().chars().all(is_tag_char)
        {
            checker
                .error(
                    Code::Tags,
                    key.span(),
                    format!("`{}` cannot be a tag key", key.get()),
                )
                .label("invalid tag key")
                .help(
                    "tag keys are 1-128 letters, digits, spaces and `_.:/=+-@`, and may not start with `aws:`",
                );
        }
        if value.get().chars().count() > 256 || !value.get().chars().all(is_tag_char) {
            checker
                .error(
                    Code::Tags,
                    value.span(),
                    format!("`{}` cannot be a tag value", value.get()),
                )
                .label("invalid tag value")
                .help("tag values are at most 256 letters, digits, spaces and `_.:/=+-@`");
        }
        tags.insert(key.get().clone(), value.get().clone());
    }
    tags
}

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
