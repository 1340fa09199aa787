package io.contrail.http;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.RetryInfo;
import io.contrail.http.tls.ServerCertificate;
import io.contrail.ingest.Admission;
import io.contrail.ingest.IngestOutcome;
import io.contrail.ingest.OtlpEncoding;
import io.contrail.ingest.Refusal;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The OTLP/gRPC trace receiver: {@code opentelemetry.proto.collector.trace.v1.TraceService/Export}
 * on its own port (4317 by default), for the SDKs and Collectors that export over gRPC.
 *
 * <p>It takes the same path as OTLP/HTTP {@code /v1/traces}: the same {@link Admission} (a permit, then
 * decode, validate, durable in the write-ahead log before the answer), the same size limit (the largest
 * inbound message, compressed or not, is maxBodyBytes), and renders its {@link IngestOutcome}. Answers, as
 * the OTLP specification asks: OK with {@code partial_success} when some spans were rejected;
 * INVALID_ARGUMENT for a request that cannot be decoded; RESOURCE_EXHAUSTED without retry info for
 * one that is too large (retrying cannot help); UNAVAILABLE with {@code google.rpc.RetryInfo} when
 * the warehouse is overloaded, no permit is free or the log cannot be written.
 */
final class OtlpGrpcReceiver {

    private static final Logger LOG = LoggerFactory.getLogger(OtlpGrpcReceiver.class);
    /** How long {@link #stop()} lets exports in flight finish (their spans are already durable or refused). */
    private static final long STOP_TIMEOUT_MILLIS = 10_000;

    /**
     * One Export request as gRPC delivered it: the protobuf bytes (already decompressed), or the
     * status gRPC refused them with while reading (a message that decompresses beyond the limit).
     * gRPC turns an exception thrown while reading into UNKNOWN, so the refusal is carried to the
     * handler and answered there with its own code.
     */
    private record ExportBody(byte[] bytes, Status refusal) {
    }

    /**
     * Takes the request as raw bytes instead of letting gRPC parse it: {@link Admission} then
     * decodes it exactly as it decodes an OTLP/HTTP body, and a malformed message is answered
     * INVALID_ARGUMENT naming the problem rather than gRPC's generic INTERNAL.
     */
    private static final MethodDescriptor.Marshaller<ExportBody> RAW_REQUEST = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(ExportBody value) {
            return new ByteArrayInputStream(value.bytes());
        }

        @Override
        public ExportBody parse(InputStream stream) {
            try {
                return new ExportBody(stream.readAllBytes(), null);
            } catch (StatusRuntimeException e) {
                return new ExportBody(null, e.getStatus());
            } catch (IOException e) {
                return new ExportBody(null, Status.INTERNAL.withDescription("reading the request: " + e.getMessage()));
            }
        }
    };

    /** The published service's Export method, with the request kept as bytes. */
    private static final MethodDescriptor<ExportBody, ExportTraceServiceResponse> EXPORT =
            TraceServiceGrpc.getExportMethod()
                    .toBuilder(RAW_REQUEST, ProtoUtils.marshaller(ExportTraceServiceResponse.getDefaultInstance()))
                    .build();

    /** The admission of the call in progress's tenant. */
    private final Supplier<Admission> admissions;
    private final Server server;

    private OtlpGrpcReceiver(String host, int port, Supplier<Admission> admissions, long maxBodyBytes,
                             ServerInterceptor tenants, ServerCertificate tls) {
        this.admissions = admissions;
        ServerServiceDefinition service = ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
                .addMethod(EXPORT, ServerCalls.asyncUnaryCall(this::export))
                .build();
        InetSocketAddress address = new InetSocketAddress(host, port);
        this.server = (tls == null ? NettyServerBuilder.forAddress(address)
                : NettyServerBuilder.forAddress(address, TlsServerCredentials.newBuilder().keyManager(tls.keyManagers()).build()))
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                .addService(ServerInterceptors.intercept(service, tenants))
                .build();
    }

    /**
     * Listens on {@code host:port} (0 picks a free port); {@code tenants} checks every call first and finds its
     * tenant, whose admission {@code admissions} gives while the call runs;
     * {@code tls}, when not null, is the certificate it serves gRPC over TLS with (then only over TLS).
     *
     * @throws IOException naming the address and the {@code --grpc-port} option when it cannot listen
     */
    static OtlpGrpcReceiver start(String host, int port, Supplier<Admission> admissions,
                                  long maxBodyBytes, ServerInterceptor tenants, ServerCertificate tls) throws IOException {
        OtlpGrpcReceiver grpc = new OtlpGrpcReceiver(host, port, admissions, maxBodyBytes, tenants, tls);
        try {
            grpc.server.start();
        } catch (IOException | RuntimeException e) {
            grpc.server.shutdownNow();
            throw new IOException("cannot listen for OTLP/gRPC on " + host + ":" + port + ": " + rootMessage(e)
                    + " (choose another port with --grpc-port, or turn OTLP/gRPC off with --grpc-port -1)", e);
        }
        return grpc;
    }

    /** The port listened on (the chosen one when started with port 0). */
    int port() {
        return server.getPort();
    }

    /** Refuses new calls and waits for exports in flight, so none is cut off once the stores close. */
    void stop() {
        server.shutdown();
        try {
            if (!server.awaitTermination(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void export(ExportBody request, StreamObserver<ExportTraceServiceResponse> response) {
        Admission admission;
        try {
            admission = admissions.get();
        } catch (Tenants.Refused refused) {
            response.onError(refused.grpcStatus().asRuntimeException());
            return;
        }
        if (request.refusal() != null) {
            Status refusal = request.refusal();
            admission.refuse(refusal.getCode() == Status.Code.RESOURCE_EXHAUSTED ? Refusal.TOO_LARGE : Refusal.MALFORMED,
                    String.valueOf(refusal.getDescription()), 0);
            response.onError(refusal.asRuntimeException());
            return;
        }
        IngestOutcome outcome = admission.otlp(OtlpEncoding.PROTOBUF, new ByteArrayInputStream(request.bytes()), null);
        if (outcome instanceof IngestOutcome.Refused refused) {
            response.onError(refusal(refused));
            return;
        }
        response.onNext(((IngestOutcome.Accepted) outcome).spans().toResponse());
        response.onCompleted();
    }

    /**
     * A refusal as OTLP/gRPC answers it: the cause's code, and for a retryable one (UNAVAILABLE) a
     * {@code google.rpc.RetryInfo} detail with the delay, the OTLP/gRPC way of saying "nothing was stored,
     * retry after" (so does RESOURCE_EXHAUSTED for a tenant over its limits). RESOURCE_EXHAUSTED for a
     * message too large goes without one: retrying cannot help.
     */
    private static RuntimeException refusal(IngestOutcome.Refused refused) {
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(refused.cause().grpcCode())
                .setMessage(refused.message());
        if (refused.cause().retryable()) {
            status.addDetails(Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(Duration.newBuilder().setSeconds(refused.retryAfterSeconds())).build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
