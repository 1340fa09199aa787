package io.contrail.workload;

/**
 * Attribute keys the workload emits, spelled as in the OpenTelemetry semantic conventions, plus
 * the {@code app.*} keys of the OpenTelemetry demo shop.
 *
 * <p>Some deprecated keys ({@code db.system}, {@code db.statement}, {@code db.name}) are emitted
 * next to their replacements on purpose: real fleets mix SDK generations, and queries over the
 * warehouse have to cope with both spellings.
 */
final class AttributeKeys {

  private AttributeKeys() {}

  // Resource.
  static final String SERVICE_NAME = "service.name";
  static final String SERVICE_NAMESPACE = "service.namespace";
  static final String SERVICE_VERSION = "service.version";
  static final String SERVICE_INSTANCE_ID = "service.instance.id";
  static final String HOST_NAME = "host.name";
  static final String HOST_ARCH = "host.arch";
  static final String OS_TYPE = "os.type";
  static final String K8S_CLUSTER_NAME = "k8s.cluster.name";
  static final String K8S_NAMESPACE_NAME = "k8s.namespace.name";
  static final String K8S_DEPLOYMENT_NAME = "k8s.deployment.name";
  static final String K8S_POD_NAME = "k8s.pod.name";
  static final String K8S_NODE_NAME = "k8s.node.name";
  static final String DEPLOYMENT_ENVIRONMENT_NAME = "deployment.environment.name";
  static final String TELEMETRY_SDK_LANGUAGE = "telemetry.sdk.language";
  static final String TELEMETRY_SDK_NAME = "telemetry.sdk.name";
  static final String TELEMETRY_SDK_VERSION = "telemetry.sdk.version";

  // HTTP and URL.
  static final String HTTP_REQUEST_METHOD = "http.request.method";
  static final String HTTP_ROUTE = "http.route";
  static final String HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
  static final String HTTP_REQUEST_BODY_SIZE = "http.request.body.size";
  static final String HTTP_RESPONSE_BODY_SIZE = "http.response.body.size";
  static final String URL_FULL = "url.full";
  static final String URL_PATH = "url.path";
  static final String URL_QUERY = "url.query";
  static final String URL_SCHEME = "url.scheme";
  static final String USER_AGENT_ORIGINAL = "user_agent.original";
  static final String ERROR_TYPE = "error.type";

  // Network and peers.
  static final String SERVER_ADDRESS = "server.address";
  static final String SERVER_PORT = "server.port";
  static final String CLIENT_ADDRESS = "client.address";
  static final String NETWORK_PEER_ADDRESS = "network.peer.address";
  static final String NETWORK_PEER_PORT = "network.peer.port";
  static final String NETWORK_PROTOCOL_NAME = "network.protocol.name";
  static final String NETWORK_PROTOCOL_VERSION = "network.protocol.version";
  static final String NETWORK_TRANSPORT = "network.transport";
  static final String NETWORK_TYPE = "network.type";
  static final String PEER_SERVICE = "peer.service";

  // RPC.
  static final String RPC_SYSTEM = "rpc.system";
  static final String RPC_SERVICE = "rpc.service";
  static final String RPC_METHOD = "rpc.method";
  static final String RPC_GRPC_STATUS_CODE = "rpc.grpc.status_code";

  // Databases.
  static final String DB_SYSTEM_NAME = "db.system.name";
  static final String DB_SYSTEM = "db.system";
  static final String DB_NAMESPACE = "db.namespace";
  static final String DB_NAME = "db.name";
  static final String DB_QUERY_TEXT = "db.query.text";
  static final String DB_STATEMENT = "db.statement";
  static final String DB_OPERATION_NAME = "db.operation.name";
  static final String DB_COLLECTION_NAME = "db.collection.name";
  static final String DB_USER = "db.user";
  static final String DB_RESPONSE_RETURNED_ROWS = "db.response.returned_rows";
  static final String DB_REDIS_DATABASE_INDEX = "db.redis.database_index";
  static final String DB_REDIS_FLAGS = "db.redis.flags";

  // Messaging.
  static final String MESSAGING_SYSTEM = "messaging.system";
  static final String MESSAGING_DESTINATION_NAME = "messaging.destination.name";
  static final String MESSAGING_DESTINATION_PARTITION_ID = "messaging.destination.partition.id";
  static final String MESSAGING_OPERATION_TYPE = "messaging.operation.type";
  static final String MESSAGING_OPERATION_NAME = "messaging.operation.name";
  static final String MESSAGING_CLIENT_ID = "messaging.client.id";
  static final String MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
  static final String MESSAGING_MESSAGE_BODY_SIZE = "messaging.message.body.size";
  static final String MESSAGING_KAFKA_MESSAGE_KEY = "messaging.kafka.message.key";
  static final String MESSAGING_KAFKA_OFFSET = "messaging.kafka.offset";

  // Code and threads (manual and library instrumentation).
  static final String CODE_FUNCTION_NAME = "code.function.name";
  static final String CODE_FILE_PATH = "code.file.path";
  static final String CODE_LINE_NUMBER = "code.line.number";
  static final String THREAD_ID = "thread.id";
  static final String THREAD_NAME = "thread.name";

  // Users and sessions.
  static final String USER_ID = "user.id";
  static final String SESSION_ID = "session.id";

  // Exceptions (on "exception" events) and gRPC message events.
  static final String EXCEPTION_TYPE = "exception.type";
  static final String EXCEPTION_MESSAGE = "exception.message";
  static final String EXCEPTION_STACKTRACE = "exception.stacktrace";
  static final String MESSAGE_TYPE = "message.type";
  static final String MESSAGE_ID = "message.id";

  // Next.js (frontend).
  static final String NEXT_SPAN_NAME = "next.span_name";
  static final String NEXT_SPAN_TYPE = "next.span_type";
  static final String NEXT_ROUTE = "next.route";

  // The demo shop's own attributes.
  static final String APP_PRODUCT_ID = "app.product.id";
  static final String APP_PRODUCT_NAME = "app.product.name";
  static final String APP_PRODUCT_IDS = "app.product.ids";
  static final String APP_PRODUCTS_COUNT = "app.products.count";
  static final String APP_PRODUCTS_RECOMMENDED_COUNT = "app.products_recommended.count";
  static final String APP_RECOMMENDATION_CACHE_ENABLED = "app.recommendation.cache_enabled";
  static final String APP_FILTERED_PRODUCTS_COUNT = "app.filtered_products.count";
  static final String APP_CART_ITEMS_COUNT = "app.cart.items.count";
  static final String APP_CART_ITEM_QUANTITY = "app.cart.item.quantity";
  static final String APP_CACHE_HIT = "app.cache.hit";
  static final String APP_CURRENCY_CODE = "app.currency.code";
  static final String APP_CURRENCY_CONVERSION_FROM = "app.currency.conversion.from";
  static final String APP_CURRENCY_CONVERSION_TO = "app.currency.conversion.to";
  static final String APP_CURRENCY_AMOUNT = "app.currency.amount";
  static final String APP_ORDER_ID = "app.order.id";
  static final String APP_ORDER_ITEMS_COUNT = "app.order.items.count";
  static final String APP_ORDER_AMOUNT = "app.order.amount";
  static final String APP_PAYMENT_AMOUNT = "app.payment.amount";
  static final String APP_PAYMENT_CARD_TYPE = "app.payment.card_type";
  static final String APP_PAYMENT_CARD_VALID = "app.payment.card_valid";
  static final String APP_PAYMENT_CHARGED = "app.payment.charged";
  static final String APP_PAYMENT_TRANSACTION_ID = "app.payment.transaction.id";
  static final String APP_LOYALTY_LEVEL = "app.loyalty.level";
  static final String APP_SHIPPING_ZIP_CODE = "app.shipping.zip_code";
  static final String APP_SHIPPING_COST_TOTAL = "app.shipping.cost.total";
  static final String APP_SHIPPING_TRACKING_ID = "app.shipping.tracking.id";
  static final String APP_SHIPPING_ITEMS_COUNT = "app.shipping.items.count";
  static final String APP_QUOTE_ITEMS_COUNT = "app.quote.items.count";
  static final String APP_QUOTE_COST_TOTAL = "app.quote.cost.total";
  static final String APP_QUOTE_BASE_COST = "app.quote.base_cost";
  static final String APP_QUOTE_RATE_PER_ITEM = "app.quote.rate_per_item";
  static final String APP_EMAIL_RECIPIENT = "app.email.recipient";
  static final String APP_EMAIL_TEMPLATE = "app.email.template";
  static final String APP_ADS_CONTEXT_KEYS = "app.ads.contextKeys";
  static final String APP_ADS_CONTEXT_KEYS_COUNT = "app.ads.contextKeys.count";
  static final String APP_ADS_COUNT = "app.ads.count";
  static final String APP_ADS_REQUEST_TYPE = "app.ads.ad_request_type";
  static final String APP_ADS_RESPONSE_TYPE = "app.ads.ad_response_type";
  static final String APP_ADS_CATEGORY = "app.ads.category";
  static final String APP_FRAUD_SCORE = "app.fraud.score";
  static final String APP_FRAUD_DECISION = "app.fraud.decision";
}
