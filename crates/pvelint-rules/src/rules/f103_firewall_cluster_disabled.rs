//! F103: Host or guest firewall rules are written while the cluster firewall is disabled,
//! so none of them applies.

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!(
    FirewallClusterDisabled,
    "F103",
    "firewall-cluster-disabled",
    Warning,
    "Host or guest firewall rules are written while the cluster firewall is disabled, so none of them applies."
);

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let t = ctx.tree;
    let Some(cluster) = &t.firewall_cluster else { return };
    let enable = cluster.option("enable");
    // `enable` above 1 is a timestamp of a temporary enable, off once a minute old.
    if enable.is_some_and(|v| v.value == "1") {
        return;
    }
    let with_rules: Vec<_> = t
        .firewall_hosts
        .values()
        .chain(t.firewall_guests.values())
        .filter_map(|f| f.active_rules().next().map(|r| (f, r.line)))
        .collect();
    if with_rules.is_empty() && cluster.active_rules().next().is_none() {
        return;
    }
    let files = with_rules.len();
    let at = enable.map_or_else(|| t.file(cluster.file).span().sub(0, 0), |v| v.span);
    let what = match enable {
        Some(v) => format!("cluster.fw sets `enable: {}`", v.value),
        None => "cluster.fw does not set `enable: 1`".to_string(),
    };
    let message = format!(
        "{what}, so the firewall is off on every node: the rules of cluster.fw and of {} with rules never apply",
        pvelint_parse::text::count(files, "host or guest firewall file")
    );
    out.push(
        META.at(at, message)
            .with_related(with_rules, |(f, line)| (line, format!("rules in {}", t.file(f.file).path)))
            .with_object("firewall:cluster")
            .with_help("set `enable: 1` under [OPTIONS] of cluster.fw (Datacenter → Firewall → Options) once the rules are ready, or remove the rules"),
    );
}
