package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * Attribute values: the shared constant key/value pairs, and the pools that varying values are
 * drawn from (the demo shop's product catalog, currencies, user agents, card types).
 *
 * <p>Protobuf messages are immutable, so a constant pair such as {@code rpc.system=grpc} is built
 * once and shared by every span that carries it; only values that really vary per span (ids,
 * ports, sizes, amounts) are built per span. That sharing is most of what keeps generation fast.
 */
final class AttributePools {

  private AttributePools() {}

  static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  static KeyValue kv(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  static KeyValue kv(String key, double value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setDoubleValue(value))
        .build();
  }

  static KeyValue kv(String key, boolean value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setBoolValue(value)).build();
  }

  /** A string-array attribute. */
  static KeyValue kv(String key, List<String> values) {
    ArrayValue.Builder array = ArrayValue.newBuilder();
    for (String value : values) {
      array.addValues(AnyValue.newBuilder().setStringValue(value));
    }
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setArrayValue(array)).build();
  }

  // Shared constants.
  static final KeyValue METHOD_GET = kv(HTTP_REQUEST_METHOD, "GET");
  static final KeyValue SCHEME_HTTP = kv(URL_SCHEME, "http");
  static final KeyValue HTTP_VERSION_1_1 = kv(NETWORK_PROTOCOL_VERSION, "1.1");
  static final KeyValue HTTP_VERSION_2 = kv(NETWORK_PROTOCOL_VERSION, "2");
  static final KeyValue PROTOCOL_HTTP = kv(NETWORK_PROTOCOL_NAME, "http");
  static final KeyValue TRANSPORT_TCP = kv(NETWORK_TRANSPORT, "tcp");
  static final KeyValue TYPE_IPV4 = kv(NETWORK_TYPE, "ipv4");
  static final KeyValue RPC_SYSTEM_GRPC = kv(RPC_SYSTEM, "grpc");
  static final KeyValue CACHE_HIT = kv(APP_CACHE_HIT, true);
  static final KeyValue CACHE_MISS = kv(APP_CACHE_HIT, false);
  static final KeyValue ERROR_TYPE_HTTP_500 = kv(ERROR_TYPE, "500");
  static final KeyValue CURRENCY_FROM_USD = kv(APP_CURRENCY_CONVERSION_FROM, "USD");

  private static final KeyValue HTTP_STATUS_200 = kv(HTTP_RESPONSE_STATUS_CODE, 200L);
  private static final KeyValue HTTP_STATUS_500 = kv(HTTP_RESPONSE_STATUS_CODE, 500L);
  private static final KeyValue[] GRPC_STATUS = new KeyValue[17];

  static {
    for (int code = 0; code < GRPC_STATUS.length; code++) {
      GRPC_STATUS[code] = kv(RPC_GRPC_STATUS_CODE, (long) code);
    }
  }

  static KeyValue httpStatus(int code) {
    return switch (code) {
      case 200 -> HTTP_STATUS_200;
      case 500 -> HTTP_STATUS_500;
      default -> kv(HTTP_RESPONSE_STATUS_CODE, (long) code);
    };
  }

  static KeyValue grpcStatus(int code) {
    return GRPC_STATUS[code];
  }

  /** An item of the demo shop's catalog; popularity is its relative share of product views. */
  record Product(String id, String name, String category, double priceUsd, double popularity,
      KeyValue idKv, KeyValue nameKv) {
    Product(String id, String name, String category, double priceUsd, double popularity) {
      this(id, name, category, priceUsd, popularity, kv(APP_PRODUCT_ID, id), kv(APP_PRODUCT_NAME, name));
    }
  }

  /** The OpenTelemetry demo's catalog. */
  static final Product[] PRODUCTS = {
    new Product("OLJCESPC7Z", "National Park Foundation Explorascope", "telescopes", 101.96, 14),
    new Product("66VCHSJNUP", "Starsense Explorer Refractor Telescope", "telescopes", 349.95, 12),
    new Product("1YMWWN1N4O", "Eclipsmart Travel Refractor Telescope", "telescopes", 129.95, 10),
    new Product("L9ECAV7KIM", "Lens Cleaning Kit", "accessories", 21.95, 16),
    new Product("2ZYFJ3GM2N", "Roof Binoculars", "binoculars", 209.95, 9),
    new Product("0PUK6V6EV0", "Solar System Color Imager", "accessories", 175.00, 7),
    new Product("LS4PSXUNUM", "Red Flashlight", "flashlights", 57.08, 11),
    new Product("9SIQT8TOJO", "Optical Tube Assembly", "assembly", 3599.00, 3),
    new Product("6E92ZMYYFZ", "Solar Filter", "accessories", 69.95, 8),
    new Product("HQTGWGPNH4", "The Comet Book", "books", 0.99, 10),
  };

  /** The product behind the demo's "productCatalogFailure" feature flag. */
  static final Product FAULTY_PRODUCT = PRODUCTS[0];

  private static final double[] PRODUCT_CUMULATIVE = cumulative(PRODUCTS);

  /** A product, skewed towards the popular ones. */
  static Product product(SeededRandom random) {
    double u = random.nextDouble();
    for (int i = 0; i < PRODUCT_CUMULATIVE.length - 1; i++) {
      if (u < PRODUCT_CUMULATIVE[i]) {
        return PRODUCTS[i];
      }
    }
    return PRODUCTS[PRODUCTS.length - 1];
  }

  /** A shopper's display currency, with its share of sessions. */
  record Currency(String code, double perUsd, double share, KeyValue codeKv, KeyValue conversionToKv) {
    Currency(String code, double perUsd, double share) {
      this(code, perUsd, share, kv(APP_CURRENCY_CODE, code), kv(APP_CURRENCY_CONVERSION_TO, code));
    }
  }

  static final Currency[] CURRENCIES = {
    new Currency("USD", 1.0, 0.40),
    new Currency("EUR", 0.92, 0.22),
    new Currency("GBP", 0.79, 0.10),
    new Currency("CAD", 1.36, 0.10),
    new Currency("JPY", 151.3, 0.09),
    new Currency("CHF", 0.88, 0.05),
    new Currency("TRY", 32.1, 0.04),
  };

  static Currency currency(SeededRandom random) {
    double u = random.nextDouble();
    double cumulative = 0;
    for (Currency currency : CURRENCIES) {
      cumulative += currency.share();
      if (u < cumulative) {
        return currency;
      }
    }
    return CURRENCIES[0];
  }

  static final KeyValue[] USER_AGENTS = {
    kv(USER_AGENT_ORIGINAL, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    kv(USER_AGENT_ORIGINAL, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Safari/605.1.15"),
    kv(USER_AGENT_ORIGINAL, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1"),
    kv(USER_AGENT_ORIGINAL, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.135 Mobile Safari/537.36"),
    kv(USER_AGENT_ORIGINAL, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
    kv(USER_AGENT_ORIGINAL, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"),
    kv(USER_AGENT_ORIGINAL, "python-requests/2.32.3"),
    kv(USER_AGENT_ORIGINAL, "Locust/2.32.4"),
  };

  static final KeyValue[] CARD_TYPES = {
    kv(APP_PAYMENT_CARD_TYPE, "visa"), kv(APP_PAYMENT_CARD_TYPE, "visa"),
    kv(APP_PAYMENT_CARD_TYPE, "mastercard"), kv(APP_PAYMENT_CARD_TYPE, "amex"),
  };

  static final KeyValue[] LOYALTY_LEVELS = {
    kv(APP_LOYALTY_LEVEL, "platinum"), kv(APP_LOYALTY_LEVEL, "gold"),
    kv(APP_LOYALTY_LEVEL, "silver"), kv(APP_LOYALTY_LEVEL, "silver"),
    kv(APP_LOYALTY_LEVEL, "bronze"), kv(APP_LOYALTY_LEVEL, "bronze"),
  };

  /** An ephemeral client port, as Linux allocates them. */
  static long ephemeralPort(SeededRandom random) {
    return 32768 + random.nextInt(28232);
  }

  /** A public-looking IPv4 address for an end user. */
  static String publicAddress(SeededRandom random) {
    return (random.nextInt(1, 224)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
        + random.nextInt(1, 255);
  }

  /** A response or request body size spread around a typical size. */
  static long bodySize(SeededRandom random, int typicalBytes) {
    return typicalBytes / 2 + random.nextInt(typicalBytes + 1);
  }

  /** An amount in dollars and cents. */
  static double money(double amount) {
    return Math.round(amount * 100) / 100.0;
  }

  private static double[] cumulative(Product[] products) {
    double total = 0;
    for (Product product : products) {
      total += product.popularity();
    }
    double[] cumulative = new double[products.length];
    double running = 0;
    for (int i = 0; i < products.length; i++) {
      running += products[i].popularity();
      cumulative[i] = running / total;
    }
    return cumulative;
  }
}
