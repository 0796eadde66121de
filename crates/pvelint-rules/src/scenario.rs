//! What a what-if change leaves behind beyond the changed tree: the guests it moved (from
//! which node) and the storages it removed (their old definitions, whose directories may
//! still be named in vzdump paths). The parse model describes files only; `what-if`
//! applies its changes to a copy of the tree and hands this to the rules' context.

use pvelint_parse::storage::Storage;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct Scenario {
    /// VMID → the node whose directory holds the config on disk (the guest now is on
    /// another node in the changed tree). Rules `M1xx` speak only about these.
    pub moved_guests: BTreeMap<u32, String>,
    /// Storages the change removed, as they were defined.
    pub removed_storages: Vec<Storage>,
}

/// A plain check: nothing moved, nothing removed.
pub static NONE: Scenario = Scenario { moved_guests: BTreeMap::new(), removed_storages: Vec::new() };
