package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;

/** A Redis command the cart service sends, with its key sanitised as the instrumentation does. */
record CacheCommand(String spanName, KeyValue operationKv, KeyValue textKv, KeyValue legacyStatementKv,
    boolean isRead) {

  CacheCommand(String command, boolean isRead) {
    this(command, kv(DB_OPERATION_NAME, command), kv(DB_QUERY_TEXT, command + " ?"),
        kv(DB_STATEMENT, command), isRead);
  }
}
