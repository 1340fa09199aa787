#!/bin/bash
# An application that puts IDs into attribute keys (issue 17, point 5): starts JAR (`contrail serve`, -Xmx1g, the
# launcher's GC pause target) on an empty folder, sends REQUESTS OTLP/JSON requests of 100 spans with 100 distinct
# keys each (100,000 keys for 10), then one normal span, and prints: each flood request's answer and time; the
# seconds from the normal span's acknowledgement until SQL sees it; the time of `count(*)`, `SELECT * … LIMIT 5`
# and a search by an overflowed key over HTTP (median of 5, curl's time_total); /health's attribute counters; the
# seconds a restart takes until the server listens and until it answers count(*); then `contrail compact` on the
# stopped folder.
#   usage: flood.sh JAR [REQUESTS]
JAR=$1; N=${2:-10}; W=$(mktemp -d /tmp/flood.XXXX); D=$W/data
JVM="--add-opens=java.base/java.nio=ALL-UNNAMED -Xmx1g -XX:MaxGCPauseMillis=30 ${JVM_EXTRA:-}"
python3 - "$W" "$N" <<'PY'
import json, sys, time
w, n = sys.argv[1], int(sys.argv[2])
t0 = int(time.time()) // 3600 * 3600 * 10**9
for r in range(n):
    spans = []
    for s in range(100):
        i = r * 100 + s
        attrs = [{"key": "http.route", "value": {"stringValue": "/cart"}}]
        attrs += [{"key": "cart.item.%05d-%03d" % (i, k), "value": {"stringValue": "qty-%d" % k}} for k in range(100)]
        spans.append({"traceId": "%032x" % (i + 1), "spanId": "%016x" % (i + 1), "name": "GET /cart", "kind": 2,
                      "startTimeUnixNano": str(t0 + i * 10**6), "endTimeUnixNano": str(t0 + i * 10**6 + 3 * 10**6),
                      "attributes": attrs})
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cart"}}]},
                               "scopeSpans": [{"spans": spans}]}]}
    open("%s/flood-%02d.json" % (w, r), "w").write(json.dumps(body))
normal = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
          "scopeSpans": [{"spans": [{"traceId": "%032x" % 999999, "spanId": "%016x" % 999999, "name": "POST /pay",
          "kind": 2, "startTimeUnixNano": str(t0), "endTimeUnixNano": str(t0 + 4 * 10**7)}]}]}]}
open("%s/normal.json" % w, "w").write(json.dumps(normal))
PY
url() { for i in $(seq 6000); do U=$(sed -n 's/^Contrail listening on \(http:[^ ]*\).*/\1/p' $1 | head -1); [ -n "$U" ] && break; sleep 0.05; done; echo $U; }
sql() { curl -s -o $W/answer.json -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
    --data-binary "$(python3 -c 'import json,sys;print(json.dumps({"sql":sys.argv[1]}))' "$1")" $URL/api/sql; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { for i in 1 2 3 4 5; do sql "$1" | cut -d' ' -f2; done | median; }
java $JVM -jar $JAR serve --data $D --port 0 --grpc-port 0 > $W/serve.log 2>&1 &
P=$!; URL=$(url $W/serve.log)
echo "flood: $N requests of 100 spans x 100 distinct keys, $(du -b $W/flood-00.json | cut -f1) bytes each"
for f in $W/flood-*.json; do
  curl -s -o /dev/null -w "  $(basename $f): HTTP %{http_code} in %{time_total} s\n" -H 'Content-Type: application/json' --data-binary @$f $URL/v1/traces
done
seen() { # $1: how many copies of the normal span SQL must see
  for i in $(seq 12000); do
    sql "SELECT count(*) FROM spans WHERE trace_id = '$(printf %032x 999999)'" > /dev/null
    grep -q "\[\[$1\]\]" $W/answer.json && break; sleep 0.02
  done; echo "$(date +%s.%N) - $t0" | bc; }
curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @$W/normal.json $URL/v1/traces; t0=$(date +%s.%N)
echo "a normal span sent after the flood is seen by SQL $(seen 1) s after its acknowledgement"
# The flood goes on: its first request again, new keys for nobody (every key is in the map now), the normal span
# sent right after it.
curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @$W/flood-00.json $URL/v1/traces
curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @$W/normal.json $URL/v1/traces; t0=$(date +%s.%N)
echo "while the flood goes on, a normal span is seen by SQL $(seen 2) s after its acknowledgement"
echo "count(*): $(timed 'SELECT count(*) FROM spans') s -> $(cat $W/answer.json)"
echo "SELECT * LIMIT 5: $(timed 'SELECT * FROM spans LIMIT 5') s ($(python3 -c 'import json;print(len(json.load(open("'$W/answer.json'"))["columns"]))') columns)"
echo "search by an overflowed key: $(for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$URL/api/search?attr=cart.item.00999-007%3Dqty-7"; done | median) s"
curl -s $URL/health | python3 -c 'import json,sys;h=json.load(sys.stdin);print("health:", {k: h[k] for k in ("attributeColumns","attributeColumnsLimit","attributeKeysOverflowed","files")})'
kill $P; wait $P
java $JVM -jar $JAR serve --data $D --port 0 --grpc-port 0 > $W/restart.log 2>&1 &
t0=$(date +%s.%N); P=$!; URL=$(url $W/restart.log)
echo "restart: listening after $(echo "$(date +%s.%N) - $t0" | bc) s"
sql 'SELECT count(*) FROM spans' > /dev/null
echo "restart: count(*) answered after $(echo "$(date +%s.%N) - $t0" | bc) s: $(cat $W/answer.json)"
kill $P; wait $P
/usr/bin/time -f "compact: %e s, %M kB max resident" java $JVM -jar $JAR compact --data $D 2>&1 | tail -3
[ -n "${KEEP_LOG:-}" ] && cp $W/serve.log $KEEP_LOG; [ -n "${KEEP_DATA:-}" ] && cp -r $D $KEEP_DATA; rm -rf $W
