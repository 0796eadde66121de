#!/usr/bin/env bash
# Whole-run benchmark of `pvelint check` against the I/O floor (`cat` of every file of the
# same tree, warm cache), on generated trees of 50, 1,000, 10,000 and 100,000 guests.
#
#   scripts/bench.sh                    # all sizes
#   SIZES="50 1000" scripts/bench.sh    # some sizes
#
# Environment: SIZES, SEED (1), BENCH_DIR (/tmp/pvelint-bench: trees and results are kept
# there and reused), CARGO_TARGET_DIR (target), FEATURES (e.g. mimalloc: build pvelint
# with these cargo features). Needs hyperfine (apt-get install -y
# hyperfine) and GNU time (/usr/bin/time). Writes a Markdown table to stdout and to
# $BENCH_DIR/results.md, hyperfine's JSON to $BENCH_DIR/hf-<size>.json.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"50 1000 10000 100000"}
SEED=${SEED:-1}
BENCH_DIR=${BENCH_DIR:-/tmp/pvelint-bench}
TARGET=${CARGO_TARGET_DIR:-target}

if ! command -v hyperfine >/dev/null; then
    echo "bench.sh: hyperfine is missing; installing it (apt-get install -y hyperfine)" >&2
    apt-get install -y hyperfine >/dev/null
fi
[ -x /usr/bin/time ] || { echo "bench.sh: GNU time (/usr/bin/time) is required (apt-get install -y time)" >&2; exit 2; }

cargo build --release -q -p pvelint -p pvelint-gen ${FEATURES:+--features "pvelint/$FEATURES"}
PVELINT="$TARGET/release/pvelint"
GEN="$TARGET/release/pvelint-gen"
mkdir -p "$BENCH_DIR"

out="$BENCH_DIR/results.md"
{
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB; $(uname -sr); pvelint $(git rev-parse --short HEAD 2>/dev/null || echo "(no git)")${FEATURES:+ with features $FEATURES}"
    echo
    echo "| guests | nodes | files | MiB | diagnostics | cat floor ms | check --format json ms | ratio | MB/s | files/s | check (full) ms | peak RSS MiB | RSS limit MiB (4 x size + 20 MB) |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} | tee "$out"

for g in $SIZES; do
    tree="$BENCH_DIR/g$g-s$SEED"
    if [ ! -d "$tree/pve" ]; then
        rm -rf "$tree"
        "$GEN" --guests "$g" --seed "$SEED" "$tree" >/dev/null
    fi
    args=("$tree/pve")
    for f in "$tree"/vzdump/*.conf; do
        n=$(basename "$f" .conf)
        args+=(--vzdump-conf "$n=$f")
    done
    files=$(find "$tree" -type f | wc -l)
    bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
    nodes=$(ls "$tree/vzdump" | wc -l)
    # Warm the cache, count the diagnostics.
    find "$tree" -type f -exec cat {} + >/dev/null
    diags=$("$PVELINT" check --format json "${args[@]}" | grep -c '"code":' || true)

    if [ "$g" -ge 100000 ]; then runs=(--warmup 1 --runs 5); elif [ "$g" -ge 10000 ]; then runs=(--warmup 2 --runs 10); else runs=(--warmup 5 --min-runs 30); fi
    # hyperfine runs each command through sh and subtracts the cost of starting sh.
    json_cmd=$(printf '%q ' "$PVELINT" check --format json "${args[@]}")
    full_cmd=$(printf '%q ' "$PVELINT" check --color never "${args[@]}")
    hyperfine -i "${runs[@]}" --export-json "$BENCH_DIR/hf-$g.json" \
        -n cat "find $tree -type f -exec cat {} +" -n json "$json_cmd" -n full "$full_cmd" \
        >"$BENCH_DIR/hf-$g.txt" 2>&1 || { cat "$BENCH_DIR/hf-$g.txt" >&2; exit 1; }
    read -r cat_ms json_ms full_ms < <(python3 - "$BENCH_DIR/hf-$g.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
print(f'{r["cat"]:.2f} {r["json"]:.2f} {r["full"]:.2f}')
PY
)
    rss_kb=$(/usr/bin/time -v "$PVELINT" check --format json "${args[@]}" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); print $2}' || true)
    python3 - "$g" "$nodes" "$files" "$bytes" "$diags" "$cat_ms" "$json_ms" "$full_ms" "$rss_kb" <<'PY' | tee -a "$out"
import sys
g, nodes, files, size, diags = (int(x) for x in sys.argv[1:6])
cat_ms, json_ms, full_ms = (float(x) for x in sys.argv[6:9])
rss = int(sys.argv[9]) * 1024
limit = 4 * size + 20e6
print(f"| {g:,} | {nodes} | {files:,} | {size/2**20:.1f} | {diags:,} | {cat_ms:.1f} | {json_ms:.1f} | {json_ms/cat_ms:.2f} | "
      f"{size/1e6/(json_ms/1000):.0f} | {files/(json_ms/1000):,.0f} | {full_ms:.1f} | {rss/2**20:.1f} | {limit/2**20:.1f} |")
PY
done

# Scaling: each size's json time against the 10,000-guest time (target: 100,000 guests
# at most 11 times 10,000).
python3 - "$BENCH_DIR" $SIZES <<'PY' | tee -a "$out"
import json, os, sys
d, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
t = {}
for g in sizes:
    p = os.path.join(d, f"hf-{g}.json")
    r = {x["command"]: x["mean"] for x in json.load(open(p))["results"]}
    t[g] = r["json"]
if 10000 in t:
    print()
    print("scaling of check --format json against 10,000 guests: " + ", ".join(f"{g:,}: {t[g] / t[10000]:.2f}x" for g in sizes))
PY
