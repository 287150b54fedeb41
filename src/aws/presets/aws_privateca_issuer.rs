//! AWS Private CA Issuer for cert-manager (cert-manager/aws-privateca-issuer).
//!
//! Written from the minimal policy in `README.md` ("Configuration") at
//! v1.9.0, which already names one certificate authority; the preset names
//! the authorities given. It adds one condition upstream does not have: the
//! issuer picks the certificate template from the request
//! (`pkg/aws/pca.go`, `buildTemplateArn`), and `isCA: true` requests a
//! subordinate CA certificate, which could then sign certificates for any
//! name the root is trusted for. The preset refuses the CA templates
//! (`RootCACertificate*`, `SubordinateCACertificate*`) with
//! `acm-pca:TemplateArn`, so the issuer can only issue end-entity
//! certificates.

use super::{Need, PresetArg, PresetContext, PresetDef, Scoping, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "aws-privateca-issuer",
    summary: "issue end-entity (not CA) certificates from the given AWS Private CA certificate authorities",
    args: &[(PresetArg::CertificateAuthorityArns, Need::Required)],
    at_least_one: &[],
    deployment_note: Some(
        "request no certificates with isCA: true (or a CA template) from the AWSPCAIssuer: the preset refuses the CA certificate templates",
    ),
    upstream: Upstream {
        source: "cert-manager/aws-privateca-issuer README.md (Configuration, minimal policy) v1.9.0",
        actions: &[
            "acm-pca:DescribeCertificateAuthority",
            "acm-pca:GetCertificate",
            "acm-pca:IssueCertificate",
        ],
        dropped: &[],
        added: &[],
        narrowed: &[Scoping {
            statements: &["AwsPrivatecaIssuerIssueCertificates"],
            why: "refuses the CA certificate templates (ArnNotLike acm-pca:TemplateArn), so a request with isCA: true cannot mint a subordinate CA",
        }],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let authorities = ctx.arg(PresetArg::CertificateAuthorityArns).to_vec();
    vec![
        Statement::allow(
            "AwsPrivatecaIssuerReadCertificates",
            &[
                "acm-pca:DescribeCertificateAuthority",
                "acm-pca:GetCertificate",
            ],
            authorities.clone(),
        ),
        Statement::allow(
            "AwsPrivatecaIssuerIssueCertificates",
            &["acm-pca:IssueCertificate"],
            authorities,
        )
        .when(
            "ArnNotLike",
            "acm-pca:TemplateArn",
            &[&format!(
                "arn:{}:acm-pca:::template/*CACertificate*",
                ctx.partition.as_str()
            )],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::aws::Partition;

    #[test]
    fn issues_from_the_given_authorities_and_never_a_ca_certificate() {
        let authority =
            "arn:aws-us-gov:acm-pca:us-gov-west-1:111122223333:certificate-authority/ca-1";
        let statements = statements(&PresetContext {
            partition: Partition::AwsUsGov,
            account_id: "111122223333",
            region: "us-gov-west-1",
            cluster_names: vec!["platform".into()],
            args: BTreeMap::from([(
                PresetArg::CertificateAuthorityArns,
                vec![authority.to_string()],
            )]),
        });
        for statement in &statements {
            assert_eq!(statement.resource.0, [authority]);
        }
        let issue = &statements[1];
        assert_eq!(issue.action.0, ["acm-pca:IssueCertificate"]);
        assert_eq!(
            issue.condition["ArnNotLike"]["acm-pca:TemplateArn"].0,
            ["arn:aws-us-gov:acm-pca:::template/*CACertificate*"]
        );
    }
}
