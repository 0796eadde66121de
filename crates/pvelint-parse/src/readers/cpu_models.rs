//! `/etc/pve/virtual-guest/cpu-models.conf`: the cluster's custom CPU models, a Perl
//! section config of one type, `cpu-model: <name>` (qemu-server
//! `src/PVE/QemuServer/CPUConfig.pm`, registered as cfs file `virtual-guest/cpu-models.conf`).
//! A VM uses a model as `cpu: custom-<name>`. The ID is not checked beyond the section
//! grammar; `cputype` is implied as `custom-<name>`.

use crate::diag::Diagnostic;
use crate::section::{self, HeaderVerdict, KeyDef, Schema, Section, ValueKind};
use crate::source::SourceFile;
use crate::span::FileId;
use crate::syntax;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuModels {
    pub file: FileId,
    /// The models Proxmox keeps, sorted by name (a later section with the same name wins).
    pub models: Vec<Section>,
}

impl CpuModels {
    /// The model of this name (without the `custom-` prefix).
    pub fn get(&self, name: &str) -> Option<&Section> {
        let i = self.models.binary_search_by(|m| m.id().cmp(name)).ok()?;
        self.models.get(i)
    }
}

/// `phys-bits`: a number or `host`.
fn check_phys_bits(v: &str) -> Result<(), String> {
    match v.parse::<u32>() {
        Ok(8..=64) => Ok(()),
        _ if v == "host" => Ok(()),
        _ => Err(format!("'{}' is not 8 to 64 or 'host'", crate::diag::quote_bounded(v))),
    }
}

const KEYS: &[KeyDef] = &[
    KeyDef::opt("reported-model", ValueKind::Text),
    KeyDef::opt("flags", ValueKind::Text),
    KeyDef::opt("hidden", ValueKind::Bool),
    KeyDef::opt("hv-vendor-id", ValueKind::Text),
    KeyDef::opt("phys-bits", ValueKind::Custom(check_phys_bits)),
    KeyDef::opt("guest-phys-bits", ValueKind::Int(32, 64)),
    KeyDef::opt("level", ValueKind::Int(0, i64::MAX)),
    // Written by older versions as the section's own name; accepted.
    KeyDef::opt("cputype", ValueKind::Text),
];

const ALL_KEYS: &[&str] =
    &["reported-model", "flags", "hidden", "hv-vendor-id", "phys-bits", "guest-phys-bits", "level", "cputype"];

pub fn parse(file: &SourceFile, diags: &mut Vec<Diagnostic>) -> CpuModels {
    let raws = section::parse_sections(file, diags, |kind, _id| {
        if kind.value == "cpu-model" {
            HeaderVerdict::Accept
        } else {
            HeaderVerdict::Skip(
                syntax::UNKNOWN_SECTION_TYPE
                    .at(kind.span, format!("unknown section type '{}' in cpu-models.conf; Proxmox skips the section (the only type is `cpu-model`)", kind.value))
                    .with_object("file"),
            )
        }
    });
    let mut models = Vec::new();
    for raw in raws {
        let schema = Schema {
            file: "cpu-models.conf",
            keys: KEYS,
            all_keys: ALL_KEYS,
            object: format!("cpu-model:{}", raw.id.value),
        };
        models.push(section::apply_schema(raw, &schema, diags));
    }
    let mut models = section::dedup_ids(models, "cpu-models.conf", diags, |id| format!("cpu-model:{id}"));
    // By name, for lookups per VM (IDs are unique after dedup_ids).
    models.sort_by(|a, b| a.id().cmp(b.id()));
    CpuModels { file: file.id, models }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_read_by_name() {
        let f = SourceFile::new(
            FileId(0),
            "virtual-guest/cpu-models.conf",
            "cpu-model: avx512\n\tflags +avx512f;+avx512vl\n\tphys-bits host\n\treported-model Skylake-Server\n\ncpu-model: old\n\tlevel 7\n\tbogus 1\n\nother: x\n\tflags +aes\n".into(),
        );
        let mut d = Vec::new();
        let m = parse(&f, &mut d);
        assert_eq!(m.models.iter().map(|s| s.id()).collect::<Vec<_>>(), ["avx512", "old"]);
        assert_eq!(m.get("avx512").and_then(|s| s.get("phys-bits")).map(|v| v.value.as_str()), Some("host"));
        let codes: Vec<&str> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["P010", "P007"], "{d:?}");
    }
}
