-- Question: which attribute keys exist in the store, what type is each, and how widely is each
-- one used? (The first question of anyone writing a query against unfamiliar data.)
--
-- Answer: one row per attribute key from the attribute_keys view, span attributes first, then
-- resource attributes, with the SQL column to use (always double-quoted, the keys contain dots),
-- its DuckDB type, how many spans carry it, how many distinct values it has, and the services
-- that send it.
--
-- How to read it: use column_name in queries, e.g. "attr.http.route" or
-- "resource.k8s.pod.name". spans_with_key tells whether a filter on the key can match much;
-- distinct_values tells a dimension to group by (few values: http.route, rpc.method) from a
-- needle to search for (many values: user.id, session.id, app.order.id). Two keys meaning the
-- same thing (db.system and db.system.name, db.statement and db.query.text) show SDKs of
-- different generations. Counting reads every attribute column, so this query is slower than
-- a plain SELECT * FROM attribute_keys, which lists only names and types.
WITH key_usage AS (
    SELECT
        scope,
        "key",
        count(*) AS spans_with_key,
        count(DISTINCT "value") AS distinct_values,
        string_agg(DISTINCT service_name, ', ' ORDER BY service_name) AS services
    FROM span_attributes
    GROUP BY scope, "key"
)
SELECT
    k.scope,
    k."key",
    k.column_name,
    k.data_type,
    coalesce(u.spans_with_key, 0) AS spans_with_key,
    coalesce(u.distinct_values, 0) AS distinct_values,
    u.services
FROM attribute_keys AS k
LEFT JOIN key_usage AS u USING (scope, "key")
ORDER BY k.scope DESC, k."key"
