package io.contrail.columnar;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * One span together with the resource and scope it was reported under; a row to be written.
 *
 * @param sampleWeight how many spans this one stands for (written as {@code sample_weight}): the
 *                     upstream head sampler's adjusted count times the tail sampler's
 */
public record SpanRef(Resource resource, InstrumentationScope scope, Span span, double sampleWeight) {

    /** A span with the weight its own trace state gives it ({@link UpstreamSampling#adjustedCount}). */
    public SpanRef(Resource resource, InstrumentationScope scope, Span span) {
        this(resource, scope, span, UpstreamSampling.adjustedCount(span));
    }

    /** This span standing for {@code factor} times as many spans as it did. */
    public SpanRef weightedBy(double factor) {
        return factor == 1.0 ? this : new SpanRef(resource, scope, span, sampleWeight * factor);
    }
}
