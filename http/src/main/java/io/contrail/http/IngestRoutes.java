package io.contrail.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.Status;
import io.contrail.http.zipkin.ZipkinQueryApi;
import io.contrail.ingest.AcceptedSpans;
import io.contrail.ingest.Admission;
import io.contrail.ingest.IngestException;
import io.contrail.ingest.IngestOutcome;
import io.contrail.ingest.IngestPermits;
import io.contrail.ingest.OtlpEncoding;
import io.contrail.ingest.OtlpResponses;
import io.contrail.ingest.Refusal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP ingest routes, OTLP/HTTP {@code POST /v1/traces} and Zipkin {@code POST /api/v2/spans}: each
 * reads the body whole ({@link IngestBodies}: bounded in size, in bytes in flight and in time), only then
 * hands it to {@link Admission}, and renders the {@link IngestOutcome} in its protocol's terms. A client
 * that sends slowly holds its own thread and bytes, never a permit the others need; a body that does not
 * arrive is the client's fault (408/400), never a storage error.
 */
final class IngestRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(IngestRoutes.class);

    private final Tenants tenants;
    private final IngestBodies bodies;

    IngestRoutes(Tenants tenants, IngestBodies bodies) {
        this.tenants = tenants;
        this.bodies = bodies;
    }

    /** The paths that take spans (POST); with --auth they need the ingest scope, every other route the query scope. */
    static final java.util.Set<String> PATHS =
            java.util.Set.of("/v1/traces", "/api/v2/spans", ZipkinQueryApi.PREFIX + "/api/v2/spans");

    void register(RoutesConfig routes) {
        routes.post("/v1/traces", this::otlpTraces);
        routes.post("/api/v2/spans", this::zipkinSpans);
        routes.post(ZipkinQueryApi.PREFIX + "/api/v2/spans", this::zipkinSpans);
    }

    private interface Admit {
        IngestOutcome admit(InputStream body);
    }

    /** Reads the body whole, then admits it; a body that cannot be read is a counted refusal. */
    private IngestOutcome receive(Context ctx, Admission admission, Admit admit) throws IOException, InterruptedException {
        IngestBodies.Body body;
        try {
            body = bodies.read(ctx);
        } catch (IngestException e) {
            LOG.debug("{} {} from {}: {}", ctx.method(), ctx.path(), ctx.ip(), e.getMessage());
            return admission.refuse(e);
        } catch (IngestBodies.BudgetExhausted e) {
            return admission.refuse(Refusal.BUSY, e.getMessage(), IngestPermits.RETRY_AFTER_SECONDS_WHEN_BUSY);
        }
        try (body) {
            return admit.admit(body.stream());
        }
    }

    private void otlpTraces(Context ctx) throws IOException, InterruptedException {
        Admission admission = tenants.receiving(ctx).admission();
        OtlpEncoding encoding;
        try {
            encoding = OtlpEncoding.ofContentType(ctx.contentType());
        } catch (IngestException e) {
            otlpRefused(ctx, OtlpEncoding.JSON, admission.refuse(e));
            return;
        }
        IngestOutcome outcome = receive(ctx, admission, body -> admission.otlp(encoding, body, ctx.header("Content-Encoding")));
        if (outcome instanceof IngestOutcome.Refused refused) {
            otlpRefused(ctx, encoding, refused);
            return;
        }
        AcceptedSpans accepted = ((IngestOutcome.Accepted) outcome).spans();
        ctx.status(HttpStatus.OK).contentType(encoding.contentType())
                .result(OtlpResponses.encode(accepted.toResponse(), encoding));
    }

    private void zipkinSpans(Context ctx) throws IOException, InterruptedException {
        Admission admission = tenants.receiving(ctx).admission();
        String type = ctx.contentType() == null ? "application/json"
                : ctx.contentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        IngestOutcome outcome = type.equals("application/json")
                ? receive(ctx, admission, body -> admission.zipkin(body, ctx.header("Content-Encoding")))
                : admission.refuse(Refusal.UNSUPPORTED, "unsupported Content-Type '" + ctx.contentType()
                        + "'; /api/v2/spans accepts Zipkin v2 JSON (application/json)", 0);
        if (outcome instanceof IngestOutcome.Refused refused) {
            retryAfter(ctx, refused);
            ctx.status(refused.cause().httpStatus()).json(Map.of("error", refused.message()));
            return;
        }
        AcceptedSpans accepted = ((IngestOutcome.Accepted) outcome).spans();
        ctx.status(HttpStatus.ACCEPTED);
        if (!accepted.fullyAccepted()) {
            ctx.json(Map.of("acceptedSpans", accepted.acceptedSpans(), "rejectedSpans", accepted.rejectedSpans(),
                    "error", accepted.errorMessage()));
        }
    }

    private static void retryAfter(Context ctx, IngestOutcome.Refused refused) {
        if (refused.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", String.valueOf(refused.retryAfterSeconds()));
        }
    }

    /** OTLP/HTTP failures carry a google.rpc.Status in the request's encoding (OTLP specification). */
    private static void otlpRefused(Context ctx, OtlpEncoding encoding, IngestOutcome.Refused refused) {
        Status body = Status.newBuilder().setCode(refused.cause().grpcCode()).setMessage(refused.message()).build();
        retryAfter(ctx, refused);
        ctx.status(refused.cause().httpStatus()).contentType(encoding.contentType());
        if (encoding == OtlpEncoding.PROTOBUF) {
            ctx.result(body.toByteArray());
        } else {
            try {
                ctx.result(JsonFormat.printer().omittingInsignificantWhitespace().print(body)
                        .getBytes(StandardCharsets.UTF_8));
            } catch (InvalidProtocolBufferException e) {
                ctx.result(refused.message());
            }
        }
    }
}
