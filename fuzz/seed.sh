#!/bin/sh
# Builds the seed corpora of the fuzz targets from testdata/ (corpus/ is not committed).
# Usage: fuzz/seed.sh   then   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET -- -max_total_time=300
set -eu
cd "$(dirname "$0")"
T=../testdata
seed() { # seed TARGET FILE...
    t=$1; shift
    mkdir -p "corpus/$t"
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "corpus/$t/$(sha1sum < "$f" | cut -c1-16)"
    done
}
seed section_config $T/parse/jobs/* $T/parse/replication/* $T/parse/ha/* \
    $(find $T/rules $T/incident \( -name storage.cfg -o -name jobs.cfg -o -name replication.cfg -o -path '*/ha/*.cfg' \) -type f)
seed guest $T/parse/guest/* $(find $T/rules $T/incident -path '*/nodes/*/*/*.conf' -type f)
seed vzdump_conf $T/parse/vzdump/* $T/incident/vzdump.conf $(find $T/rules -path '*/vzdump/*.conf' -type f)
seed cron $T/parse/cron/* $(find $T/rules -name vzdump.cron -type f)
seed corosync $T/parse/corosync/* $(find $T/rules $T/incident -name corosync.conf -type f)
seed datacenter $T/parse/datacenter/* $(find $T/rules $T/incident -name datacenter.cfg -type f)
seed mapping $T/parse/mapping/* $(find $T/rules $T/healthy -path '*/mapping/*.cfg' -type f)
seed sdn $T/parse/sdn/* $(find $T/rules $T/healthy -path '*/sdn/*' -type f)
seed firewall $T/parse/firewall/* $(find $T/rules $T/healthy -name '*.fw' -type f)
seed user $T/parse/user/* $(find $T/rules -name user.cfg -type f)
# Values of guest lines for the property-string and volume targets.
mkdir -p corpus/propstring corpus/volume corpus/calendar corpus/tree
find $T -path '*nodes/*/*/*.conf' -type f -o -path '*/parse/guest/*' -type f | xargs cat \
    | sed -n 's/^[a-z0-9]*: //p' | sort -u | head -400 | while IFS= read -r v; do
    h=$(printf '%s' "$v" | sha1sum | cut -c1-16)
    printf '%s' "$v" > corpus/propstring/$h
    printf '%s' "${v%%,*}" > corpus/volume/$h
done
# Schedules of jobs and replication, plus the forms Proxmox documents.
{ grep -rhs 'schedule' $T | sed 's/.*schedule[: ]*//'
  printf '%s\n' 'mon..fri 02:00' '*/15' 'sat 03:30' '*-*-01 00:00' 'hourly' 'daily' 'weekly' 'monthly' \
    'yearly' 'mon,wed,fri 1..5:0/10' '2024-01-01 12:00:00' '0/5' '21:00' 'sun 01:00..03:00/30' '~'; } \
    | sort -u | while IFS= read -r v; do printf '%s' "$v" > corpus/calendar/$(printf '%s' "$v" | sha1sum | cut -c1-16); done
# Whole trees: each rules case and the incident tree, files as `==> PATH <==` records.
for dir in $(find $T/rules -mindepth 2 -maxdepth 2 -type d) $T/incident/pve; do
    out=corpus/tree/$(echo "$dir" | sha1sum | cut -c1-16)
    : > "$out"
    (cd "$dir" && find . -type f | sort | sed 's|^\./||') | while IFS= read -r p; do
        case "$p" in vzdump/*) name=vzdump.conf ;; *) name=$p ;; esac
        printf '==> %s <==\n' "$name" >> "$out"
        cat "$dir/$p" >> "$out"
    done
done
for t in corpus/*; do echo "$t: $(ls "$t" | wc -l) seeds"; done
