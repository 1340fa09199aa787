package io.contrail.bench.layouts;

import io.contrail.bench.layouts.AttributeKey.ValueType;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A seeded, realistic span workload generated inside DuckDB with SQL: 20 services, HTTP server and
 * client, database, messaging and internal spans, each carrying 10–25 OpenTelemetry
 * semantic-convention attributes with real-world cardinalities (http.route ~50 values, user.id
 * ~100k, session.id ~300k, url.full unique per span). Some keys exist only for part of the
 * timeline (rotating experiments, a key introduced by a deploy), so files cut in time order do not
 * all hold the same keys.
 *
 * <p>The result is one "wide" table, {@code source}: the core span columns, {@code span_index}
 * (arrival order, used to cut files) and one typed column per attribute key, NULL where the span
 * does not carry the key. Every layout under test is derived from it. Generation runs on one
 * thread because {@code random()} after {@code setseed} is only reproducible single-threaded.
 */
final class SyntheticSpans {

  static final double SEED = 0.42;
  static final String SOURCE_TABLE = "source";

  /** The built-in span columns every layout stores the same way, in this order. */
  static final List<String> CORE_COLUMNS = List.of(
      "trace_id", "span_id", "parent_span_id", "service_name", "span_name", "span_kind",
      "start_time_unix_nano", "duration_nanos", "status_code");

  static final List<String> SERVICES = List.of(
      "frontend", "api-gateway", "cart", "checkout", "product-catalog", "recommendation", "ad",
      "payment", "shipping", "currency", "email", "fraud-detection", "accounting", "inventory",
      "user-profile", "auth", "search", "review", "notification", "quote");

  /** Experiments run one after another; each adds its own attribute key while it is live. */
  static final List<String> EXPERIMENTS = List.of(
      "checkout_redesign", "one_click_buy", "search_ranking_v2", "free_shipping_banner",
      "recommendation_carousel", "dark_mode", "new_pricing_page", "guest_checkout",
      "cart_reminder_email", "product_video", "express_delivery", "loyalty_points",
      "review_summary", "smart_search", "bundle_discount", "size_advisor", "wishlist_share",
      "ar_preview", "gift_wrap", "auto_coupon", "sticky_cart", "infinite_scroll",
      "chat_support", "price_alert", "subscribe_and_save");

  private static final List<String> FUNCTION_VERBS = List.of("handle", "process", "validate",
      "compute", "load", "save", "render", "serialize", "fetch", "apply");
  private static final List<String> FUNCTION_NOUNS = List.of("Order", "Cart", "User", "Price",
      "Item", "Session", "Payment", "Shipment", "Quote", "Review");
  private static final List<String> WORKFLOWS = List.of("place-order", "refund", "restock",
      "sign-up", "password-reset", "apply-coupon", "recalculate-prices", "ship-order",
      "send-receipt", "fraud-review", "sync-catalog", "expire-carts");

  static final List<AttributeKey> KEYS = keys();

  private SyntheticSpans() {}

  static AttributeKey key(String name) {
    return KEYS.stream()
        .filter(k -> k.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no attribute key " + name));
  }

  /**
   * Creates the {@code source} table with {@code spans} rows on {@code connection} and writes it to
   * {@code sourceFile}. Leaves {@code threads} at 1; the caller sets what it needs afterwards.
   */
  static void generate(Connection connection, long spans, Path sourceFile) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET threads = 1");
      statement.execute("SELECT setseed(" + SEED + ")");
      // A new trace starts with probability 0.35, so traces average 2.9 spans.
      statement.execute("""
          CREATE TEMP TABLE span_slots AS
          SELECT i AS span_index, starts_trace,
                 (sum(starts_trace::INTEGER) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) - 1)::BIGINT AS trace_no
          FROM (SELECT i, i = 0 OR r < 0.35 AS starts_trace
                FROM (SELECT i, random() AS r FROM range(%d) r(i)))
          """.formatted(spans));
      // Per-trace values: the user (from ~110k, giving ~100k distinct on 1M spans) and the session.
      statement.execute("""
          CREATE TEMP TABLE traces AS
          SELECT trace_no,
                 random() < 0.9 AS has_user,
                 floor(random() * 110000)::INTEGER AS user_no,
                 floor(random() * 10000000)::INTEGER AS session_no,
                 floor(500 * pow(random(), 2))::INTEGER AS tenant_no
          FROM range((SELECT max(trace_no) + 1 FROM span_slots)) t(trace_no)
          """);
      // Every per-span draw happens in one ordered scan, unconditionally and before any join, so the
      // seed fixes them. random() must not sit inside AND/OR/CASE: DuckDB reorders conjunctions
      // adaptively, which changes how often it is called and so every later value.
      statement.execute("""
          CREATE TEMP TABLE span_draws AS
          SELECT span_index, trace_no, starts_trace,
                 floor(20 * pow(random(), 1.6))::INTEGER AS service_no,
                 random() AS r_category, random() AS r_method, random() AS r_route,
                 random() AS r_status, random() AS r_error, random() AS r_db, random() AS r_db_op,
                 random() AS r_collection, random() AS r_msg_system, random() AS r_msg_op,
                 random() AS r_destination, random() AS r_function, random() AS r_code,
                 random() AS r_thread, random() AS r_has_thread, random() AS r_peer, random() AS r_payment,
                 1 - random() AS r_duration_1, random() AS r_duration_2, random() AS r_start,
                 random() AS r_attributes
          FROM span_slots
          """);
      // hash() of one string: hashing (seed, salt) as two arguments combines their hashes too
      // weakly, and draws for the same span would come out correlated.
      statement.execute("CREATE TEMP MACRO draw(seed, salt) AS"
          + " hash(salt || ':' || seed::VARCHAR) / 18446744073709551616.0");
      statement.execute(spanBaseSql(spans));
      statement.execute(sourceSql());
      statement.execute("DROP TABLE span_slots");
      statement.execute("DROP TABLE traces");
      statement.execute("DROP TABLE span_draws");
      statement.execute("DROP TABLE span_base");
      statement.execute("COPY " + SOURCE_TABLE + " TO '" + sql(sourceFile)
          + "' (FORMAT parquet, COMPRESSION zstd)");
    }
  }

  /** One line describing the generated data, to print before measuring. */
  static String describe(Connection connection) throws SQLException {
    String presentCount = KEYS.stream()
        .map(k -> "(" + k.column() + " IS NOT NULL)::INTEGER")
        .collect(Collectors.joining(" + "));
    String query = """
        SELECT count(*), min(n), round(avg(n), 1), max(n),
               (SELECT count(DISTINCT "user.id") FROM %1$s),
               (SELECT count(DISTINCT "session.id") FROM %1$s),
               (SELECT count(DISTINCT "http.route") FROM %1$s),
               (SELECT count(DISTINCT "url.full") FROM %1$s),
               (SELECT count(DISTINCT trace_id) FROM %1$s)
        FROM (SELECT %2$s AS n FROM %1$s)
        """.formatted(SOURCE_TABLE, presentCount);
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      rows.next();
      return String.format(
          "%,d spans, %,d traces, %d attribute keys; attributes per span min %d / avg %s / max %d;"
              + " distinct user.id %,d, session.id %,d, http.route %,d, url.full %,d",
          rows.getLong(1), rows.getLong(9), KEYS.size(), rows.getInt(2), rows.getString(3),
          rows.getInt(4), rows.getLong(5), rows.getLong(6), rows.getLong(7), rows.getLong(8));
    }
  }

  /** A user.id that occurs in the data, for the point-filter query: the one on the middle span that has one. */
  static String sampleUserId(Connection connection, long spans) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT \"user.id\" FROM " + SOURCE_TABLE
            + " WHERE span_index >= " + spans / 2 + " AND \"user.id\" IS NOT NULL"
            + " ORDER BY span_index LIMIT 1")) {
      rows.next();
      return rows.getString(1);
    }
  }

  static String sql(Path path) {
    return path.toAbsolutePath().toString().replace("'", "''");
  }

  private static String list(List<String> values) {
    return values.stream().map(v -> "'" + v + "'").collect(Collectors.joining(", ", "[", "]"));
  }

  /** Per-span shape: service, kind, operation, route, status, duration, ids and times. */
  private static String spanBaseSql(long spans) {
    return """
        CREATE TEMP TABLE span_base AS
        SELECT *,
          CASE category
            WHEN 'http_server' THEN method || ' ' || route
            WHEN 'http_client' THEN method
            WHEN 'db' THEN CASE WHEN db_system = 'redis' THEN db_op ELSE db_op || ' ' || collection END
            WHEN 'messaging' THEN msg_op || ' ' || destination
            ELSE function_name END AS span_name,
          CASE category WHEN 'http_server' THEN 'SERVER' WHEN 'internal' THEN 'INTERNAL'
            WHEN 'messaging' THEN CASE WHEN msg_op = 'publish' THEN 'PRODUCER' ELSE 'CONSUMER' END
            ELSE 'CLIENT' END AS span_kind,
          CASE WHEN (category LIKE 'http%%' AND http_status >= 500) OR r_error < 0.004 THEN 'ERROR'
            ELSE 'UNSET' END AS status_code,
          CASE category WHEN 'http_server' THEN service || '.shop.internal'
            WHEN 'http_client' THEN peer_service || '.shop.internal'
            WHEN 'db' THEN db_system || '-' || (service_no %% 3) || '.db.internal'
            ELSE 'kafka-' || (service_no %% 3) || '.mq.internal' END AS server_host,
          (exp(ln(CASE category WHEN 'http_server' THEN 20000 WHEN 'http_client' THEN 15000
                  WHEN 'db' THEN CASE WHEN db_system = 'redis' THEN 300 ELSE 2000 END
                  WHEN 'messaging' THEN 1000 ELSE 300 END)
               + sqrt(-2 * ln(r_duration_1)) * cos(2 * pi() * r_duration_2))
           * 1000 * (1 + 0.3 * (service_no %% 5))
           * CASE WHEN category LIKE 'http%%' AND http_status >= 500 THEN 4 ELSE 1 END)::BIGINT
            AS duration_nanos,
          1748736000000000000 + (span_index * (3600000000000 // %1$d)) + floor(r_start * 1000000)::BIGINT
            AS start_time_unix_nano,
          md5('trace' || trace_no) AS trace_id,
          left(md5('span' || span_index), 16) AS span_id,
          CASE WHEN starts_trace THEN NULL ELSE left(md5('span' || (span_index - 1)), 16) END AS parent_span_id
        FROM (
          SELECT *,
            '/api/v1/' || %2$s[route_no %% 10 + 1] || %3$s[route_no // 10 + 1] AS route,
            CASE db_system
              WHEN 'redis' THEN ['GET', 'SET', 'DEL', 'EXPIRE'][floor(4 * pow(r_db_op, 1.5))::INTEGER + 1]
              WHEN 'mongodb' THEN ['find', 'insert', 'update', 'aggregate'][floor(4 * pow(r_db_op, 1.5))::INTEGER + 1]
              ELSE ['SELECT', 'INSERT', 'UPDATE', 'DELETE'][floor(4 * pow(r_db_op, 1.5))::INTEGER + 1] END AS db_op,
            %4$s[collection_no %% 20 + 1] || CASE WHEN collection_no >= 20 THEN '_archive' ELSE '' END AS collection,
            %5$s[function_no %% 10 + 1] || %6$s[(function_no // 10) %% 10 + 1]
              || ['', 'Async', 'Batch'][function_no // 100 + 1] AS function_name
          FROM (
            SELECT d.*, t.has_user, t.user_no, t.session_no, t.tenant_no, %1$d AS n_spans,
              %7$s[service_no + 1] AS service, %7$s[service_no + 1] AS service_name,
              %7$s[floor(20 * r_peer)::INTEGER + 1] AS peer_service,
              CASE WHEN r_category < 0.38 THEN 'http_server' WHEN r_category < 0.55 THEN 'http_client'
                WHEN r_category < 0.77 THEN 'db' WHEN r_category < 0.84 THEN 'messaging'
                ELSE 'internal' END AS category,
              CASE WHEN r_method < 0.70 THEN 'GET' WHEN r_method < 0.90 THEN 'POST'
                WHEN r_method < 0.95 THEN 'PUT' WHEN r_method < 0.98 THEN 'DELETE' ELSE 'PATCH' END AS method,
              floor(50 * pow(r_route, 2))::INTEGER AS route_no,
              CASE WHEN r_status < 0.85 THEN 200 WHEN r_status < 0.89 THEN 201 WHEN r_status < 0.91 THEN 204
                WHEN r_status < 0.93 THEN 304 WHEN r_status < 0.95 THEN 400 WHEN r_status < 0.96 THEN 401
                WHEN r_status < 0.975 THEN 404 WHEN r_status < 0.98 THEN 429 WHEN r_status < 0.99 THEN 500
                WHEN r_status < 0.995 THEN 502 ELSE 503 END AS http_status,
              CASE WHEN r_db < 0.45 THEN 'postgresql' WHEN r_db < 0.75 THEN 'redis'
                WHEN r_db < 0.90 THEN 'mongodb' ELSE 'mysql' END AS db_system,
              floor(40 * pow(r_collection, 2))::INTEGER AS collection_no,
              CASE WHEN r_msg_system < 0.7 THEN 'kafka' ELSE 'rabbitmq' END AS msg_system,
              CASE WHEN r_msg_op < 0.5 THEN 'publish' WHEN r_msg_op < 0.8 THEN 'receive' ELSE 'process' END AS msg_op,
              %8$s[floor(15 * r_destination)::INTEGER + 1] AS destination,
              floor(300 * pow(r_function, 1.3))::INTEGER AS function_no,
              r_category >= 0.84 OR (r_category < 0.38 AND r_code < 0.3) AS has_code,
              floor(64 * r_thread)::INTEGER + 1 AS thread_no,
              r_category >= 0.84 OR r_has_thread < 0.95 AS has_thread,
              r_payment < 0.7 AND service_no IN (3, 7) AS has_payment
            FROM span_draws d JOIN traces t USING (trace_no)
          )
        )
        ORDER BY span_index
        """.formatted(
            spans,
            list(List.of("cart", "products", "users", "orders", "checkout", "payments", "search",
                "reviews", "recommendations", "shipments")),
            list(List.of("", "/{id}", "/{id}/items", "/batch", "/summary")),
            list(List.of("orders", "order_items", "carts", "cart_items", "users", "sessions",
                "products", "prices", "inventory", "reviews", "payments", "refunds", "shipments",
                "addresses", "coupons", "ads", "quotes", "emails", "notifications", "audit_log")),
            list(FUNCTION_VERBS),
            list(FUNCTION_NOUNS),
            list(SERVICES),
            list(List.of("orders", "payments", "shipments", "emails", "inventory-updates",
                "cart-events", "user-events", "audit", "fraud-checks", "notifications",
                "price-updates", "reviews", "recommendations", "ad-clicks", "quotes")));
  }

  /**
   * The wide table: core columns, span_index, one column per key. The {@code random()} calls in the
   * keys' SQL become {@code draw(r_attributes, '<key>#<n>')}: a hash of the span's seeded draw and
   * the call site, uniform in [0, 1) and independent of the order DuckDB evaluates conditions in.
   */
  private static String sourceSql() {
    String attributes = KEYS.stream()
        .map(k -> seeded("CAST(CASE WHEN " + k.presentWhen() + " THEN " + k.value() + " END AS "
            + k.type().sqlType + ") AS " + k.column(), k.name()))
        .collect(Collectors.joining(",\n  "));
    return "CREATE TABLE " + SOURCE_TABLE + " AS SELECT span_index, "
        + String.join(", ", CORE_COLUMNS) + ",\n  " + attributes
        + "\nFROM span_base";
  }

  private static String seeded(String sql, String keyName) {
    StringBuilder out = new StringBuilder();
    int from = 0;
    int call = 0;
    for (int at = sql.indexOf("random()"); at >= 0; at = sql.indexOf("random()", from)) {
      out.append(sql, from, at).append("draw(r_attributes, '").append(keyName).append('#').append(call++).append("')");
      from = at + "random()".length();
    }
    return out.append(sql.substring(from)).toString();
  }

  private static List<AttributeKey> keys() {
    String http = "category IN ('http_server', 'http_client')";
    String server = "category = 'http_server'";
    String edge = server + " AND service IN ('frontend', 'api-gateway')";
    String internal = "category = 'internal'";
    String client = "category = 'http_client'";
    String db = "category = 'db'";
    String messaging = "category = 'messaging'";
    String outbound = "category IN ('http_client', 'db', 'messaging')";
    String sqlDb = db + " AND db_system IN ('postgresql', 'mysql')";
    String kafka = messaging + " AND msg_system = 'kafka'";
    // Services that record who the request is for (baggage), and on which spans.
    String carriesUser = "has_user AND (category IN ('http_server', 'internal')"
        + " OR (category = 'db' AND service IN ('cart', 'checkout', 'payment', 'user-profile', 'auth')))";
    List<AttributeKey> keys = new ArrayList<>(List.of(
        // HTTP
        string("http.request.method", http, "method"),
        string("http.route", server, "route"),
        integer("http.response.status_code", http, "http_status"),
        string("url.full", http, "'https://' || server_host || replace(route, '{id}', "
            + "(span_index * 7919 % 100000)::VARCHAR) || '?request=' || span_index"),
        string("url.scheme", server, "'https'"),
        string("server.address", "category <> 'internal'", "server_host"),
        integer("server.port", "category <> 'internal'", "CASE category WHEN 'db' THEN CASE db_system"
            + " WHEN 'postgresql' THEN 5432 WHEN 'redis' THEN 6379 WHEN 'mongodb' THEN 27017 ELSE 3306 END"
            + " WHEN 'messaging' THEN 9092 ELSE 8080 END"),
        string("client.address", edge + " AND random() < 0.8",
            "'10.' || floor(random() * 40)::INTEGER || '.' || floor(random() * 256)::INTEGER"
                + " || '.' || (1 + floor(random() * 2)::INTEGER)"),
        string("user_agent.original", edge + " AND random() < 0.7",
            "'Mozilla/5.0 (' || ['Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 14_5',"
                + " 'X11; Linux x86_64', 'iPhone; CPU iPhone OS 17_5 like Mac OS X',"
                + " 'Linux; Android 14'][floor(random() * 5)::INTEGER + 1] || ') ' ||"
                + " ['Chrome', 'Firefox', 'Safari', 'Edg'][floor(random() * 4)::INTEGER + 1] || '/'"
                + " || (120 + floor(random() * 10)::INTEGER) || '.0'"),
        string("network.protocol.version", http,
            "CASE WHEN random() < 0.6 THEN '2' ELSE '1.1' END"),
        integer("http.request.body.size", http + " AND method IN ('POST', 'PUT', 'PATCH')",
            "floor(exp(random() * 9))"),
        integer("http.response.body.size", http + " AND random() < 0.6", "floor(exp(random() * 12))"),
        string("network.peer.address", server + " OR (" + outbound + " AND random() < 0.5)",
            "'10.30.' || floor(random() * 16)::INTEGER || '.' || floor(random() * 256)::INTEGER"),
        integer("network.peer.port", outbound + " AND random() < 0.5", "32768 + floor(random() * 28000)"),
        integer("http.request.resend_count", client + " AND random() < 0.03", "1 + floor(random() * 3)"),
        string("network.transport", outbound, "'tcp'"),
        string("network.type", outbound, "CASE WHEN random() < 0.9 THEN 'ipv4' ELSE 'ipv6' END"),
        string("peer.service", outbound,
            "CASE category WHEN 'http_client' THEN peer_service WHEN 'db' THEN db_system ELSE msg_system END"),
        // Databases
        string("db.system", db, "db_system"),
        string("db.namespace", db,
            list(List.of("shop", "orders", "users", "catalog", "payments", "sessions", "inventory",
                "reviews", "ads", "billing")) + "[floor(random() * 10)::INTEGER + 1]"),
        string("db.operation.name", db, "db_op"),
        string("db.collection.name", db + " AND db_system <> 'redis' AND random() < 0.9", "collection"),
        string("db.query.text", sqlDb + " AND random() < 0.8",
            "CASE db_op WHEN 'SELECT' THEN 'SELECT * FROM ' || collection || ' WHERE id = ?'"
                + " WHEN 'INSERT' THEN 'INSERT INTO ' || collection || ' VALUES (?, ?, ?)'"
                + " WHEN 'UPDATE' THEN 'UPDATE ' || collection || ' SET status = ? WHERE id = ?'"
                + " ELSE 'DELETE FROM ' || collection || ' WHERE id = ?' END"
                + " || CASE WHEN random() < 0.5 THEN '' ELSE ' LIMIT ?' END"),
        integer("db.response.returned_rows", db + " AND random() < 0.5", "floor(exp(random() * 5))"),
        string("db.client.connection.pool.name", db,
            "db_system || '-pool-' || floor(random() * 3)::INTEGER"),
        bool("app.cache.hit", "(" + db + " AND db_system = 'redis') OR (category = 'internal' AND random() < 0.2)",
            "random() < 0.75"),
        // Messaging
        string("messaging.system", messaging, "msg_system"),
        string("messaging.destination.name", messaging, "destination"),
        string("messaging.operation.type", messaging, "msg_op"),
        string("messaging.message.id", messaging, "left(md5('message' || span_index), 20)"),
        string("messaging.kafka.message.key", kafka + " AND random() < 0.6", "'order-' || trace_no"),
        string("messaging.destination.partition.id", kafka, "floor(random() * 12)::INTEGER::VARCHAR"),
        integer("messaging.batch.message_count", messaging + " AND random() < 0.3",
            "1 + floor(random() * 100)"),
        string("messaging.client.id", messaging, "service || '-' || floor(random() * 4)::INTEGER"),
        // Code and threads
        string("code.function.name", "has_code", "function_name"),
        string("code.namespace", internal, "'com.shop.' || replace(service, '-', '_') || '.' ||"
            + " ['api', 'core', 'store', 'util'][function_no % 4 + 1]"),
        integer("code.lineno", "has_code", "1 + (function_no * 37) % 2000"),
        string("code.filepath", internal, "'src/main/java/com/shop/' || replace(service, '-', '_')"
            + " || '/' || " + list(FUNCTION_NOUNS) + "[(function_no // 10) % 10 + 1] || 'Service.java'"),
        string("app.workflow.name", internal,
            list(WORKFLOWS) + "[(function_no + service_no) % 12 + 1]"),
        string("app.workflow.step", internal,
            "['validate', 'enrich', 'price', 'reserve', 'persist', 'notify'][floor(random() * 6)::INTEGER + 1]"),
        integer("app.batch.size", internal, "1 + floor(exp(random() * 6))"),
        integer("thread.id", "has_thread", "thread_no"),
        string("thread.name", "has_thread", "'worker-' || thread_no"),
        // Who the request is for
        string("user.id", carriesUser, "'user-' || lpad(user_no::VARCHAR, 6, '0')"),
        string("session.id", "has_user AND category <> 'messaging'", "md5('session' || session_no)"),
        string("app.user.tier", carriesUser + " AND random() < 0.6",
            "CASE WHEN user_no % 10 < 6 THEN 'free' WHEN user_no % 10 < 9 THEN 'pro' ELSE 'business' END"),
        string("app.tenant.id", "true", "'tenant-' || tenant_no"),
        // Application keys
        integer("app.cart.items", "service IN ('cart', 'checkout', 'frontend')"
            + " AND category IN ('http_server', 'internal') AND random() < 0.7",
            "1 + floor(30 * pow(random(), 2))"),
        dbl("app.payment.amount", "has_payment", "round(exp(random() * 7), 2)"),
        string("app.payment.currency", "has_payment",
            list(List.of("USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "PLN", "BRL"))
                + "[floor(10 * pow(random(), 3))::INTEGER + 1]"),
        string("app.product.id", "service IN ('product-catalog', 'recommendation', 'ad', 'review',"
            + " 'cart', 'inventory') AND random() < 0.8",
            "'prod-' || lpad(floor(10000 * pow(random(), 1.5))::INTEGER::VARCHAR, 5, '0')"),
        string("app.order.id", "service IN ('checkout', 'payment', 'shipping', 'email', 'accounting',"
            + " 'fraud-detection', 'quote')", "'order-' || trace_no"),
        string("error.type", "status_code = 'ERROR'",
            "CASE WHEN category LIKE 'http%' THEN http_status::VARCHAR ELSE ['timeout',"
                + " 'java.net.SocketException', 'DEADLINE_EXCEEDED', 'java.lang.IllegalStateException']"
                + "[floor(random() * 4)::INTEGER + 1] END"),
        // Introduced by a deploy 60% into the timeline.
        string("app.checkout.coupon_code", "service = 'checkout' AND span_index >= 0.6 * n_spans AND random() < 0.3",
            "'SUMMER' || floor(random() * 20)::INTEGER")));
    // Each experiment is live for 1/25 of the timeline plus a 2% overlap on either side.
    for (int e = 0; e < EXPERIMENTS.size(); e++) {
      String live = String.format(
          "span_index >= (%d - 0.5) * n_spans / %d AND span_index < (%d + 1.5) * n_spans / %d",
          e, EXPERIMENTS.size(), e, EXPERIMENTS.size());
      keys.add(string("app.experiment." + EXPERIMENTS.get(e),
          server + " AND service IN ('frontend', 'api-gateway') AND "
              + live
              + " AND random() < 0.5",
          "CASE WHEN random() < 0.5 THEN 'control' ELSE 'treatment' END"));
    }
    return List.copyOf(keys);
  }

  private static AttributeKey string(String name, String presentWhen, String value) {
    return new AttributeKey(name, ValueType.STRING, presentWhen, value);
  }

  private static AttributeKey integer(String name, String presentWhen, String value) {
    return new AttributeKey(name, ValueType.INT, presentWhen, value);
  }

  private static AttributeKey dbl(String name, String presentWhen, String value) {
    return new AttributeKey(name, ValueType.DOUBLE, presentWhen, value);
  }

  private static AttributeKey bool(String name, String presentWhen, String value) {
    return new AttributeKey(name, ValueType.BOOL, presentWhen, value);
  }
}
