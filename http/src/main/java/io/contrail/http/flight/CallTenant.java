package io.contrail.http.flight;

import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.RequestContext;

/**
 * The tenant of one Flight call, decided by {@link CallTenants} when the call starts: a call refused there (no
 * token, an unknown one, one without the query scope, a bad tenant header) ends with that status before any of
 * its messages is read. The producer asks {@link #of} which tenant a call reads.
 */
final class CallTenant implements FlightServerMiddleware {

    static final Key<CallTenant> KEY = Key.of("contrail-tenant");

    /** Null: the default tenant. */
    private final String tenant;

    private CallTenant(String tenant) {
        this.tenant = tenant;
    }

    /** The tenant {@code context}'s call reads (null: the default tenant). */
    static String of(FlightProducer.CallContext context) {
        return context.getMiddleware(KEY).tenant;
    }

    @Override
    public void onBeforeSendingHeaders(CallHeaders outgoingHeaders) {
    }

    @Override
    public void onCallCompleted(CallStatus status) {
    }

    @Override
    public void onCallErrored(Throwable error) {
    }

    /** Decides each call from its headers; throwing refuses it with the exception's status. */
    static final class FromHeaders implements FlightServerMiddleware.Factory<CallTenant> {
        private final CallTenants tenants;

        FromHeaders(CallTenants tenants) {
            this.tenants = tenants;
        }

        @Override
        public CallTenant onCallStarted(CallInfo info, CallHeaders incomingHeaders, RequestContext context) {
            return new CallTenant(tenants.tenantOf(incomingHeaders));
        }
    }
}
