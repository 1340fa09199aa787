#!/bin/bash
# Server CPU per span from request to compacted Parquet, by thread: starts JAR (`contrail serve`, -Xmx1g,
# a fresh data folder under /tmp, left in place), sends SPANS spans with bench/load's driver (8 clients,
# protobuf, seed 42), waits until /health says nothing is buffered and no merge is pending, then sums
# utime+stime of each of the server's threads from /proc (digits folded, so "GC Thread#0" and "#1" add
# up) and divides by SPANS. DuckDB's worker threads show as "java".
#   usage: threads.sh JAR SPANS [server JVM options]
#   SERVE_ARGS="--compact-interval 1s" threads.sh …   (serve options; default: none, as shipped)
# Needs bench/load/target/contrail-load.jar (mvn -pl bench/load -am package).
JAR=$1; N=$2; shift 2
W=$(mktemp -d /tmp/thr.XXXX); mkdir $W/data; cp $JAR $W/c.jar
java --add-opens=java.base/java.nio=ALL-UNNAMED -Xmx1g "$@" -jar $W/c.jar serve --data $W/data --port 0 --grpc-port 0 ${SERVE_ARGS:-} > $W/log 2>&1 &
P=$!
for i in $(seq 600); do URL=$(sed -n 's/^Contrail listening on \(http:[^ ]*\).*/\1/p' $W/log|head -1); [ -n "$URL" ] && break; sleep 0.1; done
echo "server $P $URL $W"
java -Xmx3g -jar $(cd "$(dirname "$0")/../../.." && pwd)/bench/load/target/contrail-load.jar --url $URL --server-pid $P --clients 8 --spans $N > $W/load.txt 2>&1
grep -E "acknowledged  |throughput|server  |into Parquet" $W/load.txt
t0=$(date +%s.%N)
for i in $(seq 1200); do H=$(curl -s $URL/health); b=$(echo "$H" | python3 -c 'import json,sys;h=json.load(sys.stdin);print(h.get("spansBuffered",h.get("bufferedSpans","?")), h.get("compactionPending","?"))'); [ "$b" = "0 0" ] && break; sleep 0.5; done
echo "caught up after $(echo "$(date +%s.%N) - $t0" | bc) s: $b"
python3 - $P $N <<'PY'
import os,re,sys,collections
pid,n=sys.argv[1],int(sys.argv[2]); hz=os.sysconf('SC_CLK_TCK')
agg=collections.Counter(); tot=0
for t in os.listdir(f'/proc/{pid}/task'):
    try:
        comm=open(f'/proc/{pid}/task/{t}/comm').read().strip()
        st=open(f'/proc/{pid}/task/{t}/stat').read(); st=st[st.rindex(')')+2:].split()
        c=(int(st[11])+int(st[12]))/hz
    except Exception: continue
    agg[re.sub(r'\d+','N',comm)]+=c
st=open(f'/proc/{pid}/stat').read(); st=st[st.rindex(')')+2:].split()
proc=(int(st[11])+int(st[12])+int(st[13])+int(st[14]))/hz
for k,c in agg.most_common(18): print(f"{c:8.2f} s {c*1e6/n:7.2f} us/span  {k}")
print(f"process total {proc:.2f} s = {proc*1e6/n:.2f} us/span (incl. exited threads)")
PY
curl -s $URL/health | head -c 600; echo
kill $P; wait $P
