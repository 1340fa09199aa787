package io.contrail.workload;

import static io.contrail.workload.AttributeKeys.*;
import static io.contrail.workload.AttributePools.kv;

import io.contrail.workload.AttributePools.Currency;
import io.opentelemetry.proto.common.v1.KeyValue;

/**
 * The people using the shop: a rolling pool of active browser sessions that requests are drawn
 * from. Sessions end and new ones start, so {@code session.id} grows without bound (about one new
 * session per {@value #REQUESTS_PER_SESSION} requests); {@code user.id} comes from a population of
 * {@value #REGISTERED_USERS} registered users and is absent for guests.
 */
final class Shoppers {

  static final int ACTIVE_SESSIONS = 1_000;
  static final int REQUESTS_PER_SESSION = 20;
  static final int REGISTERED_USERS = 250_000;
  static final double SIGNED_IN_SHARE = 0.65;

  /**
   * One browser session; its attribute pairs are prebuilt because every request reuses them.
   * {@code userId} and {@code userKv} are null for a guest.
   */
  record Session(String sessionId, String userId, Currency currency, String email,
      String zipCode, KeyValue sessionKv, KeyValue userKv, KeyValue userAgentKv,
      KeyValue clientAddressKv, KeyValue loyaltyKv, KeyValue cardTypeKv, KeyValue zipCodeKv) {}

  private final Session[] active = new Session[ACTIVE_SESSIONS];

  /** The session that sends the next request. */
  Session next(SeededRandom random) {
    int slot = random.nextInt(ACTIVE_SESSIONS);
    if (active[slot] == null || random.chance(1.0 / REQUESTS_PER_SESSION)) {
      active[slot] = newSession(random);
    }
    return active[slot];
  }

  private static Session newSession(SeededRandom random) {
    String sessionId = random.uuid();
    boolean signedIn = random.chance(SIGNED_IN_SHARE);
    String userId = signedIn ? "u" + (1_000_000 + random.nextInt(REGISTERED_USERS)) : null;
    String email = signedIn ? userId + "@example.com" : "guest-" + random.hex(8) + "@example.com";
    String zipCode = Integer.toString(10_000 + random.nextInt(89_999));
    return new Session(
        sessionId,
        userId,
        AttributePools.currency(random),
        email,
        zipCode,
        kv(SESSION_ID, sessionId),
        signedIn ? kv(USER_ID, userId) : null,
        random.pick(AttributePools.USER_AGENTS),
        kv(CLIENT_ADDRESS, AttributePools.publicAddress(random)),
        random.pick(AttributePools.LOYALTY_LEVELS),
        random.pick(AttributePools.CARD_TYPES),
        kv(APP_SHIPPING_ZIP_CODE, zipCode));
  }
}
