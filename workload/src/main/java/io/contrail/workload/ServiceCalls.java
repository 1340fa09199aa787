package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;
import static io.contrail.workload.Failure.*;

import io.contrail.workload.AttributePools.Product;
import io.contrail.workload.Shoppers.Session;
import io.contrail.workload.TraceBuilder.PublishedMessage;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * How each backend service handles a call: which spans it adds below its SERVER span, with what
 * business attributes and how long they take, and where the planned failure is raised. Each method
 * takes the caller's span and returns the callee's SERVER span (for a Kafka send, the message).
 *
 * <p>The degraded dependency lives here: product-catalog's {@code SELECT ... WHERE id = $1} on
 * PostgreSQL is about 30x slower for {@value #SLOW_PRODUCT_QUERY_SHARE} of calls.
 */
final class ServiceCalls {

  static final double SLOW_PRODUCT_QUERY_SHARE = 0.08;
  static final double CONSUMER_LINK_SHARE = 0.3;

  /** An order being placed: what every service taking part in checkout records about it. */
  record Order(String id, KeyValue idKv, int itemCount, KeyValue itemCountKv) {}

  // Own time of each span, before and after its children together.
  private static final Latency PRODUCT_CATALOG_SELF = Latency.micros(250, 0.5);
  private static final Latency SELECT_PRODUCT = Latency.millis(1.1, 0.6);
  private static final Latency SELECT_PRODUCT_SLOW = Latency.millis(35, 0.5);
  private static final Latency SELECT_PRODUCTS = Latency.millis(2.5, 0.5);
  private static final Latency CART_SELF = Latency.micros(400, 0.5);
  private static final Latency REDIS = Latency.micros(350, 0.6);
  private static final Latency CURRENCY_SELF = Latency.micros(120, 0.4);
  private static final Latency AD_SELF = Latency.micros(600, 0.5);
  private static final Latency AD_PICK = Latency.micros(300, 0.7);
  private static final Latency RECOMMENDATION_SELF = Latency.millis(3, 0.5);
  private static final Latency RECOMMENDATION_FILTER = Latency.micros(800, 0.6);
  private static final Latency PAYMENT_SELF = Latency.micros(500, 0.5);
  private static final Latency CHARGE_CARD = Latency.millis(6, 0.7);
  private static final Latency SHIPPING_SELF = Latency.micros(400, 0.5);
  private static final Latency QUOTE_SELF = Latency.millis(1.5, 0.5);
  private static final Latency QUOTE_CALCULATION = Latency.millis(1, 0.6);
  private static final Latency EMAIL_SELF = Latency.millis(2, 0.5);
  private static final Latency EMAIL_SEND = Latency.millis(25, 0.8);
  private static final Latency KAFKA_SEND = Latency.millis(2.5, 0.6);
  private static final Latency FRAUD_SELF = Latency.micros(800, 0.5);
  private static final Latency FRAUD_CHECK = Latency.millis(4, 0.7);
  private static final Latency ACCOUNTING_SELF = Latency.micros(600, 0.5);
  private static final Latency ORDER_INSERT = Latency.millis(1.8, 0.6);

  private static final String PRODUCT_COLUMNS = "id, name, description, picture,"
      + " price_currency_code, price_units, price_nanos, categories";
  private static final SqlStatement SELECT_PRODUCT_BY_ID = new SqlStatement("otel", "otelu",
      "SELECT", "catalog.products",
      "SELECT " + PRODUCT_COLUMNS + " FROM catalog.products WHERE id = $1");
  private static final SqlStatement SELECT_ALL_PRODUCTS = new SqlStatement("otel", "otelu",
      "SELECT", "catalog.products", "SELECT " + PRODUCT_COLUMNS + " FROM catalog.products");
  private static final SqlStatement INSERT_ORDER = new SqlStatement("otel", "otelu", "INSERT",
      "accounting.order", "INSERT INTO accounting.\"order\" (order_id) VALUES ($1)");
  private static final SqlStatement INSERT_ORDER_ITEMS = new SqlStatement("otel", "otelu",
      "INSERT", "accounting.orderitem", "INSERT INTO accounting.orderitem (item_cost_currency_code,"
          + " item_cost_units, item_cost_nanos, product_id, quantity, order_id)"
          + " VALUES ($1, $2, $3, $4, $5, $6)");
  private static final SqlStatement INSERT_SHIPPING = new SqlStatement("otel", "otelu", "INSERT",
      "accounting.shipping", "INSERT INTO accounting.shipping (shipping_tracking_id,"
          + " shipping_cost_currency_code, shipping_cost_units, shipping_cost_nanos,"
          + " street_address, city, state, country, zip_code, order_id)"
          + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");

  private static final CacheCommand HGET = new CacheCommand("HGET", true);
  private static final CacheCommand HSET = new CacheCommand("HSET", false);
  private static final CacheCommand EXPIRE = new CacheCommand("EXPIRE", false);
  private static final CacheCommand DEL = new CacheCommand("DEL", false);
  private static final MessageTopic ORDERS = new MessageTopic("orders", 3);

  private static final CodeLocation GET_RANDOM_ADS = new CodeLocation("getRandomAds",
      "oteldemo.AdService.getRandomAds", "AdService.java", 263, "grpc-default-executor-1");
  private static final CodeLocation GET_ADS_BY_CATEGORY = new CodeLocation("getAdsByCategory",
      "oteldemo.AdService.getAdsByCategory", "AdService.java", 251, "grpc-default-executor-1");
  private static final CodeLocation GET_PRODUCT_LIST = new CodeLocation("get_product_list",
      "get_product_list", "/app/recommendation_server.py", 90, "ThreadPoolExecutor-0_0");
  private static final CodeLocation CHARGE = new CodeLocation("charge", "charge",
      "/usr/src/app/charge.js", 22, "main");
  private static final CodeLocation CALCULATE_QUOTE = new CodeLocation("calculate-quote",
      "calculateQuote", "/var/www/app/routes.php", 29, "main");
  private static final CodeLocation SEND_EMAIL = new CodeLocation("send_email", "send_email",
      "/email_server/email_server.rb", 44, "puma srv tp 001");
  private static final CodeLocation CHECK_FRAUD = new CodeLocation("checkOrder",
      "frauddetection.FraudDetectionKt.checkOrder", "main.kt", 71, "main");

  private static final KeyValue CATALOG_SIZE =
      kv(APP_PRODUCTS_COUNT, (long) AttributePools.PRODUCTS.length);
  private static final KeyValue TARGETED = kv(APP_ADS_REQUEST_TYPE, "TARGETED");
  private static final KeyValue NOT_TARGETED = kv(APP_ADS_REQUEST_TYPE, "NOT_TARGETED");
  private static final KeyValue RESPONSE_TARGETED = kv(APP_ADS_RESPONSE_TYPE, "TARGETED");
  private static final KeyValue RESPONSE_RANDOM = kv(APP_ADS_RESPONSE_TYPE, "RANDOM");
  private static final List<KeyValue> MESSAGE_RECEIVED =
      List.of(kv(MESSAGE_TYPE, "RECEIVED"), kv(MESSAGE_ID, 1L));
  private static final List<KeyValue> MESSAGE_SENT =
      List.of(kv(MESSAGE_TYPE, "SENT"), kv(MESSAGE_ID, 1L));
  private static final KeyValue QUOTE_CURRENCY = kv(APP_CURRENCY_CODE, "USD");
  private static final double QUOTE_BASE_COST_USD = 8.99;
  private static final double QUOTE_RATE_PER_ITEM_USD = 2.5;
  private static final KeyValue EMAIL_TEMPLATE = kv(APP_EMAIL_TEMPLATE, "confirmation");
  private static final KeyValue FRAUD_GROUP = kv(MESSAGING_CONSUMER_GROUP_NAME, "fraud-detection");
  private static final KeyValue ACCOUNTING_GROUP = kv(MESSAGING_CONSUMER_GROUP_NAME, "accounting");
  private static final KeyValue FRAUD_ACCEPTED = kv(APP_FRAUD_DECISION, "accepted");
  private static final KeyValue FRAUD_REVIEW = kv(APP_FRAUD_DECISION, "review");

  private final ServiceTopology topology;
  private final SeededRandom random;
  private final TraceBuilder trace;
  private final RpcMethod getProduct;
  private final RpcMethod listProducts;
  private final RpcMethod getCart;
  private final RpcMethod addItem;
  private final RpcMethod emptyCart;
  private final RpcMethod convert;
  private final RpcMethod getSupportedCurrencies;
  private final RpcMethod getAds;
  private final RpcMethod listRecommendations;
  private final RpcMethod charge;
  private final HttpEndpoint getShippingQuote;
  private final HttpEndpoint shipOrder;
  private final HttpEndpoint getQuote;
  private final HttpEndpoint sendOrderConfirmation;

  ServiceCalls(ServiceTopology topology, SeededRandom random, TraceBuilder trace) {
    this.topology = topology;
    this.random = random;
    this.trace = trace;
    getProduct = new RpcMethod(topology.productCatalog, "GetProduct");
    listProducts = new RpcMethod(topology.productCatalog, "ListProducts");
    getCart = new RpcMethod(topology.cart, "GetCart");
    addItem = new RpcMethod(topology.cart, "AddItem");
    emptyCart = new RpcMethod(topology.cart, "EmptyCart");
    convert = new RpcMethod(topology.currency, "Convert");
    getSupportedCurrencies = new RpcMethod(topology.currency, "GetSupportedCurrencies");
    getAds = new RpcMethod(topology.ad, "GetAds");
    listRecommendations = new RpcMethod(topology.recommendation, "ListRecommendations");
    charge = new RpcMethod(topology.payment, "Charge");
    getShippingQuote = new HttpEndpoint(topology.shipping, "POST", "/get-quote", 120);
    shipOrder = new HttpEndpoint(topology.shipping, "POST", "/ship-order", 90);
    getQuote = new HttpEndpoint(topology.quote, "POST", "/getquote", 40);
    sendOrderConfirmation = new HttpEndpoint(topology.email, "POST", "/send_order_confirmation", 60);
  }

  // product-catalog

  SpanDraft getProduct(SpanDraft caller, Product product) {
    SpanDraft server = trace.callRpc(caller, getProduct, PRODUCT_CATALOG_SELF);
    server.hopClient.attr(product.idKv());
    server.attr(product.idKv()).attr(product.nameKv());
    Latency queryTime = random.chance(SLOW_PRODUCT_QUERY_SHARE) ? SELECT_PRODUCT_SLOW : SELECT_PRODUCT;
    SpanDraft query = trace.query(server, topology.postgres, SELECT_PRODUCT_BY_ID, 1, queryTime);
    if (trace.failureDue(PRODUCTS_DB_TIMEOUT)) {
      trace.fail(query, PRODUCTS_DB_TIMEOUT);
    } else if (product == AttributePools.FAULTY_PRODUCT
        && trace.failureDue(PRODUCT_CATALOG_FAILURE)) {
      trace.fail(server, PRODUCT_CATALOG_FAILURE);
    }
    return server;
  }

  SpanDraft listProducts(SpanDraft caller) {
    SpanDraft server = trace.callRpc(caller, listProducts, PRODUCT_CATALOG_SELF);
    server.attr(CATALOG_SIZE);
    SpanDraft query = trace.query(server, topology.postgres, SELECT_ALL_PRODUCTS,
        AttributePools.PRODUCTS.length, SELECT_PRODUCTS);
    if (trace.failureDue(PRODUCTS_DB_TIMEOUT)) {
      trace.fail(query, PRODUCTS_DB_TIMEOUT);
    }
    return server;
  }

  // cart

  SpanDraft getCart(SpanDraft caller, Session session, int items) {
    SpanDraft server = trace.callRpc(caller, getCart, CART_SELF);
    server.attr(session.sessionKv()).attrIfPresent(session.userKv())
        .attr(APP_CART_ITEMS_COUNT, (long) items);
    SpanDraft read = trace.cacheCommand(server, topology.cartStore, HGET, items > 0, REDIS);
    if (trace.failureDue(CART_STORE_UNAVAILABLE)) {
      trace.fail(read, CART_STORE_UNAVAILABLE);
    }
    return server;
  }

  SpanDraft addItem(SpanDraft caller, Session session, Product product, int quantity) {
    SpanDraft server = trace.callRpc(caller, addItem, CART_SELF);
    server.attr(session.sessionKv()).attrIfPresent(session.userKv()).attr(product.idKv())
        .attr(APP_CART_ITEM_QUANTITY, (long) quantity);
    SpanDraft read = trace.cacheCommand(server, topology.cartStore, HGET, random.chance(0.6), REDIS);
    if (trace.failureDue(CART_STORE_UNAVAILABLE)) {
      trace.fail(read, CART_STORE_UNAVAILABLE);
      return server;
    }
    trace.cacheCommand(server, topology.cartStore, HSET, false, REDIS);
    trace.cacheCommand(server, topology.cartStore, EXPIRE, false, REDIS);
    return server;
  }

  SpanDraft emptyCart(SpanDraft caller, Session session) {
    SpanDraft server = trace.callRpc(caller, emptyCart, CART_SELF);
    server.attr(session.sessionKv()).attrIfPresent(session.userKv());
    trace.cacheCommand(server, topology.cartStore, DEL, false, REDIS);
    return server;
  }

  // currency

  SpanDraft convert(SpanDraft caller, Session session, double amountUsd) {
    SpanDraft server = trace.callRpc(caller, convert, CURRENCY_SELF);
    server.hopClient.attr(session.currency().conversionToKv());
    server.attr(AttributePools.CURRENCY_FROM_USD).attr(session.currency().conversionToKv())
        .attr(APP_CURRENCY_AMOUNT, AttributePools.money(amountUsd * session.currency().perUsd()));
    if (trace.failureDue(CURRENCY_CONVERSION_FAILURE)) {
      trace.fail(server, CURRENCY_CONVERSION_FAILURE);
    }
    return server;
  }

  SpanDraft supportedCurrencies(SpanDraft caller) {
    SpanDraft server = trace.callRpc(caller, getSupportedCurrencies, CURRENCY_SELF);
    if (trace.failureDue(CURRENCY_CONVERSION_FAILURE)) {
      trace.fail(server, CURRENCY_CONVERSION_FAILURE);
    }
    return server;
  }

  // ad

  SpanDraft getAds(SpanDraft caller, Session session, String category) {
    boolean targeted = random.chance(0.7);
    int adCount = targeted ? 1 + random.nextInt(2) : 2;
    KeyValue requestType = targeted ? TARGETED : NOT_TARGETED;
    SpanDraft server = trace.callRpc(caller, getAds, AD_SELF);
    server.attr(kv(APP_ADS_CONTEXT_KEYS, List.of(category))).attr(APP_ADS_CONTEXT_KEYS_COUNT, 1L)
        .attr(requestType).attr(targeted ? RESPONSE_TARGETED : RESPONSE_RANDOM)
        .attr(APP_ADS_COUNT, (long) adCount).attr(session.sessionKv())
        .eventAt("message", 0.02, MESSAGE_RECEIVED).eventAt("message", 0.98, MESSAGE_SENT);
    SpanDraft pick = trace.internal(server, targeted ? GET_ADS_BY_CATEGORY : GET_RANDOM_ADS, AD_PICK);
    pick.attr(requestType).attr(APP_ADS_CATEGORY, category).attr(APP_ADS_CONTEXT_KEYS_COUNT, 1L)
        .attr(APP_ADS_COUNT, (long) adCount).attr(session.sessionKv()).attrIfPresent(session.userKv());
    if (trace.failureDue(AD_SERVICE_FAILURE)) {
      trace.fail(pick, AD_SERVICE_FAILURE);
    }
    return server;
  }

  // recommendation

  /**
   * Recommends {@code recommended} to someone looking at {@code viewed}. With the cache enabled,
   * recommendation usually skips asking product-catalog for the list.
   */
  SpanDraft listRecommendations(SpanDraft caller, Session session, Product viewed,
      List<Product> recommended, boolean cacheEnabled) {
    KeyValue cacheEnabledKv = kv(APP_RECOMMENDATION_CACHE_ENABLED, cacheEnabled);
    KeyValue recommendedIds = productIds(recommended);
    SpanDraft server = trace.callRpc(caller, listRecommendations, RECOMMENDATION_SELF);
    server.hopClient.attr(kv(APP_PRODUCT_IDS, List.of(viewed.id())));
    server.attr(session.sessionKv()).attr(APP_PRODUCTS_RECOMMENDED_COUNT, (long) recommended.size())
        .attr(cacheEnabledKv).attr(recommendedIds);
    SpanDraft lookup = trace.internal(server, GET_PRODUCT_LIST, RECOMMENDATION_FILTER);
    lookup.attr(CATALOG_SIZE)
        .attr(APP_FILTERED_PRODUCTS_COUNT, (long) AttributePools.PRODUCTS.length - 1)
        .attr(cacheEnabledKv).attr(recommendedIds).attr(session.sessionKv());
    if (trace.failureDue(RECOMMENDATION_FAILURE)) {
      trace.fail(lookup, RECOMMENDATION_FAILURE);
    } else if (!cacheEnabled || random.chance(0.3)) {
      listProducts(lookup);
    }
    return server;
  }

  // shipping and quote

  /** Asks shipping for a quote, which asks quote; the quote in USD is on the returned span. */
  SpanDraft shippingQuote(SpanDraft caller, Session session, int items, double costUsd) {
    String requestId = random.hex(16);
    SpanDraft shipping = trace.callHttp(caller, getShippingQuote,
        "zip_code=" + session.zipCode() + "&items=" + items + "&request_id=" + requestId,
        AttributePools.bodySize(random, 160), SHIPPING_SELF);
    shipping.attr(session.zipCodeKv()).attr(APP_SHIPPING_ITEMS_COUNT, (long) items);
    SpanDraft quote = trace.callHttp(shipping, getQuote,
        "numberOfItems=" + items + "&request_id=" + requestId, 24, QUOTE_SELF);
    quote.attr(APP_QUOTE_ITEMS_COUNT, (long) items);
    SpanDraft calculation = trace.internal(quote, CALCULATE_QUOTE, QUOTE_CALCULATION);
    calculation.attr(APP_QUOTE_ITEMS_COUNT, (long) items).attr(QUOTE_CURRENCY)
        .attr(APP_QUOTE_COST_TOTAL, costUsd).attr(APP_QUOTE_RATE_PER_ITEM, QUOTE_RATE_PER_ITEM_USD)
        .attr(APP_QUOTE_BASE_COST, QUOTE_BASE_COST_USD);
    if (trace.failureDue(QUOTE_FAILURE)) {
      trace.fail(calculation, QUOTE_FAILURE);
      return shipping;
    }
    quote.attr(APP_QUOTE_COST_TOTAL, costUsd);
    shipping.attr(APP_SHIPPING_COST_TOTAL, costUsd);
    return shipping;
  }

  /** What quote charges for shipping {@code items} items, in USD. */
  double shippingCostUsd(int items) {
    return AttributePools.money(QUOTE_BASE_COST_USD + QUOTE_RATE_PER_ITEM_USD * items
        + random.nextInt(300) / 100.0);
  }

  SpanDraft shipOrder(SpanDraft caller, Session session, Order order, KeyValue trackingIdKv) {
    SpanDraft server = trace.callHttp(caller, shipOrder, "order_id=" + order.id(),
        AttributePools.bodySize(random, 400), SHIPPING_SELF);
    server.attr(trackingIdKv).attr(session.zipCodeKv()).attr(order.idKv());
    return server;
  }

  // payment

  /** Charges the shopper's card; the transaction id is recorded only when the charge succeeds. */
  SpanDraft charge(SpanDraft caller, Session session, double amount, KeyValue transactionIdKv) {
    SpanDraft server = trace.callRpc(caller, charge, PAYMENT_SELF);
    server.attr(APP_PAYMENT_AMOUNT, amount).attr(session.cardTypeKv()).attr(session.loyaltyKv())
        .attr(session.currency().codeKv());
    SpanDraft card = trace.internal(server, CHARGE, CHARGE_CARD);
    boolean declined = trace.failureDue(PAYMENT_DECLINED);
    card.attr(APP_PAYMENT_AMOUNT, amount).attr(session.cardTypeKv()).attr(session.loyaltyKv())
        .attr(APP_PAYMENT_CARD_VALID, !declined).attr(APP_PAYMENT_CHARGED, !declined);
    if (declined) {
      trace.fail(card, PAYMENT_DECLINED);
    } else {
      card.attr(transactionIdKv);
    }
    return server;
  }

  // email

  /**
   * Sends the order confirmation. A failure here stops at the caller's client span: checkout logs
   * it and carries on, and the order stands.
   */
  SpanDraft sendOrderConfirmation(SpanDraft caller, Session session, Order order, double amount) {
    SpanDraft server = trace.callHttp(caller, sendOrderConfirmation, "order_id=" + order.id(),
        AttributePools.bodySize(random, 1_800), EMAIL_SELF);
    server.hopClient.containsErrors = true;
    KeyValue recipientKv = kv(APP_EMAIL_RECIPIENT, session.email());
    server.attr(order.idKv()).attr(recipientKv);
    SpanDraft send = trace.internal(server, SEND_EMAIL, EMAIL_SEND);
    send.attr(order.idKv()).attr(recipientKv).attr(EMAIL_TEMPLATE).attr(order.itemCountKv())
        .attr(APP_ORDER_AMOUNT, amount);
    if (trace.failureDue(EMAIL_DELIVERY_TIMEOUT)) {
      trace.fail(send, EMAIL_DELIVERY_TIMEOUT);
    }
    return server;
  }

  // Kafka, fraud-detection and accounting

  /** Sends the order to Kafka; fraud-detection and accounting each process it afterwards. */
  PublishedMessage publishOrder(SpanDraft caller, Order order, double amount) {
    PublishedMessage message = trace.publish(caller, topology.kafka, ORDERS, order.id(),
        AttributePools.bodySize(random, 350 + 120 * order.itemCount()), KAFKA_SEND);
    message.producer().attr(order.idKv());
    checkFraud(message, order, amount);
    recordOrder(message, order);
    return message;
  }

  private void checkFraud(PublishedMessage message, Order order, double amount) {
    SpanDraft consumer = trace.consume(message, topology.fraudDetection, FRAUD_GROUP, FRAUD_SELF);
    consumer.attr(order.idKv());
    if (random.chance(CONSUMER_LINK_SHARE)) {
      consumer.linkTo(message.producer());
    }
    double score = random.nextInt(1000) / 1000.0;
    SpanDraft check = trace.internal(consumer, CHECK_FRAUD, FRAUD_CHECK);
    check.attr(order.idKv()).attr(order.itemCountKv()).attr(APP_ORDER_AMOUNT, amount)
        .attr(APP_FRAUD_SCORE, score).attr(score > 0.95 ? FRAUD_REVIEW : FRAUD_ACCEPTED);
  }

  private void recordOrder(PublishedMessage message, Order order) {
    SpanDraft consumer =
        trace.consume(message, topology.accounting, ACCOUNTING_GROUP, ACCOUNTING_SELF);
    consumer.attr(order.idKv());
    if (random.chance(CONSUMER_LINK_SHARE)) {
      consumer.linkTo(message.producer());
    }
    SpanDraft insert = trace.query(consumer, topology.postgres, INSERT_ORDER, 1, ORDER_INSERT);
    if (trace.failureDue(ORDER_STORE_CONFLICT)) {
      trace.fail(insert, ORDER_STORE_CONFLICT);
      return;
    }
    trace.query(consumer, topology.postgres, INSERT_ORDER_ITEMS, order.itemCount(), ORDER_INSERT);
    trace.query(consumer, topology.postgres, INSERT_SHIPPING, 1, ORDER_INSERT);
  }

  static KeyValue productIds(List<Product> products) {
    String[] ids = new String[products.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = products.get(i).id();
    }
    return kv(APP_PRODUCT_IDS, List.of(ids));
  }
}
