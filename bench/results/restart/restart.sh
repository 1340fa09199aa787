#!/bin/bash
# Restart after kill -9 with a (nearly) full buffer: starts JAR (`contrail serve`, -Xmx1g, the launcher's GC
# pause target) on DATA, loads it with bench/load's driver (8 clients, 600,000 spans, a random seed) while
# polling /health every 50 ms, kills it with SIGKILL once more than KILL_AT spans are buffered, starts a new
# server on the same folder and prints the seconds from the kill until it listens and until /health says
# nothing is buffered (every recovered span written to Parquet).
#   usage: KILL_AT=190000 SERVE_ARGS="--max-buffered-spans 200000" restart.sh JAR DATA
# DATA should hold spans already (e.g. a copy of a threads.sh data folder); it keeps what each run adds.
# Needs bench/load/target/contrail-load.jar (mvn -pl bench/load -am package).
JAR=$1; D=$2; L=$(mktemp -d /tmp/restart.XXXX)
LOAD=$(cd "$(dirname "$0")/../../.." && pwd)/bench/load/target/contrail-load.jar
JVM="--add-opens=java.base/java.nio=ALL-UNNAMED -Xmx1g -XX:MaxGCPauseMillis=30"
url() { for i in $(seq 1200); do U=$(sed -n 's/^Contrail listening on \(http:[^ ]*\).*/\1/p' $1 | head -1); [ -n "$U" ] && break; sleep 0.05; done; echo $U; }
buffered() { curl -s $1/health | python3 -c 'import json,sys;print(json.load(sys.stdin)["spansBuffered"])' 2>/dev/null; }
java $JVM -jar $JAR serve --data $D --port 0 --grpc-port 0 ${SERVE_ARGS:-} > $L/first.log 2>&1 &
P=$!; URL=$(url $L/first.log)
java -Xmx3g -jar $LOAD --url $URL --clients 8 --spans 600000 --seed $RANDOM > $L/load.txt 2>&1 &
LP=$!
for i in $(seq 400); do b=$(buffered $URL); [ "${b:-0}" -gt "${KILL_AT:-150000}" ] && break; sleep 0.05; done
kill -9 $P; wait $P 2>/dev/null; t0=$(date +%s.%N); kill $LP
echo "killed with $b buffered"
java $JVM -jar $JAR serve --data $D --port 0 --grpc-port 0 ${SERVE_ARGS:-} > $L/restart.log 2>&1 &
P=$!; URL=$(url $L/restart.log)
echo "listening after $(echo "$(date +%s.%N) - $t0" | bc) s"
for i in $(seq 1200); do [ "$(buffered $URL)" = "0" ] && break; sleep 0.05; done
echo "nothing buffered after $(echo "$(date +%s.%N) - $t0" | bc) s"
kill $P; wait $P
