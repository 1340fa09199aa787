-- Question: which exceptions are being thrown, by which service and operation, and how often?
--
-- Answer: one row per (exception type, service, operation) from the "exception" span events
-- (span_events view, OpenTelemetry's exception.type / exception.message event attributes), with
-- the number of exceptions, the distinct traces they hit, the first and last time seen and one
-- message; the most frequent first.
--
-- How to read it: this is where failures start. Error status also marks every caller a failure
-- passed through (error-rate-by-service-version.sql counts those), but the exception event is
-- recorded once, on the span that threw. A type that appears only in a recent stretch (compare
-- first_seen with the data's range) is new. Event attributes are JSON with dotted keys, hence the
-- '$."exception.type"' path quoting.
SELECT
    attributes ->> '$."exception.type"' AS exception_type,
    service_name,
    span_name AS operation,
    count(*) AS exceptions,
    count(DISTINCT trace_id) AS traces,
    min("time") AS first_seen,
    max("time") AS last_seen,
    min(attributes ->> '$."exception.message"') AS example_message
FROM span_events
WHERE name = 'exception'
GROUP BY exception_type, service_name, operation
ORDER BY exceptions DESC, exception_type, service_name, operation
LIMIT 50
