package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.contrail.workload.Shoppers.Session;
import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * The frontend's own spans: the SERVER span of an incoming request (the root of every trace) and
 * the Next.js INTERNAL spans under it, named and attributed the way Next.js instruments itself.
 */
final class FrontendSpans {

  /** A frontend route: the root SERVER span and the Next.js span that handles it. */
  record Route(String spanName, KeyValue methodKv, KeyValue routeKv, KeyValue nextRouteKv,
      KeyValue nextSpanTypeKv, KeyValue nextSpanNameKv, CodeLocation handler,
      int typicalResponseBytes) {

    static Route api(String method, String route, String nextRoute, String file,
        int typicalResponseBytes) {
      String handlerSpan = "executing api route (pages) " + nextRoute;
      return new Route(method + " " + route, kv(HTTP_REQUEST_METHOD, method),
          kv(HTTP_ROUTE, route), kv(NEXT_ROUTE, nextRoute), kv(NEXT_SPAN_TYPE, "Node.runHandler"),
          kv(NEXT_SPAN_NAME, handlerSpan),
          new CodeLocation(handlerSpan, "handler", file, 12, "main"), typicalResponseBytes);
    }

    static Route page(String route, String file, int typicalResponseBytes) {
      String handlerSpan = "render route (pages) " + route;
      return new Route("GET " + route, AttributePools.METHOD_GET, kv(HTTP_ROUTE, route),
          kv(NEXT_ROUTE, route), kv(NEXT_SPAN_TYPE, "BaseServer.renderToResponse"),
          kv(NEXT_SPAN_NAME, handlerSpan),
          new CodeLocation(handlerSpan, "renderToHTML", file, 1, "main"), typicalResponseBytes);
    }
  }

  static final Route HOME = Route.page("/", "/app/pages/index.tsx", 48_000);
  static final Route PRODUCT = Route.api("GET", "/api/products/{productId}",
      "/api/products/[productId]", "/app/pages/api/products/[productId]/index.ts", 900);
  static final Route RECOMMENDATIONS = Route.api("GET", "/api/recommendations",
      "/api/recommendations", "/app/pages/api/recommendations.ts", 3_600);
  static final Route ADS = Route.api("GET", "/api/data", "/api/data", "/app/pages/api/data.ts", 400);
  static final Route VIEW_CART = Route.api("GET", "/api/cart", "/api/cart",
      "/app/pages/api/cart.ts", 1_200);
  static final Route ADD_TO_CART = Route.api("POST", "/api/cart", "/api/cart",
      "/app/pages/api/cart.ts", 1_200);
  static final Route SHIPPING = Route.api("GET", "/api/shipping", "/api/shipping",
      "/app/pages/api/shipping.ts", 150);
  static final Route CURRENCIES = Route.api("GET", "/api/currency", "/api/currency",
      "/app/pages/api/currency.ts", 200);
  static final Route CHECKOUT = Route.api("POST", "/api/checkout", "/api/checkout",
      "/app/pages/api/checkout.ts", 2_400);

  static final CodeLocation RESOLVE_PAGE_COMPONENTS = new CodeLocation("resolve page components",
      "findPageComponents", "/app/node_modules/next/dist/server/next-server.js", 614, "main");
  static final CodeLocation START_RESPONSE = new CodeLocation("start response",
      "sendResponse", "/app/node_modules/next/dist/server/send-response.js", 31, "main");

  private static final Latency REQUEST_SELF = Latency.millis(1.5, 0.5);
  private static final Latency API_HANDLER_SELF = Latency.micros(700, 0.6);
  private static final Latency PAGE_RENDER_SELF = Latency.millis(14, 0.5);
  private static final Latency STEP_SELF = Latency.micros(300, 0.7);
  private static final KeyValue PROXY_ADDRESS = kv(SERVER_ADDRESS, "frontend-proxy");
  private static final KeyValue PROXY_PORT = kv(SERVER_PORT, 8080L);
  private static final KeyValue PROXY_PEER_ADDRESS = kv(NETWORK_PEER_ADDRESS, "10.244.2.9");
  private static final KeyValue RESOLVE_PAGE_COMPONENTS_TYPE =
      kv(NEXT_SPAN_TYPE, "NextNodeServer.findPageComponents");
  private static final KeyValue START_RESPONSE_TYPE = kv(NEXT_SPAN_TYPE, "NextNodeServer.startResponse");

  private final ServiceTopology topology;
  private final SeededRandom random;
  private final TraceBuilder trace;

  FrontendSpans(ServiceTopology topology, SeededRandom random, TraceBuilder trace) {
    this.topology = topology;
    this.random = random;
    this.trace = trace;
  }

  /** The root span: the request as the frontend received it from the proxy. */
  SpanDraft request(Session session, Route route, String path, String query, long requestBodyBytes) {
    SpanDraft root = trace.root(topology.frontend, route.spanName(), REQUEST_SELF);
    root.httpStatusCode = 200;
    root.attr(route.methodKv()).attr(route.routeKv()).attr(URL_PATH, path)
        .attr(AttributePools.SCHEME_HTTP);
    if (query != null) {
      root.attr(URL_QUERY, query);
    }
    root.attr(PROXY_ADDRESS).attr(PROXY_PORT).attr(session.clientAddressKv())
        .attr(PROXY_PEER_ADDRESS).attr(NETWORK_PEER_PORT, AttributePools.ephemeralPort(random))
        .attr(AttributePools.HTTP_VERSION_1_1).attr(session.userAgentKv())
        .attr(session.sessionKv()).attrIfPresent(session.userKv())
        .attr(HTTP_RESPONSE_BODY_SIZE, AttributePools.bodySize(random, route.typicalResponseBytes()));
    if (requestBodyBytes > 0) {
      root.attr(HTTP_REQUEST_BODY_SIZE, requestBodyBytes);
    }
    return root;
  }

  /** The Next.js span that runs the API handler; the backend calls hang below it. */
  SpanDraft apiHandler(SpanDraft root, Session session, Route route) {
    return handler(root, session, route, API_HANDLER_SELF);
  }

  /** The Next.js span that renders a page; slower than an API handler. */
  SpanDraft pageRender(SpanDraft root, Session session, Route route) {
    return handler(root, session, route, PAGE_RENDER_SELF);
  }

  SpanDraft resolvePageComponents(SpanDraft root, Session session, Route route) {
    return step(root, session, route, RESOLVE_PAGE_COMPONENTS, RESOLVE_PAGE_COMPONENTS_TYPE);
  }

  SpanDraft startResponse(SpanDraft root, Session session, Route route) {
    return step(root, session, route, START_RESPONSE, START_RESPONSE_TYPE);
  }

  private SpanDraft handler(SpanDraft root, Session session, Route route, Latency self) {
    return trace.internal(root, route.handler(), self)
        .attr(route.nextSpanTypeKv()).attr(route.nextSpanNameKv()).attr(route.nextRouteKv())
        .attr(route.routeKv()).attr(session.sessionKv()).attrIfPresent(session.userKv())
        .attr(session.currency().codeKv());
  }

  private SpanDraft step(SpanDraft root, Session session, Route route, CodeLocation code,
      KeyValue spanTypeKv) {
    return trace.internal(root, code, STEP_SELF)
        .attr(spanTypeKv).attr(NEXT_SPAN_NAME, code.spanName()).attr(route.nextRouteKv())
        .attr(route.routeKv()).attr(session.sessionKv()).attrIfPresent(session.userKv())
        .attr(session.currency().codeKv());
  }
}
