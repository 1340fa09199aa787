package io.contrail.http.auth;

import java.util.Set;

/** What {@link AccessTokens#decide} made of a request's {@code Authorization} header. */
public sealed interface Decision {

    /** A known token, allowed the scope asked for (or any, when none was asked for). */
    record Allowed(String tenant, Set<Scope> scopes) implements Decision {
    }

    /** Refused: {@code message} says why, for the client; it never holds the token. */
    record Refused(Cause cause, String message) implements Decision {
    }

    /** Why a request was refused; the label is the metric's {@code cause}. */
    enum Cause {
        /** No {@code Authorization: Bearer} header: 401, gRPC UNAUTHENTICATED. */
        MISSING(401, io.grpc.Status.Code.UNAUTHENTICATED),
        /** A token the file does not hold: 401, gRPC UNAUTHENTICATED. */
        UNKNOWN(401, io.grpc.Status.Code.UNAUTHENTICATED),
        /** A known token without the route's scope: 403, gRPC PERMISSION_DENIED. */
        SCOPE(403, io.grpc.Status.Code.PERMISSION_DENIED);

        private final int httpStatus;
        private final io.grpc.Status.Code grpcCode;

        Cause(int httpStatus, io.grpc.Status.Code grpcCode) {
            this.httpStatus = httpStatus;
            this.grpcCode = grpcCode;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public io.grpc.Status.Code grpcCode() {
            return grpcCode;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
