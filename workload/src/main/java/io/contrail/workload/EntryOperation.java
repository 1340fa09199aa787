package io.contrail.workload;

import static io.contrail.workload.Failure.*;

/**
 * The pages and API calls users hit through the frontend, with their share of traffic and the
 * failures an error trace of each can meet. {@link ShopTraffic} holds the call tree behind each.
 */
enum EntryOperation {
  HOME_PAGE(12, CART_STORE_UNAVAILABLE, AD_SERVICE_FAILURE, PRODUCTS_DB_TIMEOUT,
      CURRENCY_CONVERSION_FAILURE),
  PRODUCT_PAGE(30, PRODUCT_CATALOG_FAILURE, PRODUCT_CATALOG_FAILURE, PRODUCTS_DB_TIMEOUT,
      CURRENCY_CONVERSION_FAILURE),
  RECOMMENDATIONS(15, RECOMMENDATION_FAILURE, PRODUCT_CATALOG_FAILURE, PRODUCTS_DB_TIMEOUT),
  ADS(9, AD_SERVICE_FAILURE),
  VIEW_CART(10, CART_STORE_UNAVAILABLE),
  ADD_TO_CART(12, CART_STORE_UNAVAILABLE),
  SHIPPING_QUOTE(4, QUOTE_FAILURE, CURRENCY_CONVERSION_FAILURE),
  CURRENCIES(3, CURRENCY_CONVERSION_FAILURE),
  CHECKOUT(5, PAYMENT_DECLINED, PAYMENT_DECLINED, PAYMENT_DECLINED, CART_STORE_UNAVAILABLE,
      PRODUCT_CATALOG_FAILURE, QUOTE_FAILURE, EMAIL_DELIVERY_TIMEOUT, ORDER_STORE_CONFLICT,
      CURRENCY_CONVERSION_FAILURE);

  /** Relative share of traces; the weights add up to 100. */
  final int weight;
  /** Failures an error trace of this operation meets, equally likely; repeats weigh more. */
  final Failure[] failures;

  EntryOperation(int weight, Failure... failures) {
    this.weight = weight;
    this.failures = failures;
  }
}
