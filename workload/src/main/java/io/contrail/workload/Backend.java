package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * An uninstrumented dependency that services reach with CLIENT or PRODUCER spans: the PostgreSQL
 * database, the Redis-compatible cart store, the Kafka broker. Its attribute pairs are prebuilt.
 */
record Backend(String system, String address, int port, KeyValue systemNameKv, KeyValue legacySystemKv,
    KeyValue serverAddressKv, KeyValue serverPortKv, KeyValue peerAddressKv, KeyValue peerPortKv) {

  static Backend database(String system, String address, int port, String ip) {
    return new Backend(system, address, port, kv(DB_SYSTEM_NAME, system), kv(DB_SYSTEM, system),
        kv(SERVER_ADDRESS, address), kv(SERVER_PORT, (long) port), kv(NETWORK_PEER_ADDRESS, ip),
        kv(NETWORK_PEER_PORT, (long) port));
  }

  static Backend broker(String system, String address, int port, String ip) {
    return new Backend(system, address, port, kv(MESSAGING_SYSTEM, system), null,
        kv(SERVER_ADDRESS, address), kv(SERVER_PORT, (long) port), kv(NETWORK_PEER_ADDRESS, ip),
        kv(NETWORK_PEER_PORT, (long) port));
  }
}
