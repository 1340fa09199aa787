package io.contrail.columnar;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.contrail.columnar.SpanChunk.AttributeColumn;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link SpanChunk}'s spans turned back into OTLP protobuf objects: {@link SpanChunk#toTraces} (for the
 * quarantine and tests) and {@link SpanChunk#toRefs} (the span-by-span writer's form). Off the ingest path: what
 * a caller must know is that it builds an object tree per span, which is what the chunk exists to avoid.
 */
final class ChunkToOtlp {

    private ChunkToOtlp() {
    }

    /** {@link SpanChunk#toTraces(int[])}. */
    static TracesData toTraces(SpanChunk chunk, int[] rows) {
        Map<Integer, Map<Integer, ScopeSpans.Builder>> byResource = new LinkedHashMap<>();
        List<List<Slot>> spanSlots = slotsByOwner(chunk.spanAttributes, chunk.spanCount);
        List<List<Slot>> resourceSlots = slotsByOwner(chunk.resourceAttributes, chunk.resourceCount());
        for (int row : rows) {
            ScopeSpans.Builder scope = byResource.computeIfAbsent(chunk.resourceOf[row], r -> new LinkedHashMap<>())
                    .computeIfAbsent(chunk.scopeOf[row], s -> scopeSpans(chunk, s));
            scope.addSpans(span(chunk, row, spanSlots.get(row)));
        }
        TracesData.Builder traces = TracesData.newBuilder();
        byResource.forEach((resource, scopes) -> {
            Resource.Builder r = Resource.newBuilder()
                    .setDroppedAttributesCount(chunk.resourceDroppedAttributes[resource]);
            for (Slot slot : resourceSlots.get(resource)) {
                r.addAttributes(slot.keyValue());
            }
            ResourceSpans.Builder resourceSpans = ResourceSpans.newBuilder().setResource(r);
            scopes.values().forEach(resourceSpans::addScopeSpans);
            traces.addResourceSpans(resourceSpans);
        });
        return traces.build();
    }

    /** {@link SpanChunk#toRefs}. */
    static List<SpanRef> toRefs(SpanChunk chunk, int[] rows, double[] weights) {
        List<List<Slot>> spanSlots = slotsByOwner(chunk.spanAttributes, chunk.spanCount);
        List<List<Slot>> resourceSlots = slotsByOwner(chunk.resourceAttributes, chunk.resourceCount());
        Resource[] resources = new Resource[chunk.resourceCount()];
        InstrumentationScope[] scopes = new InstrumentationScope[chunk.scopeNames.length];
        List<SpanRef> refs = new ArrayList<>(rows.length);
        for (int i = 0; i < rows.length; i++) {
            int row = rows[i];
            int r = chunk.resourceOf[row];
            if (resources[r] == null) {
                Resource.Builder resource = Resource.newBuilder().setDroppedAttributesCount(chunk.resourceDroppedAttributes[r]);
                for (Slot slot : resourceSlots.get(r)) {
                    resource.addAttributes(slot.keyValue());
                }
                resources[r] = resource.build();
            }
            int s = chunk.scopeOf[row];
            if (scopes[s] == null) {
                scopes[s] = scope(chunk, s);
            }
            refs.add(new SpanRef(resources[r], scopes[s], span(chunk, row, spanSlots.get(row)), weights[i]));
        }
        return refs;
    }

    private static ScopeSpans.Builder scopeSpans(SpanChunk chunk, int scope) {
        ScopeSpans.Builder scopeSpans = ScopeSpans.newBuilder();
        if (chunk.scopeNames[scope] != null || chunk.scopeVersions[scope] != null) {
            scopeSpans.setScope(scope(chunk, scope));
        }
        return scopeSpans;
    }

    private static InstrumentationScope scope(SpanChunk chunk, int scope) {
        InstrumentationScope.Builder builder = InstrumentationScope.newBuilder();
        if (chunk.scopeNames[scope] != null) {
            builder.setName(chunk.scopeNames[scope]);
        }
        if (chunk.scopeVersions[scope] != null) {
            builder.setVersion(chunk.scopeVersions[scope]);
        }
        return builder.build();
    }

    private static Span span(SpanChunk chunk, int row, List<Slot> attributes) {
        Span.Builder span = Span.newBuilder()
                .setTraceId(ByteString.copyFrom(chunk.traceIds.data(), chunk.traceIds.start(row), chunk.traceIds.length(row)))
                .setSpanId(ByteString.copyFrom(chunk.spanIds.data(), chunk.spanIds.start(row), chunk.spanIds.length(row)))
                .setParentSpanId(ByteString.copyFrom(chunk.parentSpanIds.data(), chunk.parentSpanIds.start(row),
                        chunk.parentSpanIds.length(row)))
                .setTraceState(chunk.traceStates.string(row))
                .setFlags(chunk.flags[row])
                .setName(chunk.names.string(row))
                .setKindValue(chunk.kinds[row])
                .setStartTimeUnixNano(chunk.startTimes[row])
                .setEndTimeUnixNano(chunk.endTimes[row])
                .setDroppedAttributesCount(chunk.droppedAttributes[row])
                .setDroppedEventsCount(chunk.droppedEvents[row])
                .setDroppedLinksCount(chunk.droppedLinks[row]);
        // Always present: an absent status and an empty one mean the same (UNSET), and a chunk keeps no difference.
        span.setStatus(Status.newBuilder().setCodeValue(chunk.statusCodes[row]).setMessage(chunk.statusMessages.string(row)));
        for (Slot slot : attributes) {
            span.addAttributes(slot.keyValue());
        }
        if (!chunk.nested.isEmpty(row)) {
            try {
                span.mergeFrom(ByteString.copyFrom(chunk.nested.data(), chunk.nested.start(row), chunk.nested.length(row)));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("a chunk's events and links do not decode", e);
            }
        }
        return span.build();
    }

    /** One attribute value placed back at its position in its owner's attribute list. */
    private record Slot(AttributeColumn column, int value) {
        KeyValue keyValue() {
            KeyValue.Builder keyValue = KeyValue.newBuilder().setKey(column.key());
            return column.kind(value) == 0 ? keyValue.build() : keyValue.setValue(column.value(value)).build();
        }
    }

    private static List<List<Slot>> slotsByOwner(List<AttributeColumn> columns, int owners) {
        List<List<Slot>> slots = new ArrayList<>(owners);
        for (int i = 0; i < owners; i++) {
            slots.add(new ArrayList<>(0));
        }
        for (AttributeColumn column : columns) {
            for (int i = 0; i < column.size(); i++) {
                slots.get(column.owner(i)).add(new Slot(column, i));
            }
        }
        for (List<Slot> owned : slots) {
            owned.sort(Comparator.comparingInt(slot -> slot.column().ordinal(slot.value())));
        }
        return slots;
    }
}
