package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.contrail.workload.AttributePools.Product;
import io.contrail.workload.FrontendSpans.Route;
import io.contrail.workload.ServiceCalls.Order;
import io.contrail.workload.Shoppers.Session;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The shop's traffic: picks who sends the next request, which {@link EntryOperation} it is and
 * whether it fails, and holds the call tree behind each entry operation, following the
 * OpenTelemetry demo. Every trace enters through the frontend; checkout is the deep one (up to 10
 * levels and 58 spans, with Kafka consumers in fraud-detection and accounting).
 */
final class ShopTraffic {

  static final double RECOMMENDATION_CACHE_SHARE = 0.25;

  private static final Latency CHECKOUT_SELF = Latency.millis(2, 0.5);
  private static final Latency PREPARE_ORDER = Latency.micros(300, 0.5);
  private static final CodeLocation PREPARE_ORDER_ITEMS = new CodeLocation(
      "prepareOrderItemsAndShippingQuoteFromCart",
      "main.(*checkout).prepareOrderItemsAndShippingQuoteFromCart", "/usr/src/app/main.go", 389,
      "main");

  private final SeededRandom random;
  private final TraceBuilder trace;
  private final RequestAssembler out;
  private final double errorTraceRate;
  private final FrontendSpans frontend;
  private final ServiceCalls services;
  private final RpcMethod placeOrder;
  private final Shoppers shoppers = new Shoppers();
  private final EntryOperation[] operations = EntryOperation.values();
  private final int totalWeight;

  /** Whether the next product that is looked up should be the one the failure flag breaks. */
  private boolean steerToFaultyProduct;

  ShopTraffic(ServiceTopology topology, SeededRandom random, TraceBuilder trace,
      RequestAssembler out, double errorTraceRate) {
    this.random = random;
    this.trace = trace;
    this.out = out;
    this.errorTraceRate = errorTraceRate;
    this.frontend = new FrontendSpans(topology, random, trace);
    this.services = new ServiceCalls(topology, random, trace);
    this.placeOrder = new RpcMethod(topology.checkout, "PlaceOrder");
    int weights = 0;
    for (EntryOperation operation : operations) {
      weights += operation.weight;
    }
    this.totalWeight = weights;
  }

  /** Builds the next trace, starting at {@code startUnixNano}, into the request assembler. */
  void nextTrace(long startUnixNano) {
    Session session = shoppers.next(random);
    EntryOperation operation = pickOperation();
    Failure failure = random.chance(errorTraceRate) ? random.pick(operation.failures) : null;
    steerToFaultyProduct = failure == Failure.PRODUCT_CATALOG_FAILURE;
    trace.begin(failure);
    switch (operation) {
      case HOME_PAGE -> homePage(session);
      case PRODUCT_PAGE -> productPage(session);
      case RECOMMENDATIONS -> recommendations(session);
      case ADS -> ads(session);
      case VIEW_CART -> viewCart(session);
      case ADD_TO_CART -> addToCart(session);
      case SHIPPING_QUOTE -> shippingQuote(session);
      case CURRENCIES -> currencies(session);
      case CHECKOUT -> checkout(session);
    }
    trace.finish(startUnixNano, out);
  }

  private void homePage(Session session) {
    SpanDraft root = frontend.request(session, FrontendSpans.HOME, "/", null, 0);
    SpanDraft render = frontend.pageRender(root, session, FrontendSpans.HOME);
    services.supportedCurrencies(render);
    services.listProducts(render).parallelWithPrevious();
    services.getCart(render, session, random.nextInt(4)).parallelWithPrevious();
    services.getAds(render, session, random.pick(AttributePools.PRODUCTS).category())
        .parallelWithPrevious();
    if (root.isError() || session.currency() == AttributePools.CURRENCIES[0]) {
      return;
    }
    for (int i = 0; i < AttributePools.PRODUCTS.length; i++) {
      SpanDraft conversion = services.convert(render, session, AttributePools.PRODUCTS[i].priceUsd());
      if (i > 0) {
        conversion.parallelWithPrevious();
      }
    }
  }

  private void productPage(Session session) {
    Product product = lookedUpProduct();
    SpanDraft root = frontend.request(session, FrontendSpans.PRODUCT, "/api/products/" + product.id(),
        "currencyCode=" + session.currency().code(), 0);
    SpanDraft handler = frontend.apiHandler(root, session, FrontendSpans.PRODUCT);
    services.getProduct(handler, product);
    if (root.isError()) {
      return;
    }
    services.convert(handler, session, product.priceUsd());
  }

  private void recommendations(Session session) {
    List<Product> recommended = new ArrayList<>(5);
    int count = 4 + random.nextInt(2);
    recommended.add(lookedUpProduct());
    while (recommended.size() < count) {
      Product candidate = AttributePools.product(random);
      if (!recommended.contains(candidate)) {
        recommended.add(candidate);
      }
    }
    Product viewed = AttributePools.product(random);
    while (recommended.contains(viewed)) {
      viewed = AttributePools.product(random);
    }
    SpanDraft root = frontend.request(session, FrontendSpans.RECOMMENDATIONS, "/api/recommendations",
        "productIds=" + viewed.id() + "&sessionId=" + session.sessionId() + "&currencyCode="
            + session.currency().code(), 0);
    SpanDraft handler = frontend.apiHandler(root, session, FrontendSpans.RECOMMENDATIONS);
    services.listRecommendations(handler, session, viewed, recommended,
        random.chance(RECOMMENDATION_CACHE_SHARE));
    if (root.isError()) {
      return;
    }
    for (int i = 0; i < recommended.size(); i++) {
      SpanDraft lookup = services.getProduct(handler, recommended.get(i));
      if (i > 0) {
        lookup.parallelWithPrevious();
      }
    }
  }

  private void ads(Session session) {
    String category = random.pick(AttributePools.PRODUCTS).category();
    SpanDraft root = frontend.request(session, FrontendSpans.ADS, "/api/data",
        "contextKeys=" + category, 0);
    SpanDraft handler = frontend.apiHandler(root, session, FrontendSpans.ADS);
    services.getAds(handler, session, category);
  }

  private void viewCart(Session session) {
    int items = random.nextInt(5);
    SpanDraft root = frontend.request(session, FrontendSpans.VIEW_CART, "/api/cart",
        "sessionId=" + session.sessionId() + "&currencyCode=" + session.currency().code(), 0);
    SpanDraft handler = frontend.apiHandler(root, session, FrontendSpans.VIEW_CART);
    services.getCart(handler, session, items);
    if (root.isError()) {
      return;
    }
    for (int i = 0; i < items; i++) {
      SpanDraft lookup = services.getProduct(handler, AttributePools.product(random));
      if (i > 0) {
        lookup.parallelWithPrevious();
      }
    }
  }

  private void addToCart(Session session) {
    Product product = AttributePools.product(random);
    int quantity = 1 + random.nextInt(3);
    Route route = FrontendSpans.ADD_TO_CART;
    SpanDraft root = frontend.request(session, route, "/api/cart",
        "currencyCode=" + session.currency().code(), AttributePools.bodySize(random, 90));
    SpanDraft handler = frontend.apiHandler(root, session, route);
    handler.attr(product.idKv()).attr(APP_CART_ITEM_QUANTITY, (long) quantity);
    services.addItem(handler, session, product, quantity);
    if (root.isError()) {
      return;
    }
    services.getCart(handler, session, 1 + random.nextInt(5));
  }

  private void shippingQuote(Session session) {
    int items = 1 + random.nextInt(5);
    SpanDraft root = frontend.request(session, FrontendSpans.SHIPPING, "/api/shipping",
        "itemCount=" + items + "&sessionId=" + session.sessionId() + "&currencyCode="
            + session.currency().code(), 0);
    SpanDraft handler = frontend.apiHandler(root, session, FrontendSpans.SHIPPING);
    double costUsd = services.shippingCostUsd(items);
    services.shippingQuote(handler, session, items, costUsd);
    if (root.isError()) {
      return;
    }
    services.convert(handler, session, costUsd);
  }

  private void currencies(Session session) {
    Route route = FrontendSpans.CURRENCIES;
    SpanDraft root = frontend.request(session, route, "/api/currency", null, 0);
    frontend.resolvePageComponents(root, session, route);
    services.supportedCurrencies(root);
    frontend.startResponse(root, session, route);
  }

  /**
   * PlaceOrder in checkout: prepare the order (cart, product details and prices, a shipping quote),
   * charge the card, ship, send the confirmation, empty the cart, and publish the order to Kafka.
   * A failure in any step before shipping ends the order there.
   */
  private void checkout(Session session) {
    int items = cartSize();
    List<Product> products = new ArrayList<>(items);
    for (int i = 0; i < items; i++) {
      products.add(lookedUpProduct());
    }
    KeyValue productIdsKv = ServiceCalls.productIds(products);
    String orderId = random.uuid();
    Order order = new Order(orderId, kv(APP_ORDER_ID, orderId), items,
        kv(APP_ORDER_ITEMS_COUNT, (long) items));

    SpanDraft root = frontend.request(session, FrontendSpans.CHECKOUT, "/api/checkout",
        "currencyCode=" + session.currency().code(), AttributePools.bodySize(random, 600));
    SpanDraft handler = frontend.apiHandler(root, session, FrontendSpans.CHECKOUT);
    handler.attr(productIdsKv);
    SpanDraft placing = trace.callRpc(handler, placeOrder, CHECKOUT_SELF);
    placing.hopClient.attr(session.sessionKv());
    placing.attr(session.sessionKv()).attrIfPresent(session.userKv())
        .attr(session.currency().codeKv()).attr(order.idKv()).attr(order.itemCountKv());

    SpanDraft prepare = trace.internal(placing, PREPARE_ORDER_ITEMS, PREPARE_ORDER);
    prepare.attr(APP_CART_ITEMS_COUNT, (long) items).attr(productIdsKv).attr(session.zipCodeKv())
        .attr(session.currency().codeKv()).attr(session.sessionKv());
    services.getCart(prepare, session, items);
    if (placing.isError()) {
      return;
    }
    double totalUsd = 0;
    for (Product product : products) {
      services.getProduct(prepare, product);
      if (placing.isError()) {
        return;
      }
      int quantity = 1 + random.nextInt(2);
      services.convert(prepare, session, product.priceUsd() * quantity);
      if (placing.isError()) {
        return;
      }
      totalUsd += product.priceUsd() * quantity;
    }
    double shippingUsd = services.shippingCostUsd(items);
    services.shippingQuote(prepare, session, items, shippingUsd);
    if (placing.isError()) {
      return;
    }
    services.convert(prepare, session, shippingUsd);
    if (placing.isError()) {
      return;
    }
    placing.eventAfter("prepared", prepare, List.of());

    double amount = AttributePools.money((totalUsd + shippingUsd) * session.currency().perUsd());
    KeyValue transactionIdKv = kv(APP_PAYMENT_TRANSACTION_ID, random.uuid());
    SpanDraft payment = services.charge(placing, session, amount, transactionIdKv);
    if (placing.isError()) {
      return;
    }
    placing.eventAfter("charged", payment.hopClient, List.of(transactionIdKv));

    KeyValue trackingIdKv = kv(APP_SHIPPING_TRACKING_ID, random.uuid());
    SpanDraft shipment = services.shipOrder(placing, session, order, trackingIdKv);
    placing.eventAfter("shipped", shipment.hopClient, List.of(trackingIdKv));
    placing.attr(APP_ORDER_AMOUNT, amount).attr(trackingIdKv)
        .attr(APP_SHIPPING_COST_TOTAL, shippingUsd);

    services.sendOrderConfirmation(placing, session, order, amount);
    services.emptyCart(placing, session);
    services.publishOrder(placing, order, amount);
  }

  private EntryOperation pickOperation() {
    int ticket = random.nextInt(totalWeight);
    for (EntryOperation operation : operations) {
      ticket -= operation.weight;
      if (ticket < 0) {
        return operation;
      }
    }
    throw new AssertionError("ticket beyond the total weight");
  }

  /** A product whose details will be fetched: the faulty one first when its failure is planned. */
  private Product lookedUpProduct() {
    if (steerToFaultyProduct) {
      steerToFaultyProduct = false;
      return AttributePools.FAULTY_PRODUCT;
    }
    return AttributePools.product(random);
  }

  /** Items in a cart at checkout: mostly one or two, at most five. */
  private int cartSize() {
    double u = random.nextDouble();
    if (u < 0.35) {
      return 1;
    } else if (u < 0.65) {
      return 2;
    } else if (u < 0.83) {
      return 3;
    } else if (u < 0.93) {
      return 4;
    }
    return 5;
  }
}
