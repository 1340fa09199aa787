package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;

/** A Kafka topic: span names and the destination pair, and how many partitions it has. */
record MessageTopic(String sendSpanName, String processSpanName, KeyValue destinationKv,
    int partitions) {

  MessageTopic(String name, int partitions) {
    this("send " + name, "process " + name, kv(MESSAGING_DESTINATION_NAME, name), partitions);
  }
}
