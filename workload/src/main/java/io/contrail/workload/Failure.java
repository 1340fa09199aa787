package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * The ways a request to the shop can fail, modelled on the demo's failure feature flags. Each is
 * raised at one kind of span (its origin), which records an {@code exception} event; the error then
 * travels up to the ancestors (see {@link TraceBuilder#fail}).
 *
 * <p>{@code timeoutNanos}, when not zero, is how long the origin span hangs before failing.
 */
enum Failure {
  PAYMENT_DECLINED(
      "Error",
      "Payment request failed. Invalid token. app.loyalty.level=gold",
      """
      Error: Payment request failed. Invalid token. app.loyalty.level=gold
          at module.exports.charge (/usr/src/app/charge.js:41:11)
          at async Object.chargeServiceHandler [as charge] (/usr/src/app/index.js:21:22)""",
      2, 0),
  PRODUCT_CATALOG_FAILURE(
      "*errors.errorString",
      "Error: Product Catalog Fail Feature Flag Enabled",
      """
      goroutine 1187 [running]:
      main.(*productCatalog).GetProduct(0xc0001a2000, {0x1a2b3c0, 0xc000523f80}, 0xc0004e6a50)
      \t/usr/src/app/main.go:301 +0x4be
      github.com/open-telemetry/opentelemetry-demo/src/product-catalog/genproto/oteldemo._ProductCatalogService_GetProduct_Handler.func1()
      \t/usr/src/app/genproto/oteldemo/demo_grpc.pb.go:635 +0x6b""",
      13, 0),
  PRODUCTS_DB_TIMEOUT(
      "*pgconn.PgError",
      "ERROR: canceling statement due to statement timeout (SQLSTATE 57014)",
      """
      goroutine 902 [running]:
      github.com/jackc/pgx/v5/pgconn.(*PgConn).receiveMessage(0xc00028e480)
      \t/go/pkg/mod/github.com/jackc/pgx/v5@v5.7.2/pgconn/pgconn.go:530 +0x2a5
      main.(*productCatalog).queryProducts(0xc0001a2000, {0x1a2b3c0, 0xc000523f80})
      \t/usr/src/app/products.go:88 +0x1d4""",
      4, 2_000_000_000L),
  CART_STORE_UNAVAILABLE(
      "StackExchange.Redis.RedisConnectionException",
      "No connection is active/available to service this operation: HGET; It was not possible to connect to the redis server(s)",
      """
      StackExchange.Redis.RedisConnectionException: No connection is active/available to service this operation: HGET
         at StackExchange.Redis.ConnectionMultiplexer.ExecuteSyncImpl[T](Message message, ResultProcessor`1 processor, ServerEndPoint server, T defaultValue)
         at cart.cartstore.ValkeyCartStore.GetCartAsync(String userId) in /usr/src/app/src/cartstore/ValkeyCartStore.cs:line 236
         at cart.services.CartService.GetCart(GetCartRequest request, ServerCallContext context) in /usr/src/app/src/services/CartService.cs:line 47""",
      9, 5_000_000_000L),
  AD_SERVICE_FAILURE(
      "io.grpc.StatusRuntimeException",
      "UNAVAILABLE: Ad service is temporarily unavailable",
      """
      io.grpc.StatusRuntimeException: UNAVAILABLE: Ad service is temporarily unavailable
      \tat io.grpc.Status.asRuntimeException(Status.java:533)
      \tat oteldemo.AdService$AdServiceImpl.getAds(AdService.java:224)
      \tat oteldemo.AdServiceGrpc$MethodHandlers.invoke(AdServiceGrpc.java:251)""",
      14, 0),
  CURRENCY_CONVERSION_FAILURE(
      "std::runtime_error",
      "Conversion rate not available for the requested currency",
      """
      std::runtime_error: Conversion rate not available for the requested currency
        #0 CurrencyService::Convert(grpc::ServerContext*, oteldemo::CurrencyConversionRequest const*, oteldemo::Money*) at /currency/src/server.cpp:187
        #1 grpc::internal::RpcMethodHandler<oteldemo::CurrencyService::Service>::RunHandler at /usr/include/grpcpp/impl/rpc_service_method.h:77""",
      13, 0),
  RECOMMENDATION_FAILURE(
      "grpc._channel._InactiveRpcError",
      "<_InactiveRpcError of RPC that terminated with: status = StatusCode.DEADLINE_EXCEEDED, details = \"Deadline Exceeded\">",
      """
      Traceback (most recent call last):
        File "/app/recommendation_server.py", line 71, in ListRecommendations
          prod_list = get_product_list(request.product_ids)
        File "/app/recommendation_server.py", line 98, in get_product_list
          cat_response = product_catalog_stub.ListProducts(demo_pb2.Empty())
      grpc._channel._InactiveRpcError: <_InactiveRpcError of RPC that terminated with: status = StatusCode.DEADLINE_EXCEEDED>""",
      4, 1_000_000_000L),
  QUOTE_FAILURE(
      "RuntimeException",
      "Failed to calculate quote: shipping rate table unavailable",
      """
      #0 /var/www/app/routes.php(42): calculateQuote(3)
      #1 /var/www/vendor/slim/slim/Slim/Handlers/Strategies/RequestResponse.php(38): {closure}(Object(Slim\\Psr7\\Request), Object(Slim\\Psr7\\Response), Array)
      #2 /var/www/vendor/slim/slim/Slim/Routing/Route.php(358): Slim\\Handlers\\Strategies\\RequestResponse->__invoke()
      #3 {main}""",
      2, 0),
  EMAIL_DELIVERY_TIMEOUT(
      "Net::ReadTimeout",
      "Net::ReadTimeout with #<TCPSocket:(closed)>",
      """
      /usr/local/lib/ruby/3.3.0/net/protocol.rb:229:in `rbuf_fill'
      /usr/local/lib/ruby/3.3.0/net/smtp.rb:1071:in `recv_response'
      /email_server/email_server.rb:51:in `send_email'
      /email_server/email_server.rb:27:in `block in <class:EmailServer>'""",
      2, 3_000_000_000L),
  ORDER_STORE_CONFLICT(
      "Npgsql.PostgresException",
      "23505: duplicate key value violates unique constraint \"order_pkey\"",
      """
      Npgsql.PostgresException (0x80004005): 23505: duplicate key value violates unique constraint "order_pkey"
         at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async, DataRowLoadingMode dataRowLoadingMode, Boolean readingNotifications, Boolean isReadingPrependedMessage)
         at Accounting.Consumer.ProcessMessage(Message`2 message) in /src/Consumer.cs:line 88""",
      2, 0);

  final String exceptionType;
  final String message;
  /** gRPC status code that RPC spans on the error path report. */
  final int grpcStatusCode;
  final long timeoutNanos;
  /** Attributes of the {@code exception} event the origin span records. */
  final List<KeyValue> exceptionAttributes;
  final KeyValue errorTypeKv;

  Failure(String exceptionType, String message, String stacktrace, int grpcStatusCode,
      long timeoutNanos) {
    this.exceptionType = exceptionType;
    this.message = message;
    this.grpcStatusCode = grpcStatusCode;
    this.timeoutNanos = timeoutNanos;
    this.exceptionAttributes = List.of(
        kv(EXCEPTION_TYPE, exceptionType),
        kv(EXCEPTION_MESSAGE, message),
        kv(EXCEPTION_STACKTRACE, stacktrace));
    this.errorTypeKv = kv(ERROR_TYPE, exceptionType);
  }
}
