#!/usr/bin/env bash
# ab.sh: /api/search, /api/traces/ID and a 10k-row JSON SQL page against two servers on copies of the same data,
# requests alternating between them; prints the median time per route and server.
set -euo pipefail
cd "$(dirname "$0")"
java -Xmx1g -jar old.jar serve --data B --port 18451 --grpc-port -1 --flight-port -1 > old.log 2>&1 & OLD=$!
java -Xmx1g -jar new.jar serve --data A --port 18452 --grpc-port -1 --flight-port -1 > new.log 2>&1 & NEW=$!
trap 'kill $OLD $NEW 2>/dev/null; wait 2>/dev/null' EXIT
for p in 18451 18452; do for i in $(seq 1 120); do curl -sf http://127.0.0.1:$p/health >/dev/null && break; sleep 0.5; done; done
IDS=$(curl -s 'http://127.0.0.1:18452/api/search?limit=20' | python3 -c 'import json,sys; print(" ".join(t["traceId"] for t in json.load(sys.stdin)["traces"]))')
declare -A times
for round in $(seq 1 ${ROUNDS:-30}); do
  for p in 18451 18452; do
    label=$([ $p = 18451 ] && echo old || echo new)
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$p/api/search?limit=20&service=frontend"); times[search_$label]+="$t "
    id=$(echo $IDS | cut -d' ' -f$(( round % 20 + 1 )))
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$p/api/traces/$id"); times[trace_$label]+="$t "
    t=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' -d '{"sql":"SELECT * FROM spans LIMIT 10000"}' "http://127.0.0.1:$p/api/sql"); times[sql10k_$label]+="$t "
  done
done
for k in search_old search_new trace_old trace_new sql10k_old sql10k_new; do
  echo "$k median_s=$(echo ${times[$k]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
done
