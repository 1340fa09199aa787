package io.contrail.http.flight;

import io.contrail.query.QueryEngine;
import org.apache.arrow.flight.CallHeaders;

/**
 * Whose spans a Flight SQL call reads, as the server decides it for every other transport: from the call's
 * headers (a bearer token, a tenant header) before the call runs, then that tenant's query engine. Both refuse
 * by throwing a {@link org.apache.arrow.flight.FlightRuntimeException} whose status and message say why.
 */
public interface CallTenants {

    /**
     * The tenant the call is for (null: the default tenant).
     *
     * @throws org.apache.arrow.flight.FlightRuntimeException UNAUTHENTICATED, UNAUTHORIZED (gRPC PERMISSION_DENIED)
     *         or INVALID_ARGUMENT, with the message HTTP gives for the same headers
     */
    String tenantOf(CallHeaders headers);

    /**
     * The engine that answers {@code tenant}'s queries, which reads only that tenant's spans.
     *
     * @throws org.apache.arrow.flight.FlightRuntimeException UNAVAILABLE while the server stops
     */
    QueryEngine engineOf(String tenant);
}
