package io.contrail.http;

import io.contrail.http.auth.Decision;
import io.contrail.http.auth.Scope;
import io.contrail.http.auth.TokenFile;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Decides every OTLP/gRPC call before it starts (before its message is read): with {@code --auth}, its
 * {@code authorization} metadata is checked against the auth file — a missing or unknown token ends it
 * UNAUTHENTICATED, a token without the {@link Scope#INGEST} scope PERMISSION_DENIED, with the same message as
 * over HTTP; then its tenant is found as over HTTP ({@link Tenants#resolve}: the token's, or the
 * {@code x-scope-orgid} metadata's) and put in the call's context ({@link Tenants#GRPC_TENANT}).
 */
final class GrpcTenants implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** Null without --auth. */
    private final TokenFile tokens;

    GrpcTenants(TokenFile tokens) {
        this.tokens = tokens;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String tokenTenant = null;
        if (tokens != null) {
            Decision decision = tokens.decide(headers.get(AUTHORIZATION), Scope.INGEST);
            if (decision instanceof Decision.Refused refused) {
                return refuse(call, Status.fromCode(refused.cause().grpcCode()).withDescription(refused.message()));
            }
            tokenTenant = ((Decision.Allowed) decision).tenant();
        }
        String tenant;
        try {
            tenant = Tenants.resolve(tokens != null, tokenTenant, headers.get(Tenants.GRPC_HEADER));
        } catch (Tenants.Refused refused) {
            return refuse(call, refused.grpcStatus());
        }
        return Contexts.interceptCall(io.grpc.Context.current().withValue(Tenants.GRPC_TENANT, tenant), call, headers, next);
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
