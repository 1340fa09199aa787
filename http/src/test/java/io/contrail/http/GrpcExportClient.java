package io.contrail.http;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * A real gRPC client of {@code TraceService/Export} that sends any bytes as the request, so tests
 * can send what an SDK never would (garbage, oversize messages). Close it after the test.
 */
final class GrpcExportClient implements AutoCloseable {

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static final MethodDescriptor<byte[], ExportTraceServiceResponse> EXPORT = TraceServiceGrpc.getExportMethod()
            .toBuilder(BYTES, ProtoUtils.marshaller(ExportTraceServiceResponse.getDefaultInstance()))
            .build();

    private final ManagedChannel channel;

    GrpcExportClient(int port) {
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create()).build();
    }

    /** Exports {@code request}; a refusal is thrown as the {@code StatusRuntimeException} the server answered. */
    ExportTraceServiceResponse export(byte[] request) {
        return export(request, CallOptions.DEFAULT);
    }

    ExportTraceServiceResponse export(byte[] request, CallOptions options) {
        return ClientCalls.blockingUnaryCall(channel, EXPORT, options, request);
    }

    /** Exports {@code request} with the metadata {@code authorization: value} (none when null). */
    ExportTraceServiceResponse export(byte[] request, String authorization) {
        return authorization == null ? exportWith(request) : exportWith(request, "authorization", authorization);
    }

    /** Exports {@code request} with {@code metadata}, name and value pairs. */
    ExportTraceServiceResponse exportWith(byte[] request, String... metadata) {
        Metadata headers = new Metadata();
        for (int i = 0; i < metadata.length; i += 2) {
            headers.put(Metadata.Key.of(metadata[i], Metadata.ASCII_STRING_MARSHALLER), metadata[i + 1]);
        }
        Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        return ClientCalls.blockingUnaryCall(withHeaders, EXPORT, CallOptions.DEFAULT, request);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
