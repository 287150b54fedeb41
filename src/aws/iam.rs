//! IAM policy documents as typed values.
//!
//! Trust and permission policies are data, not templates: building them here
//! lets validation measure them against IAM's size limits, and serde_json
//! writes them with correct escaping and a stable key order.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether a statement allows or denies its actions (`effect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Effect {
    /// Allow the actions.
    Allow,
    /// Deny the actions.
    Deny,
}

impl Effect {
    /// The effect as IAM writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// IAM's limit on a role's trust policy (the default quota), in characters
/// without whitespace.
pub(crate) const MAX_TRUST_POLICY: usize = 2048;
/// IAM's limit on a customer managed policy, in characters without whitespace.
pub(crate) const MAX_MANAGED_POLICY: usize = 6144;

/// A policy document, trust or permissions.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// Always `2012-10-17`, the only version with policy variables.
    pub version: &'static str,
    /// The statements, in order.
    pub statement: Vec<Statement>,
}

/// One statement of a policy document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// Statement ID: letters and digits.
    pub sid: String,
    /// Allow or Deny.
    #[serde(serialize_with = "effect_str")]
    pub effect: Effect,
    /// Who may assume the role (trust policies only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub principal: BTreeMap<&'static str, OneOrMany>,
    /// `Action`: one action, or several, each `service:Name` with `*`
    /// allowed.
    pub action: OneOrMany,
    /// The resources (permission policies only).
    #[serde(skip_serializing_if = "OneOrMany::is_empty")]
    pub resource: OneOrMany,
    /// Operator -> condition key -> values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<String, BTreeMap<String, OneOrMany>>,
}

impl Statement {
    /// An `Allow` statement on resources, without conditions.
    pub fn allow(sid: impl Into<String>, actions: &[&str], resources: Vec<String>) -> Self {
        Self {
            sid: sid.into(),
            effect: Effect::Allow,
            principal: BTreeMap::new(),
            action: OneOrMany(actions.iter().map(ToString::to_string).collect()),
            resource: OneOrMany(resources),
            condition: BTreeMap::new(),
        }
    }

    /// Adds a condition; values under the same operator and key accumulate.
    pub fn when(mut self, operator: &str, key: &str, values: &[&str]) -> Self {
        self.condition
            .entry(operator.to_string())
            .or_default()
            .entry(key.to_string())
            .or_default()
            .0
            .extend(values.iter().map(ToString::to_string));
        self
    }
}

// serde's `serialize_with` hands the field over by reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn effect_str<S: Serializer>(effect: &Effect, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(effect.as_str())
}

/// A list that IAM writes as a bare string when it has one element, the way
/// the console and Terraform's `aws_iam_policy_document` do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OneOrMany(pub Vec<String>);

impl OneOrMany {
    /// Whether the list is empty (the key is then left out).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for OneOrMany {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => serializer.serialize_str(one),
            many => many.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            One(String),
            Many(Vec<String>),
        }
        Ok(match Shape::deserialize(deserializer)? {
            Shape::One(one) => OneOrMany(vec![one]),
            Shape::Many(many) => OneOrMany(many),
        })
    }
}

/// A policy document as it is written to `policies/*.json`. The model keeps
/// the text rather than the typed [`PolicyDocument`], which holds a map per
/// condition and a string per action and takes several times the text's
/// memory (bench/README.md); it keeps the text without the indentation,
/// which [`PolicyText::to_pretty_json`] puts back as the file is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyText {
    /// The document as `serde_json` writes it compact: no whitespace outside
    /// strings.
    compact: Box<str>,
    statements: usize,
}

impl PolicyText {
    /// The JSON text without whitespace outside its strings.
    pub fn compact(&self) -> &str {
        &self.compact
    }

    /// The JSON text as written to `policies/*.json`: what
    /// [`PolicyDocument::to_pretty_json`] writes of the document.
    pub fn to_pretty_json(&self) -> String {
        indented(&self.compact)
    }

    /// How many statements the document holds.
    pub fn statements(&self) -> usize {
        self.statements
    }

    /// The statements, read back from the text for `explain`.
    pub fn read_statements(&self) -> Vec<WrittenStatement> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Written {
            statement: Vec<WrittenStatement>,
        }
        serde_json::from_str::<Written>(&self.compact)
            .expect("a policy text is a serialised PolicyDocument")
            .statement
    }
}

impl From<&PolicyDocument> for PolicyText {
    fn from(document: &PolicyDocument) -> Self {
        Self {
            compact: serde_json::to_string(document)
                .expect("policy documents always serialise")
                .into_boxed_str(),
            statements: document.statement.len(),
        }
    }
}

/// JSON written compact by `serde_json`, laid out as its pretty printer
/// lays it out (two-space indent, `": "` after a key, `[]` and `{}` when
/// empty), with one trailing newline. Only outside strings is anything
/// added: a string's text, escapes included, is copied as it is.
fn indented(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() + compact.len() / 2);
    let mut depth = 0usize;
    let mut chars = crate::text::quoted_chars(compact).peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        (0..depth).for_each(|_| out.push_str("  "));
    };
    while let Some((c, quoted)) = chars.next() {
        if quoted {
            out.push(c);
            continue;
        }
        match c {
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.next_if_eq(&(close, false)).is_some() {
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// A statement of a [`PolicyText`], read back: what `explain` lists.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WrittenStatement {
    /// Statement ID.
    pub sid: String,
    /// Allow or Deny.
    pub effect: Effect,
    /// `Action`, read back as one action or several.
    pub action: OneOrMany,
    /// The resources; none in a trust policy.
    #[serde(default)]
    pub resource: OneOrMany,
    /// Operator -> condition key -> values.
    #[serde(default)]
    pub condition: BTreeMap<String, BTreeMap<String, OneOrMany>>,
}

impl PolicyDocument {
    /// A document with these statements.
    pub fn new(statement: Vec<Statement>) -> Self {
        Self {
            version: "2012-10-17",
            statement,
        }
    }

    /// The document as written to `policies/*.json`: two-space indent, one
    /// trailing newline.
    pub fn to_pretty_json(&self) -> String {
        let mut json =
            serde_json::to_string_pretty(self).expect("policy documents always serialise");
        json.push('\n');
        json
    }

    /// The size IAM counts against its limits: characters, whitespace excluded.
    pub fn iam_size(&self) -> usize {
        iam_size_of(&serde_json::to_string(self).expect("policy documents always serialise"))
    }
}

/// The size IAM counts of a policy's JSON: its characters but whitespace.
pub(crate) fn iam_size_of(json: &str) -> usize {
    json.chars().filter(|c| !c.is_whitespace()).count()
}

/// The trust policy of the IAM role of a cluster eksgrant creates: the EKS
/// service assumes it (and tags the session, which newer EKS features need).
pub(crate) fn eks_cluster_role_trust() -> PolicyDocument {
    PolicyDocument::new(vec![Statement {
        sid: "EksClusterService".to_string(),
        effect: Effect::Allow,
        principal: BTreeMap::from([("Service", OneOrMany(vec!["eks.amazonaws.com".to_string()]))]),
        action: OneOrMany(vec![
            "sts:AssumeRole".to_string(),
            "sts:TagSession".to_string(),
        ]),
        resource: OneOrMany::default(),
        condition: BTreeMap::new(),
    }])
}

/// The trust policy of the node role of an EKS Auto Mode cluster: EC2
/// instances assume it.
pub(crate) fn eks_auto_node_role_trust() -> PolicyDocument {
    PolicyDocument::new(vec![Statement {
        sid: "Ec2Nodes".to_string(),
        effect: Effect::Allow,
        principal: BTreeMap::from([("Service", OneOrMany(vec!["ec2.amazonaws.com".to_string()]))]),
        action: OneOrMany(vec!["sts:AssumeRole".to_string()]),
        resource: OneOrMany::default(),
        condition: BTreeMap::new(),
    }])
}

/// IAM's wildcard match (`*` any run of characters, `?` any one) of a
/// pattern against a text, which may be a pattern itself: a `*` in the text
/// is matched only by a `*` of the pattern's, so that "this pattern covers
/// that one" stays sound. Case-sensitive, as resources and condition
/// values are; [`action_matches`] for actions.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (pattern, text): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), text.chars().collect());
    // Two pointers, backtracking to the last `*` of the pattern; a `*` is
    // tried as a wildcard before as a character.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len()
            && (pattern[p] == text[t] || pattern[p] == '?' && text[t] != '*')
        {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Whether an action pattern names `action`: IAM reads actions in any
/// case.
pub(crate) fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// A character IAM allows in role and policy names.
pub(crate) fn is_iam_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// An IAM statement ID: letters and digits only.
pub(crate) fn is_sid(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::{action_matches, wildcard_match};

    #[test]
    fn wildcards_match_as_iam_matches_them() {
        assert!(action_matches("s3:Get*", "s3:getobject"));
        assert!(wildcard_match("*", "anything"));
        assert!(wildcard_match(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b"
        ));
        assert!(!wildcard_match(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket"
        ));
        assert!(action_matches("ec2:describe?pcs", "ec2:DescribeVpcs"));
        assert!(!action_matches("s3:put*", "s3:getobject"));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        // A text that is a pattern: only a `*` covers a `*`.
        assert!(wildcard_match("a/*/*/*", "a/*/*/*/*"));
        assert!(!wildcard_match("a/?", "a/*"));
        assert!(!wildcard_match("a/b*", "a/*"));
    }

    use super::*;

    #[test]
    fn single_values_are_bare_strings_and_sizes_ignore_whitespace() {
        let doc = PolicyDocument::new(vec![
            Statement::allow(
                "Describe",
                &["eks:DescribeCluster"],
                vec!["arn:aws:eks:eu-west-2:111122223333:cluster/a b".into()],
            )
            .when("StringEquals", "aws:ResourceTag/team", &["web"]),
        ]);
        let json = doc.to_pretty_json();
        assert!(
            json.contains(r#""Action": "eks:DescribeCluster""#),
            "{json}"
        );
        assert!(json.ends_with("}\n"));
        let compact = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            doc.iam_size(),
            compact.len() - 1,
            "the space inside the ARN is not counted"
        );
    }

    #[test]
    fn a_policy_text_is_written_as_serde_json_writes_the_document() {
        let tricky = r#"arn:aws:s3:::b/{"x": [1, 2]},\"y\":\\ é ✓"#;
        let documents = [
            PolicyDocument::new(Vec::new()),
            PolicyDocument::new(vec![Statement::allow("Empty", &[], Vec::new())]),
            PolicyDocument::new(vec![
                Statement::allow("Tricky", &["s3:GetObject"], vec![tricky.into(), "*".into()])
                    .when("StringEquals", "aws:ResourceTag/a:b", &[tricky])
                    .when("StringEquals", "k", &["[", "]", "{", "}", ",", ":", "\\"])
                    .when("ForAnyValue:StringLike", "x", &[]),
            ]),
            eks_cluster_role_trust(),
            eks_auto_node_role_trust(),
        ];
        for document in &documents {
            let text = PolicyText::from(document);
            assert!(!text.compact().contains('\n'), "{}", text.compact());
            assert_eq!(text.to_pretty_json(), document.to_pretty_json());
        }
    }

    #[test]
    fn a_policy_text_reads_back_as_the_statements_it_was_made_from() {
        let doc = PolicyDocument::new(vec![
            Statement::allow("One", &["s3:GetObject"], vec!["arn:aws:s3:::b/*".into()]).when(
                "StringEquals",
                "aws:ResourceTag/team",
                &["web", "api"],
            ),
            Statement {
                effect: Effect::Deny,
                ..Statement::allow("Two", &["s3:DeleteObject", "s3:PutObject"], Vec::new())
            },
        ]);
        let text = PolicyText::from(&doc);
        assert_eq!(text.to_pretty_json(), doc.to_pretty_json());
        assert_eq!(text.statements(), 2);
        let read = text.read_statements();
        assert_eq!(read.len(), 2);
        assert_eq!(
            (read[0].sid.as_str(), read[0].effect),
            ("One", Effect::Allow)
        );
        assert_eq!(read[0].action.0, ["s3:GetObject"]);
        assert_eq!(read[0].resource.0, ["arn:aws:s3:::b/*"]);
        assert_eq!(
            read[0].condition["StringEquals"]["aws:ResourceTag/team"].0,
            ["web", "api"]
        );
        assert_eq!(
            (read[1].sid.as_str(), read[1].effect),
            ("Two", Effect::Deny)
        );
        assert_eq!(read[1].action.0, ["s3:DeleteObject", "s3:PutObject"]);
        assert!(read[1].resource.is_empty() && read[1].condition.is_empty());
    }
}
