package io.contrail.http;

import io.contrail.http.auth.Decision;
import io.contrail.http.auth.Scope;
import io.contrail.http.auth.TokenFile;
import io.contrail.http.flight.CallTenants;
import io.contrail.query.QueryEngine;
import io.grpc.Status;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.grpc.StatusUtils;

/**
 * Decides every Flight SQL call before it runs, as {@link GrpcTenants} decides OTLP/gRPC's: with {@code --auth},
 * its {@code authorization} header is checked against the auth file — a missing or unknown token ends it
 * UNAUTHENTICATED, a token without the {@link Scope#QUERY} scope PERMISSION_DENIED, with the messages HTTP gives —;
 * then its tenant is found as over HTTP ({@link Tenants#resolve}: the token's, or the {@code x-scope-orgid}
 * header's), and that tenant's engine answers it ({@link Tenants#reading}: a tenant without spans reads none, and
 * gets no folder).
 */
final class FlightTenants implements CallTenants {

    private static final String AUTHORIZATION = "authorization";

    /** Null without --auth. */
    private final TokenFile tokens;
    private final Tenants tenants;

    FlightTenants(TokenFile tokens, Tenants tenants) {
        this.tokens = tokens;
        this.tenants = tenants;
    }

    @Override
    public String tenantOf(CallHeaders headers) {
        String tokenTenant = null;
        if (tokens != null) {
            Decision decision = tokens.decide(headers.get(AUTHORIZATION), Scope.QUERY);
            if (decision instanceof Decision.Refused refused) {
                throw refusal(Status.fromCode(refused.cause().grpcCode()).withDescription(refused.message()));
            }
            tokenTenant = ((Decision.Allowed) decision).tenant();
        }
        try {
            return Tenants.resolve(tokens != null, tokenTenant, headers.get(Tenants.GRPC_HEADER.name()));
        } catch (Tenants.Refused refused) {
            throw refusal(refused.grpcStatus());
        }
    }

    @Override
    public QueryEngine engineOf(String tenant) {
        try {
            return tenants.reading(tenant).engine();
        } catch (Tenants.Refused refused) {
            throw refusal(refused.grpcStatus());
        }
    }

    private static FlightRuntimeException refusal(Status status) {
        return StatusUtils.fromGrpcStatus(status).toRuntimeException();
    }
}
