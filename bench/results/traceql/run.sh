#!/usr/bin/env bash
# TraceQL beside the equivalent SQL on the 10M-span seeded workload: the latency of a TraceQL search (Contrail's
# /api/search?q= and Tempo's /tempo/api/search?q=) and of a TraceQL metrics query (/tempo/api/metrics/query_range)
# against the SQL an analyst would write for the same answer (/api/sql), in the same server, rounds interleaved.
#
#   bench/results/traceql/run.sh [--spans N] [--rounds R] [--data DIR]
#
#   --spans N    spans to load with bench/load/run (default 10000000)
#   --rounds R   timed rounds after one warm-up round (default 5); each round asks every question of every path
#   --data DIR   query an existing data folder instead of loading one (kept as it is)
#
# The search answers are checked to hold the same traces in the same order; the metrics answers the same values.
# Prints one line per question and path (median and every round, in ms) and the ratio of TraceQL to SQL.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
spans=10000000
rounds=5
data=""
while [ $# -gt 0 ]; do
  case "$1" in
    --spans) spans="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/contrail-traceql.XXXXXX")"
if [ -z "$data" ]; then
  echo "loading $spans spans (bench/load/run) …" >&2
  "$repo/bench/load/run" --keep --spans "$spans" > "$work/load.txt"
  data="$(sed -n 's/^  kept: \([^ ]*\) (server log.*/\1/p' "$work/load.txt")"
fi
cp "$repo/http/target/contrail.jar" "$work/contrail.jar"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java --add-opens=java.base/java.nio=ALL-UNNAMED -Xmx2g -jar "$work/contrail.jar" serve --data "$data" --port "$port" \
    --grpc-port -1 --flight-port -1 > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  curl -sf "$url/health" > /dev/null && break
  kill -0 $pid 2>/dev/null || { echo "run.sh: the server stopped:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.5
done
echo "waiting for the compaction to catch up …" >&2
for _ in $(seq 1 1200); do
  pending=$(curl -sf "$url/health" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("compactionPending", 0))')
  [ "$pending" = "0" ] && break
  sleep 1
done

URL="$url" ROUNDS="$rounds" COMMIT="$(git -C "$repo" rev-parse --short HEAD)" python3 - <<'EOF'
import json, os, statistics, subprocess, time, urllib.parse, urllib.request

url, rounds = os.environ["URL"], int(os.environ["ROUNDS"])

def get(path):
    started = time.perf_counter()
    with urllib.request.urlopen(url + path, timeout=600) as r:
        body = r.read()
    return (time.perf_counter() - started) * 1000, json.loads(body)

def sql(statement):
    started = time.perf_counter()
    request = urllib.request.Request(url + "/api/sql", data=json.dumps({"sql": statement}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as r:
        body = r.read()
    return (time.perf_counter() - started) * 1000, json.loads(body)

def q(value):
    return urllib.parse.quote(value, safe="")

_, bounds = sql("SELECT epoch_ns(min(start_time)), epoch_ns(max(start_time)), count(*) FROM spans")
first, last, total = bounds["rows"][0]
_, probe = sql('SELECT "attr.user.id" FROM spans WHERE "attr.user.id" IS NOT NULL ORDER BY trace_id LIMIT 1 OFFSET 5000')
user = probe["rows"][0][0]
start_s, end_s = first // 1_000_000_000, last // 1_000_000_000 + 1
window_sql = f"start_time >= make_timestamp_ns({start_s * 1_000_000_000}) AND start_time <= make_timestamp_ns({end_s * 1_000_000_000 + 999_999_999})"
window = f"start={start_s}&end={end_s}"
print(f"store: {total:,} spans from {start_s} to {end_s} (Unix s); probe user {user}; commit {os.environ['COMMIT']}")

def search_sql(condition):
    # The newest 20 traces with a matching span in the window, ordered by their start in the window, summarized whole.
    return (f"WITH m AS (SELECT DISTINCT trace_id FROM spans WHERE {window_sql} AND {condition}), "
            f"t AS (SELECT trace_id, min(start_time) AS st FROM spans WHERE {window_sql} AND trace_id IN "
            f"(SELECT trace_id FROM m) GROUP BY trace_id ORDER BY st DESC, trace_id LIMIT 20) "
            "SELECT trace_id, epoch_ns(min(start_time)) AS s, count(*), count(*) FILTER (WHERE status_code = 'ERROR'), "
            "list_sort(list(DISTINCT service_name)), arg_min(service_name, start_time) FILTER (WHERE parent_span_id IS NULL), "
            "arg_min(name, start_time) FILTER (WHERE parent_span_id IS NULL) FROM spans WHERE trace_id IN "
            "(SELECT trace_id FROM t) GROUP BY trace_id ORDER BY s DESC, trace_id")

searches = [
    ("needle: one user's spans", f'{{ span.user.id = "{user}" }}', f"\"attr.user.id\" = '{user}'"),
    ("service, route and duration", '{ resource.service.name = "frontend" && span.http.route = "/api/cart" && duration > 500ms }',
     "service_name = 'frontend' AND \"attr.http.route\" = '/api/cart' AND duration_nanos > 500000000"),
    ("every failed span", "{ status = error }", "status_code = 'ERROR'"),
    ("a failed child of a frontend span", '{ resource.service.name = "frontend" } > { status = error }',
     "span_id IN (SELECT c.span_id FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id "
     f"WHERE {window_sql.replace('start_time', 'c.start_time')} AND p.service_name = 'frontend' AND c.status_code = 'ERROR')"),
]
step = max(60, (end_s - start_s) // 240)
intervals_start = start_s * 1_000_000_000
metrics = [
    ("error rate by service", "{ status = error } | rate() by (resource.service.name)",
     "SELECT service_name, (epoch_ns(start_time) - {s} - 1) // {step} AS i, sum(sample_weight) / {secs} FROM spans "
     "WHERE status_code = 'ERROR' AND epoch_ns(start_time) > {s} AND epoch_ns(start_time) <= {e} GROUP BY ALL"),
]

questions = []
for name, traceql, condition in searches:
    statement = search_sql(condition)
    questions.append((name, [
        ("sql", lambda st=statement: sql(st)),
        ("traceql /api/search", lambda t=traceql: get(f"/api/search?q={q(t)}&limit=20&start={start_s}000&end={end_s}999")),
        ("traceql /tempo/api/search", lambda t=traceql: get(f"/tempo/api/search?q={q(t)}&limit=20&{window}")),
    ]))
for name, traceql, template in metrics:
    def range_query(t=traceql):
        return get(f"/tempo/api/metrics/query_range?q={q(t)}&{window}&step={step}s")
    # The SQL over the intervals the range query used: read them off its answer's first sample.
    questions.append((name, [("traceql /tempo/api/metrics/query_range", range_query), ("sql", None)]))

times = {}
answers = {}
for r in range(rounds + 1):
    for name, paths in questions:
        # Each round starts a question with another of its paths: the request after a heavy one (the structural
        # search before the metrics query) pays for it, and a fixed order would bill one path only.
        for label, call in paths[r % len(paths):] + paths[:r % len(paths)]:
            if call is None:
                ms, answer = answers[(name, "traceql /tempo/api/metrics/query_range")]
                first_ms = min(int(s["timestampMs"]) for series in answer["series"] for s in series["samples"])
                aligned = (first_ms - step * 1000) * 1_000_000
                end_ns = max(int(s["timestampMs"]) for series in answer["series"] for s in series["samples"]) * 1_000_000
                statement = [m for m in metrics if m[0] == name][0][2].format(s=aligned, e=end_ns, step=step * 1_000_000_000, secs=step)
                call = lambda st=statement: sql(st)
            ms, answer = call()
            answers[(name, label)] = (ms, answer)
            if r > 0:
                times.setdefault((name, label), []).append(ms)

def trace_ids(label, answer):
    if label == "sql":
        return [row[0] for row in answer["rows"]]
    if label == "traceql /api/search":
        return [t["traceId"] for t in answer["traces"]]
    return [t["traceID"].rjust(32, "0") for t in answer["traces"]]

print(f"{rounds} timed rounds after a warm-up round; median (every round) in ms")
for name, paths in questions:
    ids = {}
    for label, _ in paths:
        ts = times[(name, label)]
        print(f"{name:40s} {label:40s} {statistics.median(ts):9.1f}   ({', '.join(f'{t:.0f}' for t in ts)})")
        if not label.startswith("traceql /tempo/api/metrics") and not (label == "sql" and name in [m[0] for m in metrics]):
            ids[label] = trace_ids(label, answers[(name, label)][1])
    if ids:
        same = all(v == ids["sql"] for v in ids.values())
        print(f"{'':40s} same {len(ids['sql'])} traces in the same order on every path: {same}")
    else:
        traceql_answer = answers[(name, "traceql /tempo/api/metrics/query_range")][1]
        got = {(series["labels"][0]["value"]["stringValue"], int(s["timestampMs"])): s["value"]
               for series in traceql_answer["series"] for s in series["samples"] if s["value"] != 0}
        first_ms = min(int(s["timestampMs"]) for series in traceql_answer["series"] for s in series["samples"])
        expected = {(row[0], first_ms + int(row[1]) * step * 1000): row[2] for row in answers[(name, "sql")][1]["rows"]}
        same = got.keys() == expected.keys() and all(abs(got[k] - expected[k]) < 1e-9 * max(1, abs(expected[k])) for k in got)
        print(f"{'':40s} same {len(expected)} non-zero samples on both paths: {same}")
    sql_ms = statistics.median(times[(name, "sql")])
    for label, _ in paths:
        if label != "sql":
            print(f"{'':40s} {label} / sql = {statistics.median(times[(name, label)]) / sql_ms:.2f}")
EOF
