#!/bin/sh
# Scaffolds a rule: `scripts/new-rule.sh CODE kebab-name [SEVERITY] ["summary"]`.
# Writes the rule file, the document skeleton with the required headings, a fail and a
# pass case, and the line of the rule table (in code order). Then:
#   1. write the check in crates/pvelint-rules/src/rules/<file>.rs,
#   2. make testdata/rules/<CODE>/fail_example a minimal tree that shows the problem and
#      pass_example the same tree without it (rename both to say what they show),
#   3. fill in rules/<CODE>.md (cite Proxmox's sources: repository, file, function),
#   4. UPDATE_DOCS=1 cargo test -p pvelint --test docs; cargo insta review.
# Until step 1 and 2 are done, the rule harness fails on fail_example: that is the test
# to make pass. ROOT (default: the repository) is where files are written.
set -eu
usage() { echo "usage: $0 CODE kebab-name [Error|Warning|Info] [summary]" >&2; exit 2; }
[ $# -ge 2 ] || usage
code=$1 name=$2 sev=${3:-Warning} summary=${4:-TODO: one sentence on the problem.}
root=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
echo "$code" | grep -Eq '^[A-Z][0-9]{3}$' || { echo "CODE must be a letter and three digits (G110)" >&2; exit 2; }
echo "$name" | grep -Eq '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' || { echo "name must be kebab-case" >&2; exit 2; }
case $sev in Error|Warning|Info) ;; *) echo "SEVERITY is Error, Warning or Info" >&2; exit 2;; esac
case $code in P*) echo "P codes are emitted by the parser: add them to pvelint-parse's syntax.rs table" >&2; exit 2;; esac
case $summary in *'"'*|*'\'*) echo "the summary may not hold \" or \\" >&2; exit 2;; esac

# The version being developed: `## [Unreleased] (X.Y.Z)` of CHANGELOG.md.
version=$(sed -n 's/^## \[Unreleased\] (\(.*\))$/\1/p' "$root/CHANGELOG.md" 2>/dev/null | head -n 1)
version=${version:-unreleased}
lower=$(echo "$code" | tr 'A-Z' 'a-z')
module="${lower}_$(echo "$name" | tr '-' '_')"
ty=$(echo "$name" | awk -F- '{ for (i = 1; i <= NF; i++) printf "%s%s", toupper(substr($i, 1, 1)), substr($i, 2) }')
table="$root/crates/pvelint-rules/src/rules/mod.rs"
rule="$root/crates/pvelint-rules/src/rules/$module.rs"
doc="$root/rules/$code.md"
cases="$root/testdata/rules/$code"

[ -f "$table" ] || { echo "$table not found (ROOT=$root)" >&2; exit 2; }
if grep -q "^    ${lower}_" "$table" || [ -e "$doc" ] || [ -e "$cases" ]; then
    echo "$code exists already (table line, rules/$code.md or testdata/rules/$code)" >&2
    exit 2
fi

cat >"$rule" <<RS
//! $code: $summary

use crate::context::Context;
use crate::Diagnostic;

crate::declare_rule!($ty, "$code", "$name", $sev, "$summary");

pub fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Read the model through ctx (its indexes, never a scan per object) and push
    // META.at(span, message) with the message built in one function of this file.
    let _ = (ctx, out);
}
RS

cat >"$doc" <<MD
# $code $name

## What it finds
$summary

## Why it matters
What Proxmox does with this, cited from its sources (repository, file, function).

## Example
\`\`\`
# the smallest config that shows it
\`\`\`

## How to fix
What the admin changes, and what to decide first.

## Automatic fix
None: TODO (Safe:, Unsafe: or None:, then why; the registry test refuses TODO)

## Related

## History
- $version: added.
MD

mkdir -p "$cases/fail_example" "$cases/pass_example"
for c in fail_example pass_example; do
    printf 'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n' >"$cases/$c/storage.cfg"
done

# The table line, in code order: before the first line whose module sorts after ours.
line="    $module::$ty,"
awk -v line="$line" -v module="$module" '
    !done && /^    [a-z][0-9][0-9][0-9]_[a-z0-9_]*::/ {
        m = $1; sub(/::.*/, "", m)
        if (m > module) { print line; done = 1 }
    }
    !done && /^}/ { print line; done = 1 }
    { print }
' "$table" >"$table.new"
mv "$table.new" "$table"

echo "created:"
echo "  ${rule#"$root"/}"
echo "  ${doc#"$root"/}"
echo "  ${cases#"$root"/}/fail_example, pass_example"
echo "  table line '$module::$ty' in ${table#"$root"/}"
