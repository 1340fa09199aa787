package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * An HTTP route of a service. The server span is named {@code "POST /getquote"}, the client span
 * just {@code "POST"}, as the HTTP semantic conventions ask; {@code urlBase} is what a caller puts
 * in front of the query string to form {@code url.full}.
 */
record HttpEndpoint(Service service, KeyValue methodKv, KeyValue routeKv, KeyValue pathKv,
    String serverSpanName, String clientSpanName, String urlBase, int typicalResponseBytes) {

  HttpEndpoint(Service service, String method, String route, int typicalResponseBytes) {
    this(service, kv(HTTP_REQUEST_METHOD, method), kv(HTTP_ROUTE, route), kv(URL_PATH, route),
        method + " " + route, method,
        "http://" + service.name() + ":" + service.port() + route, typicalResponseBytes);
  }
}
