package io.contrail.http.flight;

import com.google.protobuf.ByteString;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.vector.types.pojo.Schema;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The prepared statements Flight SQL clients hold open, by handle: each one's SQL, tenant, number of placeholders
 * and answer schema, and the rows of parameters last bound to it. A handle is 16 random bytes, good only for the
 * tenant that prepared it: another tenant's call is answered NOT_FOUND, as for a closed handle.
 *
 * <p>Bounded: at most {@value #MAX_OPEN_PER_TENANT} open per tenant, so that one tenant (or a tool killed
 * mid-session that never closed its statements) cannot take the room of the others: preparing one more closes
 * that tenant's least recently used statement, which a later call then finds NOT_FOUND, as a statement cache in
 * a connection pool does. Thread-safe.
 */
final class PreparedStatements {

    static final int MAX_OPEN_PER_TENANT = 256;
    private static final int HANDLE_BYTES = 16;

    /** One open prepared statement; its parameters change with each DoPut. */
    static final class Prepared {
        private final ByteString handle;
        private final String tenant;
        private final String sql;
        private final int placeholders;
        private final Schema answer;
        private volatile List<List<Object>> parameters = List.of();
        private volatile long lastUsedNanos = System.nanoTime();

        private Prepared(ByteString handle, String tenant, String sql, int placeholders, Schema answer) {
            this.handle = handle;
            this.tenant = tenant;
            this.sql = sql;
            this.placeholders = placeholders;
            this.answer = answer;
        }

        ByteString handle() {
            return handle;
        }

        String sql() {
            return sql;
        }

        int placeholders() {
            return placeholders;
        }

        /** The answer's schema as prepared, its placeholders NULL. */
        Schema answer() {
            return answer;
        }

        /** The rows of values last bound, one execution each; empty before the first DoPut. */
        List<List<Object>> parameters() {
            return parameters;
        }

        void bind(List<List<Object>> rows) {
            parameters = List.copyOf(rows);
        }
    }

    private final Map<ByteString, Prepared> open = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** Opens a prepared statement for {@code tenant} (null: the default tenant). */
    synchronized Prepared open(String tenant, String sql, int placeholders, Schema answer) {
        List<Prepared> tenants = open.values().stream().filter(statement -> Objects.equals(statement.tenant, tenant))
                .sorted(java.util.Comparator.comparingLong(statement -> statement.lastUsedNanos)).toList();
        for (int i = 0; i <= tenants.size() - MAX_OPEN_PER_TENANT; i++) {
            open.remove(tenants.get(i).handle);
        }
        byte[] bytes = new byte[HANDLE_BYTES];
        random.nextBytes(bytes);
        Prepared statement = new Prepared(ByteString.copyFrom(bytes), tenant, sql, placeholders, answer);
        open.put(statement.handle, statement);
        return statement;
    }

    /** The statement {@code handle} names, if {@code tenant} prepared it and it is open. */
    Prepared get(ByteString handle, String tenant) {
        Prepared statement = open.get(handle);
        if (statement == null || !Objects.equals(statement.tenant, tenant)) {
            throw CallStatus.NOT_FOUND.withDescription("no open prepared statement has this handle (closed, never "
                    + "prepared, or the least recently used of " + MAX_OPEN_PER_TENANT + " open ones when another was "
                    + "prepared)").toRuntimeException();
        }
        statement.lastUsedNanos = System.nanoTime();
        return statement;
    }

    /** Closes the statement {@code handle} names if {@code tenant} prepared it; closing one that is not open does nothing. */
    void close(ByteString handle, String tenant) {
        open.computeIfPresent(handle, (key, statement) -> Objects.equals(statement.tenant, tenant) ? null : statement);
    }
}
