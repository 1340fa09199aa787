package io.contrail.columnar;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;

/** One span together with the resource and scope it was reported under; a row to be written. */
public record SpanRef(Resource resource, InstrumentationScope scope, Span span) {
}
