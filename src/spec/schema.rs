//! The spec's JSON Schema, for editors (Taplo / Even Better TOML read it
//! through a `#:schema` line) and for `eksgrant schema`.
//!
//! Most of it is derived from the spec types. What the types do not say is
//! written here, from the same lists the model checks against, so that the
//! two cannot drift: the one `version`, the preset names, and the access
//! policy names eksgrant knows.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::Spec;
use crate::aws::presets;
use crate::rbac::access_policies;

/// The spec's JSON Schema (draft-07, which Taplo and most editors read).
pub fn json_schema() -> String {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Spec>();
    serde_json::to_string_pretty(&schema).expect("a schema always serialises")
}

/// `version`: the one version this eksgrant reads, so that an editor
/// refuses another as eksgrant does.
pub(super) fn version(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "integer",
        "const": super::SPEC_VERSION,
    })
}

/// The schema of `access_policy`.
pub(super) struct AccessPolicyName;

impl JsonSchema for AccessPolicyName {
    fn schema_name() -> Cow<'static, str> {
        "AccessPolicyName".into()
    }

    /// A name eksgrant knows (which editors offer), or any name of the
    /// shape of AWS's: AWS adds access policies, and eksgrant only warns
    /// about one it does not know.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An EKS access policy name (`aws eks list-access-policies`): one eksgrant knows, or, with a warning, a newer one of the same shape (`Amazon...Policy`, `AI...Policy`).",
            "anyOf": [
                { "type": "string", "enum": access_policies::KNOWN },
                { "type": "string", "pattern": access_policies::SHAPE },
            ],
        })
    }
}

/// The schema of a preset's `name`.
pub(super) struct PresetName;

impl JsonSchema for PresetName {
    /// Written out where it is used, so that the field's description sits
    /// beside the names rather than around a reference to them.
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "PresetName".into()
    }

    /// The registry's names; Taplo also shows what each grants (its
    /// `x-taplo` extension documents enum values one by one).
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let grants: Vec<String> = presets::PRESETS
            .iter()
            .map(|preset| format!("Grants: {}.", preset.summary))
            .collect();
        json_schema!({
            "type": "string",
            "enum": presets::names(),
            "x-taplo": { "docs": { "enumValues": grants } },
        })
    }
}
