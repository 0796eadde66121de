//! One reader per file format: bytes of one file in, its typed, spanned model and its
//! syntax diagnostics out, never failing. `tree::load` picks the reader by path.

pub mod ceph_conf;
pub mod corosync;
pub mod cpu_models;
pub mod cron;
pub mod datacenter;
pub mod facts;
pub mod firewall;
pub mod guest;
pub mod ha;
pub mod jobs;
pub mod mapping;
pub mod notifications;
pub mod replication;
pub mod sdn;
pub mod storage;
pub mod user;
pub mod vzdump_conf;
pub mod vzdump_opts;
