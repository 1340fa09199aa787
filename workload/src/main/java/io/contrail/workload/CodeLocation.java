package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;

/** Where an INTERNAL span is produced in a service's source: its span name and code.* pairs. */
record CodeLocation(String spanName, KeyValue functionKv, KeyValue fileKv, KeyValue lineKv,
    KeyValue threadNameKv) {

  CodeLocation(String spanName, String function, String file, int line, String threadName) {
    this(spanName, kv(CODE_FUNCTION_NAME, function), kv(CODE_FILE_PATH, file),
        kv(CODE_LINE_NUMBER, (long) line), kv(THREAD_NAME, threadName));
  }
}
