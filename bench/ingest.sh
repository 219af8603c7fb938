#!/usr/bin/env bash
# Access logs to per-endpoint features, side by side with GoAccess computing its per-URL report
# (the REQUESTS panel, query strings dropped as telecluster drops them) on the same file, in
# the same run: wall time, throughput and peak memory of each, for 1M and 10M lines.
#
# Usage: bench/ingest.sh [SIZES...]   (default: 1000000 10000000)
# Needs: cargo, Debian's goaccess. Data: a synthetic nginx log (combined + request and
# upstream times, 40 routes with ids) made once into bench-data/logs/ by the access_log example.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000000 10000000}")
[ $# -eq 0 ] && sizes=(1000000 10000000)
cargo build --release --quiet -p telecluster-cli
cargo build --release --quiet -p telecluster --example access_log
tc=target/release/telecluster
dir=bench-data/logs
mkdir -p "$dir"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
goaccess --version | head -1
echo "threads: $(nproc)"
printf '%-10s %-12s %10s %14s %12s\n' lines tool seconds lines/s "peak RSS"
for n in "${sizes[@]}"; do
    log="$dir/access-$n.log"
    [ -f "$log" ] || target/release/examples/access_log "$n" 1 > "$log"
    cat "$log" > /dev/null # warm the page cache for both tools alike
    /usr/bin/time -f "%e %M" -o "$out/tc.time" "$tc" -q ingest logs "$log" -o "$out/features.csv"
    /usr/bin/time -f "%e %M" -o "$out/ga.time" goaccess "$log" --no-global-config --no-progress \
        --log-format='%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %T %^' --date-format='%d/%b/%Y' --time-format='%H:%M:%S' \
        --no-query-string --ignore-panel=VISITORS --ignore-panel=REFERRERS --ignore-panel=REFERRING_SITES \
        --ignore-panel=OS --ignore-panel=BROWSERS --ignore-panel=VISIT_TIMES --ignore-panel=KEYPHRASES \
        --ignore-panel=STATUS_CODES --ignore-panel=REMOTE_USER --ignore-panel=CACHE_STATUS --ignore-panel=GEO_LOCATION \
        --ignore-panel=MIME_TYPE --ignore-panel=TLS_TYPE --ignore-panel=HOSTS --ignore-panel=NOT_FOUND \
        --ignore-panel=STATIC_REQUESTS -o "$out/goaccess.json" >/dev/null 2>&1
    read -r tc_s tc_kb < "$out/tc.time"
    read -r ga_s ga_kb < "$out/ga.time"
    for row in "telecluster $tc_s $tc_kb" "goaccess $ga_s $ga_kb"; do
        set -- $row
        printf '%-10s %-12s %10s %14.0f %9.1f MB\n' "$n" "$1" "$2" "$(echo "$n / $2" | bc -l)" "$(echo "$3 / 1024" | bc -l)"
    done
    printf '%-10s throughput ratio: telecluster %.1fx GoAccess\n' "$n" "$(echo "$ga_s / $tc_s" | bc -l)"
    echo "$n $tc_kb" >> "$out/peaks"
done
if [ "$(wc -l < "$out/peaks")" -ge 2 ]; then
    read -r _ first < <(head -1 "$out/peaks")
    read -r _ last < <(tail -1 "$out/peaks")
    printf 'telecluster peak memory, largest vs smallest log: %.2fx\n' "$(echo "$last / $first" | bc -l)"
fi
