package io.contrail.http.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Checks the {@code authorization} metadata of every OTLP/gRPC call against the auth file before the call
 * starts (before its message is read): a missing or unknown token ends it UNAUTHENTICATED, a token without
 * the {@link Scope#INGEST} scope PERMISSION_DENIED, with the same message as over HTTP.
 */
public final class GrpcBearerAuth implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final TokenFile tokens;

    public GrpcBearerAuth(TokenFile tokens) {
        this.tokens = tokens;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (tokens.decide(headers.get(AUTHORIZATION), Scope.INGEST) instanceof Decision.Refused refused) {
            call.close(Status.fromCode(refused.cause().grpcCode()).withDescription(refused.message()), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }
}
