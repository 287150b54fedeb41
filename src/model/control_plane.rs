//! The production settings of a created cluster's control plane: Secrets
//! encryption, control-plane logging, support policy and deletion
//! protection, the Services' network, and the add-ons eksgrant installs.
//!
//! Each setting has a safe default, chosen so that a cluster created from a
//! spec that says nothing passes checkov with no check skipped; the README's
//! "Created clusters" gives each default with its source.

use std::ops::Range;

use super::account::Account;
use super::checker::Checker;
use super::cidr::{ipv4_cidr, is_network_address, is_private};
use super::names;
use super::paths;
use super::types::{
    Addon, ClusterKey, ControlPlane, HclValue, Logging, LogsKeyUse, SecretsKey, SecretsKeyPolicy,
};
use crate::aws::arn;
use crate::aws::iam::{PolicyDocument, Statement};
use crate::code::Code;
use crate::spec::{self, IpFamily, LogType, Spanned, SupportType};
use crate::text::closest;

/// How long CloudWatch Logs keeps control-plane logs unless the spec says:
/// a year, the least checkov's CKV_AWS_338 and PCI DSS (10.5.1) accept.
pub(crate) const DEFAULT_LOG_RETENTION_DAYS: u32 = 365;

/// The retentions CloudWatch Logs accepts (`PutRetentionPolicy`), and `0`,
/// which the AWS provider writes as "never expire".
const LOG_RETENTION_DAYS: &[u32] = &[
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// An add-on eksgrant can install.
struct KnownAddon {
    /// Its EKS name.
    name: &'static str,
    /// What it does, for the comment above it.
    purpose: &'static str,
}

/// The add-on that hands Pod Identity credentials to pods; Auto Mode has it
/// built in.
const POD_IDENTITY_AGENT: KnownAddon = KnownAddon {
    name: "eks-pod-identity-agent",
    purpose: "The agent that hands Pod Identity credentials to pods (built into Auto Mode).",
};

/// What the cluster role may do with a key that encrypts Secrets: the
/// actions terraform-aws-eks grants it (its `cluster_encryption` policy).
pub(crate) const SECRETS_KEY_ACTIONS: &[&str] = &[
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ListGrants",
    "kms:DescribeKey",
];

/// The created cluster the settings are for.
pub(super) struct Target<'a> {
    /// The cluster's spec key.
    pub key: &'a Spanned<String>,
    /// Its EKS name.
    pub name: &'a str,
    /// Its spec table.
    pub cluster: &'a spec::Cluster,
    /// Whether EKS Auto Mode runs it (and so the Pod Identity agent).
    pub auto_mode: bool,
    /// The Terraform identifier of its IAM role.
    pub role_ident: &'a str,
    /// Its IAM role, as the cluster's root names it.
    pub role_arn: &'a HclValue,
    /// Where `create = true` is written.
    pub create_span: Range<usize>,
    /// Its Kubernetes version, as the spec writes it.
    pub kubernetes_version: &'a str,
}

/// Checks a created cluster's control-plane keys and applies the defaults.
pub(super) fn control_plane(
    checker: &mut Checker<'_>,
    account: &Account,
    target: &Target<'_>,
) -> ControlPlane {
    let cluster = target.cluster;
    let ident = names::tf_ident(target.key.get());
    let secrets_on = cluster.secrets_encryption.as_ref().is_none_or(|s| *s.get());
    let secrets_key = cluster
        .secrets_kms_key_arn
        .as_ref()
        .map(|arn| kms_key_arn(checker, account, arn, "secrets_kms_key_arn"));
    if let (false, Some(arn)) = (secrets_on, &cluster.secrets_kms_key_arn) {
        let off = cluster
            .secrets_encryption
            .as_ref()
            .expect("off means given");
        checker
            .error(
                Code::KmsKey,
                arn.span(),
                "secrets_kms_key_arn is given, but secrets_encryption = false",
            )
            .label("a key for nothing")
            .also(off.span(), "Secrets encryption is off here")
            .help("remove secrets_kms_key_arn, or secrets_encryption = false");
    }

    let secrets_key_span = [
        cluster.secrets_kms_key_arn.as_ref().map(Spanned::span),
        cluster.secrets_encryption.as_ref().map(Spanned::span),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or_else(|| target.create_span.clone());

    let log_types = log_types(checker, cluster);
    let logs_on = !log_types.is_empty();
    if !logs_on {
        for (field, span) in [
            (
                "log_retention_days",
                cluster.log_retention_days.as_ref().map(Spanned::span),
            ),
            (
                "log_kms_key_arn",
                cluster.log_kms_key_arn.as_ref().map(Spanned::span),
            ),
        ] {
            if let Some(span) = span {
                checker
                    .error(
                        Code::Logging,
                        span,
                        format!(
                            "{field} applies to control-plane logs, and log_types = [] sends none"
                        ),
                    )
                    .label("no logs to apply it to")
                    .help(format!("remove {field}, or list the log types to send"));
            }
        }
    }
    let retention_days = log_retention_days(checker, cluster);
    let log_key = cluster
        .log_kms_key_arn
        .as_ref()
        .map(|arn| kms_key_arn(checker, account, arn, "log_kms_key_arn"));

    // The key eksgrant creates serves whatever the spec gives no key for.
    let key_ident = format!("{ident}_cluster");
    let key_ref = HclValue::Reference(format!("aws_kms_key.{key_ident}.arn"));
    let log_group_name = format!("/aws/eks/{}/cluster", target.name);
    let key_encrypts_secrets = secrets_on && secrets_key.is_none();
    let key_encrypts_logs = logs_on && log_key.is_none();
    let kms_key = (key_encrypts_secrets || key_encrypts_logs).then(|| ClusterKey {
        ident: key_ident.clone(),
        // Not terraform-aws-eks's `alias/eks/<name>`, which a cluster it
        // made and eksgrant adopts keeps.
        alias: format!("alias/eksgrant/{}", target.name),
        description: format!(
            "EKS cluster {}: {}",
            target.name,
            match (key_encrypts_secrets, key_encrypts_logs) {
                (true, true) => "Kubernetes Secrets and control-plane logs",
                (true, false) => "Kubernetes Secrets",
                _ => "control-plane logs",
            }
        ),
        account_root_arn: arn::account_root_arn(account.partition, &account.id),
        cluster_role_arn: target.role_arn.clone(),
        encrypts_secrets: key_encrypts_secrets,
        secrets_actions: SECRETS_KEY_ACTIONS,
        encrypts_logs: key_encrypts_logs.then(|| LogsKeyUse {
            service: format!("logs.{}.{}", account.region, account.partition.dns_suffix()),
            log_group_arn: format!(
                "arn:{}:logs:{}:{}:log-group:{log_group_name}",
                account.partition.as_str(),
                account.region,
                account.id
            ),
        }),
    });
    if kms_key.is_some() {
        for kind in ["aws_kms_key", "aws_kms_alias"] {
            checker.claim(
                "Terraform resource",
                format!("{kind}.{key_ident}"),
                target.key.span(),
            );
        }
    }

    let secrets_key_policy = secrets_key.as_ref().filter(|_| secrets_on).map(|arn| {
        let file = paths::secrets_key_policy_file(target.key.get());
        SecretsKeyPolicy {
            ident: format!("{}_secrets_key", target.role_ident),
            name: "secrets-kms-key".to_string(),
            file,
            document: PolicyDocument::new(vec![Statement::allow(
                "EncryptKubernetesSecrets",
                SECRETS_KEY_ACTIONS,
                vec![arn.clone()],
            )]),
        }
    });
    let logging = logs_on.then(|| Logging {
        ident: ident.clone(),
        log_group_name,
        types: log_types,
        retention_days,
        kms_key_arn: log_key.map_or_else(|| key_ref.clone(), HclValue::Literal),
    });

    let extended_support = cluster
        .support_type
        .as_ref()
        .is_some_and(|s| *s.get() == SupportType::Extended);
    let ip_family = cluster.ip_family.as_ref().map(|family| *family.get());
    let service_ipv4_cidr = service_ipv4_cidr(checker, cluster);

    let secrets_key = match (secrets_on, secrets_key) {
        (false, _) => SecretsKey::AwsOwned,
        (true, None) => SecretsKey::Created,
        (true, Some(arn)) => SecretsKey::Own(arn),
    };
    ControlPlane {
        secrets_key_arn: match &secrets_key {
            SecretsKey::Created => Some(key_ref.clone()),
            SecretsKey::Own(arn) => Some(HclValue::Literal(arn.clone())),
            SecretsKey::AwsOwned => None,
        },
        secrets_key,
        secrets_key_span,
        kms_key,
        secrets_key_policy,
        logging,
        support_type: if extended_support {
            SupportType::Extended
        } else {
            SupportType::Standard
        },
        extended_support,
        deletion_protection: cluster
            .deletion_protection
            .as_ref()
            .is_none_or(|d| *d.get()),
        ip_family,
        service_ipv4_cidr,
        addons: addons(checker, target, &ident),
    }
}

/// A KMS key ARN of the user's: a key (not an alias, which IAM policies
/// cannot name) in the spec's partition and region, where EKS and
/// CloudWatch Logs need it to be.
fn kms_key_arn(
    checker: &mut Checker<'_>,
    account: &Account,
    arn: &Spanned<String>,
    field: &str,
) -> String {
    let partition = account.partition.as_str();
    let example = format!("arn:{partition}:kms:{}:ACCOUNT:key/KEY-ID", account.region);
    let parts: Vec<&str> = arn.get().splitn(6, ':').collect();
    let problem = match parts.as_slice() {
        ["arn", p, "kms", region, account_id, resource] if *p == partition => {
            if *region != account.region {
                Some((
                    if region.is_empty() {
                        format!("{field} has no region")
                    } else {
                        format!(
                            "the key is in {region}, and the cluster in {}",
                            account.region
                        )
                    },
                    "EKS and CloudWatch Logs use keys in the cluster's own region".to_string(),
                ))
            } else if !arn::is_account_id(account_id) {
                Some((
                    format!("`{account_id}` is not an account ID"),
                    format!("write the key's ARN as {example}"),
                ))
            } else if resource.starts_with("alias/") {
                Some((
                    format!("{field} names an alias, not a key"),
                    format!(
                        "IAM policies name keys, not aliases: give the key's ARN (aws kms describe-key --key-id {resource} --query KeyMetadata.Arn)"
                    ),
                ))
            } else if resource.strip_prefix("key/").is_some_and(is_kms_key_id) {
                None
            } else {
                Some((
                    format!("`{resource}` is not a KMS key"),
                    format!("write the key's ARN as {example}"),
                ))
            }
        }
        _ => Some((
            format!("{field} must be a KMS key ARN in partition {partition}"),
            format!("write the key's ARN as {example}"),
        )),
    };
    if let Some((message, help)) = problem {
        checker
            .error(Code::KmsKey, arn.span(), message)
            .label("not a key ARN eksgrant can use")
            .help(help);
    }
    arn.get().clone()
}

/// A KMS key ID: a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`), or
/// `mrk-` and 32 hex digits for a multi-Region key.
fn is_kms_key_id(id: &str) -> bool {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(multi_region) = id.strip_prefix("mrk-") {
        return multi_region.len() == 32 && hex(multi_region);
    }
    let groups: Vec<&str> = id.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g))
}

/// The log types, each once, in the order EKS documents them; all five
/// unless the spec lists them.
fn log_types(checker: &mut Checker<'_>, cluster: &spec::Cluster) -> Vec<&'static str> {
    let Some(types) = &cluster.log_types else {
        return LogType::ALL.iter().map(|t| t.as_str()).collect();
    };
    let mut seen: Vec<&Spanned<LogType>> = Vec::new();
    for log_type in types.get() {
        if let Some(first) = seen.iter().find(|t| t.get() == log_type.get()) {
            checker
                .duplicate(
                    Code::Logging,
                    log_type.span(),
                    first.span(),
                    "mention",
                    format!("log type {} is listed twice", log_type.get().as_str()),
                )
                .help("list each log type once");
        } else {
            seen.push(log_type);
        }
    }
    LogType::ALL
        .iter()
        .filter(|t| seen.iter().any(|s| s.get() == *t))
        .map(|t| t.as_str())
        .collect()
}

fn log_retention_days(checker: &mut Checker<'_>, cluster: &spec::Cluster) -> u32 {
    let Some(days) = &cluster.log_retention_days else {
        return DEFAULT_LOG_RETENTION_DAYS;
    };
    if !LOG_RETENTION_DAYS.contains(days.get()) {
        let below = LOG_RETENTION_DAYS.iter().rev().find(|d| *d < days.get());
        let above = LOG_RETENTION_DAYS.iter().find(|d| *d > days.get());
        let nearest = match (below, above) {
            (Some(below), Some(above)) => format!("the nearest are {below} and {above}"),
            (Some(below), None) => format!("the longest is {below}"),
            (None, Some(above)) => format!("the shortest is {above}"),
            (None, None) => unreachable!("the list is not empty"),
        };
        checker
            .error(
                Code::Logging,
                days.span(),
                format!("CloudWatch Logs cannot keep logs for {} days", days.get()),
            )
            .label("not a retention CloudWatch Logs offers")
            .help(format!(
                "use one of {}, or 0 to keep them for ever; {nearest}",
                LOG_RETENTION_DAYS[1..]
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
    }
    *days.get()
}

/// The Services' IPv4 block, as EKS's `KubernetesNetworkConfigRequest`
/// accepts it: a private block from /12 to /24, and none with IPv6.
fn service_ipv4_cidr(checker: &mut Checker<'_>, cluster: &spec::Cluster) -> Option<String> {
    let cidr = cluster.service_ipv4_cidr.as_ref()?;
    if let Some(family) = cluster
        .ip_family
        .as_ref()
        .filter(|f| *f.get() == IpFamily::Ipv6)
    {
        checker
            .error(
                Code::ClusterNetwork,
                cidr.span(),
                "service_ipv4_cidr does not apply to an IPv6 cluster",
            )
            .label("an IPv4 block")
            .also(family.span(), "the cluster is IPv6")
            .help("remove service_ipv4_cidr: EKS gives an IPv6 cluster's Services addresses from fc00::/7");
        return None;
    }
    let problem = match ipv4_cidr(cidr.get()) {
        None => Some(format!("`{}` is not an IPv4 CIDR block", cidr.get())),
        Some((_, prefix)) if !(12..=24).contains(&prefix) => Some(format!(
            "a /{prefix} block is outside the /12 to /24 EKS accepts"
        )),
        Some((address, prefix)) if !is_network_address(address, prefix) => Some(format!(
            "`{}` has address bits set past its prefix",
            cidr.get()
        )),
        Some((address, prefix)) if !is_private(address, prefix) => Some(format!(
            "`{}` is not within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
            cidr.get()
        )),
        Some(_) => None,
    };
    if let Some(message) = problem {
        checker
            .error(Code::ClusterNetwork, cidr.span(), message)
            .label("not a block EKS accepts for Services")
            .help("pick a private block from /12 to /24 that your VPCs do not use, e.g. \"10.100.0.0/16\"");
    }
    Some(cidr.get().clone())
}

/// The add-ons eksgrant installs (the Pod Identity agent, unless Auto Mode
/// runs it), with the versions the spec pins.
fn addons(checker: &mut Checker<'_>, target: &Target<'_>, ident: &str) -> Vec<Addon> {
    let installed: &[KnownAddon] = if target.auto_mode {
        &[]
    } else {
        &[POD_IDENTITY_AGENT]
    };
    let mut addons: Vec<Addon> = installed
        .iter()
        .map(|known| Addon {
            // `<cluster>_pod_identity_agent`, the address earlier
            // generations gave the agent.
            ident: format!(
                "{ident}_{}",
                names::tf_ident(known.name.trim_start_matches("eks-"))
            ),
            name: known.name.to_string(),
            purpose: known.purpose,
            version: None,
        })
        .collect();
    let Some(versions) = &target.cluster.addon_versions else {
        return addons;
    };
    for (name, version) in versions.get() {
        let Some(addon) = addons.iter_mut().find(|a| a.name == *name.get()) else {
            let help = match closest(name.get(), installed.iter().map(|known| known.name)) {
                Some(near) => format!("did you mean `{near}`?"),
                None if installed.is_empty() => {
                    "Auto Mode runs the cluster's add-ons itself: remove addon_versions".to_string()
                }
                None => format!(
                    "eksgrant installs {} on this cluster",
                    installed
                        .iter()
                        .map(|known| known.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            checker
                .error(
                    Code::AddonVersion,
                    name.span(),
                    format!(
                        "eksgrant does not install the add-on `{}` on cluster {}",
                        name.get(),
                        target.key.get()
                    ),
                )
                .label("not installed here")
                .help(help);
            continue;
        };
        if !is_addon_version(version.get()) {
            checker
                .error(
                    Code::AddonVersion,
                    version.span(),
                    format!("`{}` is not an EKS add-on version", version.get()),
                )
                .label("expected vX.Y.Z-eksbuild.N")
                .help(format!(
                    "list the versions with `aws eks describe-addon-versions --addon-name {} --kubernetes-version {}`",
                    addon.name, target.kubernetes_version
                ));
        }
        addon.version = Some(version.get().clone());
    }
    addons
}

/// An add-on version as EKS writes them (`v1.3.8-eksbuild.2`): `v` and a
/// semantic version, which the AWS provider checks `addon_version` against
/// (numbers without leading zeros; dot-separated, non-empty pre-release and
/// build identifiers of letters, digits and `-`).
fn is_addon_version(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let (rest, build) = match rest.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (rest, None),
    };
    let (core, pre_release) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let number = |n: &str| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'))
    };
    let identifiers = |s: &str| {
        s.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers.iter().all(|n| number(n))
        && pre_release.is_none_or(identifiers)
        && build.is_none_or(identifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addon_versions_look_like_eks_builds() {
        assert!(is_addon_version("v1.3.8-eksbuild.2"));
        assert!(is_addon_version("v1.19.2"));
        assert!(is_addon_version("v1.2.0-eksbuild.1+meta"));
        assert!(!is_addon_version("1.3.8-eksbuild.2"));
        assert!(!is_addon_version("v1.3-eksbuild.2"));
        assert!(!is_addon_version("v1.3.8-"));
        assert!(!is_addon_version("v1.3.8 eksbuild"));
        assert!(!is_addon_version("latest"));
        assert!(!is_addon_version("v01.2.3-eksbuild.1"));
        assert!(!is_addon_version("v1.2.3-eksbuild..1"));
        assert!(!is_addon_version("v1.2.3+a+b"));
        assert!(!is_addon_version("v1.2.3-"));
    }

    #[test]
    fn kms_key_ids_are_uuids_or_multi_region_ids() {
        assert!(is_kms_key_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(is_kms_key_id("mrk-1234abcd12ab34cd56ef1234567890ab"));
        assert!(!is_kms_key_id("x"));
        assert!(!is_kms_key_id("1234abcd-12ab-34cd-56ef-1234567890a"));
        assert!(!is_kms_key_id("mrk-1234"));
        assert!(!is_kms_key_id("1234abcd-12ab-34cd-56ef-1234567890ag"));
    }

    #[test]
    fn the_default_retention_is_one_cloudwatch_offers() {
        assert!(LOG_RETENTION_DAYS.contains(&DEFAULT_LOG_RETENTION_DAYS));
        assert!(LOG_RETENTION_DAYS.is_sorted());
    }
}
