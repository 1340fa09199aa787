#!/bin/bash
# The needle questions of issue 17 and what bounds them, over HTTP, against `contrail serve --port 18080` on a
# data folder (the median of N requests each, Hammer.java). usage: N=21 needles.sh
cd "$(dirname "$0")"
T=d62e7e5369b610a945d4cbc1f8711c2f; U=u1168228; N=${N:-31}
q() { printf '%-60s ' "$1"; java Hammer.java "$2" $N; }
q "select 1" "SELECT 1"
q "trace *, ordered (suite)" "SELECT * FROM spans WHERE trace_id = '$T' ORDER BY start_time, span_id"
q "trace *" "SELECT * FROM spans WHERE trace_id = '$T'"
q "trace 2 cols" "SELECT trace_id, span_id FROM spans WHERE trace_id = '$T'"
q "trace count" "SELECT count(*) FROM spans WHERE trace_id = '$T'"
q "user.id (suite)" "SELECT trace_id, span_id, service_name, name, start_time, duration_nanos FROM spans WHERE \"attr.user.id\" = '$U' ORDER BY start_time, span_id"
q "user.id count" "SELECT count(*) FROM spans WHERE \"attr.user.id\" = '$U'"
q "user.id count, absent user" "SELECT count(*) FROM spans WHERE \"attr.user.id\" = 'nobody-at-all'"
q "count start<2000 (stats prune all)" "SELECT count(*) FROM spans WHERE start_time < TIMESTAMP '2000-01-01'"
q "count duration=-5" "SELECT count(*) FROM spans WHERE duration_nanos = -5"
q "session absent" "SELECT count(*) FROM spans WHERE \"attr.session.id\" = 'nobody-at-all'"
