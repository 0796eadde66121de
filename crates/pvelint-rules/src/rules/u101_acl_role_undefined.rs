//! U101: an ACL in user.cfg grants a role that is not defined before it: Proxmox skips
//! that role, and its permissions are never granted.

use crate::context::Context;
use pvelint_parse::user::AclRole;
use pvelint_parse::{Diagnostic, Span};
use std::collections::HashMap;

crate::declare_rule!(
    AclRoleUndefined,
    "U101",
    "acl-role-undefined",
    Warning,
    "An ACL in user.cfg grants a role that is not defined before it: Proxmox skips that role, and its permissions are never granted."
);

/// Roles that always exist: `Administrator`, `NoAccess` and the `PVE…` roles Proxmox
/// creates (pve-access-control `src/PVE/AccessControl.pm` → `create_roles`); the set of
/// `PVE…` roles grows with versions, so every such name counts as built in.
fn builtin(role: &str) -> bool {
    role == "Administrator" || role == "NoAccess" || role.starts_with("PVE")
}

fn message(a: &AclRole, later: bool) -> String {
    let why = if later {
        "is defined only on a later line, and Proxmox reads user.cfg in one pass"
    } else {
        "is not defined (no `role:` line and no built-in role of that name)"
    };
    format!(
        "the ACL on '{}' grants role '{}', which {why}: parse_user_config skips this role of the ACL (\"ignore invalid acl role\"), so the users and groups it names do not get its permissions",
        a.path.value, a.role.value
    )
}

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(user) = &ctx.tree.user else { return };
    // Role name → the first line that defines it.
    let mut defined: HashMap<&str, Span> = HashMap::new();
    for r in &user.roles {
        defined.entry(r.value.as_str()).or_insert(r.span);
    }
    for a in &user.acl_roles {
        if builtin(&a.role.value) {
            continue;
        }
        let later = match defined.get(a.role.value.as_str()) {
            Some(at) if at.start < a.line.start => continue,
            Some(_) => true,
            None => false,
        };
        let mut d = META
            .at(a.role.span, message(a, later))
            .with_help(if later {
                "move the `role:` line above the ACL (Proxmox writes roles before ACLs)"
            } else {
                "define the role with a `role:` line before the ACL, or grant an existing role"
            })
            .with_object(format!("acl:{}", a.path.value))
            .with_key("roles");
        if let Some(at) = defined.get(a.role.value.as_str()) {
            d = d.with_label(*at, "defined here, after the ACL");
        }
        out.push(d);
    }
}
