#!/usr/bin/env bash
# ttfb.sh JAR PORT LABEL: time to first byte and total of a 100M-row CSV answer, and the server's peak RSS.
set -euo pipefail
JAR=$1; PORT=$2; LABEL=$3
DATA=$(mktemp -d)
java -Xmx1g -jar "$JAR" serve --data "$DATA" --port "$PORT" --flight-port -1 --grpc-port -1 > "$DATA.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for i in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
peak=0
( while kill -0 $PID 2>/dev/null; do r=$(awk '/VmRSS/{print $2}' /proc/$PID/status 2>/dev/null || echo 0); echo $r; sleep 0.2; done ) > "$DATA.rss" &
SAMPLER=$!
curl -s -o /dev/null -w "$LABEL first_byte_s=%{time_starttransfer} total_s=%{time_total} bytes=%{size_download}\n" \
  -H 'Content-Type: application/json' -H 'Accept: text/csv' \
  -d '{"sql": "SELECT range AS n, '"'"'row '"'"' || range AS v FROM range(100000000)"}' "http://127.0.0.1:$PORT/api/sql"
kill $SAMPLER 2>/dev/null || true
echo "$LABEL peak_rss_mb=$(( $(sort -n "$DATA.rss" | tail -1) / 1024 ))"
rm -f "$DATA.rss"
