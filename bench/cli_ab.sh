#!/usr/bin/env bash
# Two builds of the telecluster binary, end to end on the same commands: a change's effect on
# whole runs (reading, every step, writing), side by side. hyperfine times each command
# (median of --runs); /usr/bin/time gives each one's peak resident memory.
#
# Usage: bench/cli_ab.sh BEFORE_BINARY AFTER_BINARY [RUNS]
# Data: telecluster generate (100k and 1M rows) into bench-data/cli/, made once.
set -euo pipefail
before=$1 after=$2 runs=${3:-5}
dir=bench-data/cli
mkdir -p "$dir"
[ -f "$dir/100k.csv" ] || "$after" generate --endpoints 100000 --anomalies 1000 --seed 1 -o "$dir/100k.csv"
[ -f "$dir/1m.csv" ] || "$after" generate --endpoints 1000000 --anomalies 5000 --seed 2 -o "$dir/1m.csv"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cases=(
    "demo -o $out/demo"
    "report $dir/100k.csv -o $out/r.html --json"
    "kmeans $dir/1m.csv --k 8 -o $out/k.csv"
    "dbscan $dir/1m.csv --eps 0.05 --min-samples 10 -o $out/d.csv"
    "dbscan $dir/1m.csv -o $out/d.csv"
    "hierarchy $dir/100k.csv --sample 20000 --cut-k 3 --json"
)
for c in "${cases[@]}"; do
    echo "== telecluster $c"
    hyperfine --style basic --warmup 1 --runs "$runs" -N \
        -n before "$before -q $c" -n after "$after -q $c" 2>&1 | grep -E "Time|±|faster|slower| before| after" || true
    for b in before after; do
        bin=$([ $b = before ] && echo "$before" || echo "$after")
        /usr/bin/time -f "$b peak RSS %M KiB" "$bin" -q $c >/dev/null 2>"$out/time" || true
        tail -1 "$out/time"
    done
done
