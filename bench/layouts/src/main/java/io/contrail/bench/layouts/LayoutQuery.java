package io.contrail.bench.layouts;

import java.util.List;

/**
 * One analyst question over the spans, written once and rendered for each layout through
 * {@link AttributeLayout#valueOf}, so every layout answers exactly the same question.
 */
record LayoutQuery(String label, Template template) {

  /** Renders the query for a layout, reading spans from {@code spans} (a table function or a view name). */
  @FunctionalInterface
  interface Template {
    String sql(AttributeLayout layout, String spans);
  }

  String sql(AttributeLayout layout, String spans) {
    return template.sql(layout, spans);
  }

  /** The attribute keys the queries touch; the baseline layout promotes exactly these. */
  static List<AttributeKey> keysUsed() {
    return List.of(SyntheticSpans.key("user.id"), SyntheticSpans.key("http.route"),
        SyntheticSpans.key("http.request.method"), SyntheticSpans.key("http.response.status_code"),
        SyntheticSpans.key("db.system"));
  }

  /** Spans per http.route: a group-by on a low-cardinality key. */
  static LayoutQuery countByRoute() {
    AttributeKey route = SyntheticSpans.key("http.route");
    return new LayoutQuery("count(*) group by http.route", (layout, spans) ->
        "SELECT " + layout.valueOf(route) + " AS route, count(*) FROM " + spans + " GROUP BY route");
  }

  /** The measured questions; {@code userId} is the user the point filter looks for. */
  static List<LayoutQuery> standard(String userId) {
    AttributeKey user = SyntheticSpans.key("user.id");
    AttributeKey route = SyntheticSpans.key("http.route");
    AttributeKey method = SyntheticSpans.key("http.request.method");
    AttributeKey status = SyntheticSpans.key("http.response.status_code");
    AttributeKey dbSystem = SyntheticSpans.key("db.system");
    return List.of(
        new LayoutQuery("point filter: user.id = '" + userId + "'", (layout, spans) ->
            "SELECT trace_id, span_id, duration_nanos FROM " + spans + " WHERE "
                + layout.valueOf(user) + " = '" + userId + "'"),
        countByRoute(),
        new LayoutQuery("p99(duration) group by db.system", (layout, spans) ->
            "SELECT " + layout.valueOf(dbSystem) + " AS db_system,"
                + " quantile_cont(duration_nanos, 0.99) FROM " + spans + " GROUP BY db_system"),
        new LayoutQuery("http.request.method = 'POST', group by http.route", (layout, spans) ->
            "SELECT " + layout.valueOf(route) + " AS route, count(*) FROM " + spans + " WHERE "
                + layout.valueOf(method) + " = 'POST' GROUP BY route"),
        new LayoutQuery("count(*) where http.response.status_code >= 500", (layout, spans) ->
            "SELECT count(*) FROM " + spans + " WHERE " + layout.valueOf(status) + " >= 500"));
  }
}
