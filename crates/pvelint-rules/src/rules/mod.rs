//! One file per rule. Each file defines one rule type; the registry lists them.

pub mod c101_duplicate_vmid;
pub mod g101_volume_storage_undefined;
pub mod g102_volume_storage_disabled;
pub mod g103_volume_storage_not_on_node;
pub mod g105_backup_volume_on_fragile_storage;
pub mod g106_volume_used_by_several_guests;
pub mod g107_volume_owned_by_other_guest;
pub mod g108_backup_flag_on_bind_mount;
pub mod j101_backup_target_undefined;
pub mod j102_backup_target_lacks_backup_content;
pub mod j103_backup_target_unavailable;
pub mod j104_job_node_unknown;
pub mod j105_job_guest_undefined;
pub mod j106_job_selection_conflict;
pub mod j107_job_pool_undefined;
pub mod j108_schedule_misleading;
pub mod j109_job_selects_fragile_guests;
pub mod j110_fleecing_storage_invalid;
pub mod j111_storage_and_dumpdir_together;
pub mod j112_vzdump_cron_job;
pub mod m101_moved_guest_local_bind_mount;
pub mod m102_moved_guest_node_local_file;
pub mod v101_vzdump_path_on_unavailable_storage;
pub mod v102_vzdump_path_on_fragile_storage;
pub mod v103_tmpdir_on_backed_up_storage;
pub mod v104_vzdump_conf_ineffective_key;
