package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.RPC_METHOD;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;

/** A gRPC method of a service, e.g. {@code oteldemo.CartService/GetCart}; span names follow it. */
record RpcMethod(Service service, String spanName, KeyValue methodKv) {

  RpcMethod(Service service, String method) {
    this(service, service.rpcService() + "/" + method, kv(RPC_METHOD, method));
  }
}
