//! External Secrets Operator (external-secrets/external-secrets), AWS
//! Secrets Manager and Parameter Store providers, reading only.
//!
//! Written from the "IAM Policy" sections of `docs/provider/aws-secrets-manager.md`
//! and `docs/provider/aws-parameter-store.md` at v2.9.0 (fetching; the
//! PushSecret permissions are left to custom statements). Upstream already
//! names the secrets (`secret:dev-*`) and parameters (`parameter/dev-*`); the
//! preset names those the user lists, and grants each provider's statements
//! only when its argument is given: `secret_arns` or `parameter_arns`, at
//! least one. `ListSecrets` and `BatchGetSecretValue` take no resource and
//! stay on `*`; `BatchGetSecretValue` still needs `GetSecretValue` on each
//! secret it returns, so it reads nothing beyond the listed secrets.
//!
//! Upstream's `ssm:GetParameter*` is a wildcard; the preset names the two
//! actions the provider calls (`providers/v1/aws/parameterstore/parameterstore.go`
//! at v2.9.0: `GetParameter`, and `GetParametersByPath` for `find.path`).
//! Secrets and SecureString parameters encrypted with a customer managed key
//! also need `kms:Decrypt` on that key, which `kms_key_arns` grants.

use super::{Need, PresetArg, PresetContext, PresetDef, Upstream};
use crate::aws::iam::Statement;

pub(super) const PRESET: PresetDef = PresetDef {
    name: "external-secrets",
    summary: "read the given Secrets Manager secrets and Parameter Store parameters, decrypting with the given KMS keys",
    args: &[
        (PresetArg::SecretArns, Need::Optional),
        (PresetArg::ParameterArns, Need::Optional),
        (PresetArg::KmsKeyArns, Need::Optional),
    ],
    at_least_one: &[PresetArg::SecretArns, PresetArg::ParameterArns],
    deployment_note: Some(
        "reference only the preset's secrets and parameters from ExternalSecrets (dataFrom.find may list every secret's name, but reads only these), and do not use PushSecret: the preset allows no writes",
    ),
    upstream: Upstream {
        source: "external-secrets/external-secrets docs/provider/aws-secrets-manager.md and aws-parameter-store.md (IAM Policy, fetching) v2.9.0",
        actions: &[
            "secretsmanager:BatchGetSecretValue",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetResourcePolicy",
            "secretsmanager:GetSecretValue",
            "secretsmanager:ListSecretVersionIds",
            "secretsmanager:ListSecrets",
            "ssm:GetParameter*",
        ],
        dropped: &[(
            "ssm:GetParameter*",
            "a wildcard: the preset names the actions of it the provider calls",
        )],
        added: &[
            (
                "ssm:GetParameter",
                "matched by upstream's ssm:GetParameter*; the provider reads each parameter with it",
            ),
            (
                "ssm:GetParametersByPath",
                "matched by upstream's ssm:GetParameter*; the provider calls it for find.path",
            ),
            (
                "kms:Decrypt",
                "secrets and SecureString parameters under a customer managed key need it (given kms_key_arns only)",
            ),
        ],
        narrowed: &[],
        broader: &[],
    },
    statements,
};

fn statements(ctx: &PresetContext<'_>) -> Vec<Statement> {
    let mut statements = Vec::new();
    let secrets = ctx.arg(PresetArg::SecretArns);
    if !secrets.is_empty() {
        statements.push(Statement::allow(
            "ExternalSecretsListSecrets",
            &[
                "secretsmanager:BatchGetSecretValue",
                "secretsmanager:ListSecrets",
            ],
            vec!["*".into()],
        ));
        statements.push(Statement::allow(
            "ExternalSecretsReadSecrets",
            &[
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetResourcePolicy",
                "secretsmanager:GetSecretValue",
                "secretsmanager:ListSecretVersionIds",
            ],
            secrets.to_vec(),
        ));
    }
    let parameters = ctx.arg(PresetArg::ParameterArns);
    if !parameters.is_empty() {
        statements.push(Statement::allow(
            "ExternalSecretsReadParameters",
            &["ssm:GetParameter", "ssm:GetParametersByPath"],
            parameters.to_vec(),
        ));
    }
    let keys = ctx.arg(PresetArg::KmsKeyArns);
    if !keys.is_empty() {
        statements.push(Statement::allow(
            "ExternalSecretsDecrypt",
            &["kms:Decrypt"],
            keys.to_vec(),
        ));
    }
    statements
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn context(args: &[(PresetArg, &str)]) -> PresetContext<'static> {
        PresetContext::for_tests(
            args.iter()
                .map(|(arg, value)| (*arg, vec![(*value).to_string()]))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn sids(statements: &[Statement]) -> Vec<&str> {
        statements.iter().map(|s| s.sid.as_str()).collect()
    }

    #[test]
    fn only_the_given_providers_get_statements() {
        let secret = "arn:aws:secretsmanager:eu-west-2:111122223333:secret:app/db-*";
        let only_secrets = statements(&context(&[(PresetArg::SecretArns, secret)]));
        assert_eq!(
            sids(&only_secrets),
            ["ExternalSecretsListSecrets", "ExternalSecretsReadSecrets"]
        );
        assert_eq!(only_secrets[1].resource.0, [secret]);

        let parameter = "arn:aws:ssm:eu-west-2:111122223333:parameter/app/*";
        let only_parameters = statements(&context(&[(PresetArg::ParameterArns, parameter)]));
        assert_eq!(sids(&only_parameters), ["ExternalSecretsReadParameters"]);
        assert_eq!(only_parameters[0].resource.0, [parameter]);
    }

    #[test]
    fn secret_values_are_read_only_from_the_given_secrets_and_keys() {
        let key = "arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let all = statements(&context(&[
            (
                PresetArg::SecretArns,
                "arn:aws:secretsmanager:eu-west-2:111122223333:secret:app/db-*",
            ),
            (PresetArg::KmsKeyArns, key),
        ]));
        for statement in &all {
            let reads_values = statement
                .action
                .0
                .iter()
                .any(|a| a == "secretsmanager:GetSecretValue" || a == "kms:Decrypt");
            assert_eq!(
                reads_values,
                statement.resource.0 != ["*"],
                "{}",
                statement.sid
            );
        }
        assert_eq!(all.last().unwrap().resource.0, [key]);
    }
}
