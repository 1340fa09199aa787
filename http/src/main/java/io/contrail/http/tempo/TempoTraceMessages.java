package io.contrail.http.tempo;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.trace.v1.TracesData;

import java.nio.charset.StandardCharsets;

/**
 * Tempo's trace-by-ID answers, byte for byte: the messages {@code tempopb.Trace} and {@code tempopb.TraceByIDResponse}
 * of grafana/tempo {@code pkg/tempopb/tempo.proto}, declared here over the OTLP classes already on the classpath
 * (Tempo's {@code Trace} is {@code repeated tempopb.trace.v1.ResourceSpans resourceSpans = 1}, and Tempo's
 * {@code tempopb.trace.v1} is OTLP's {@code trace.proto} copied with its package renamed, by the {@code gen-proto}
 * target of Tempo's {@code Makefile}; so on the wire a {@code Trace} is OTLP's {@code TracesData}). Built as
 * {@link DynamicMessage}s so that protobuf's own encoder and {@link JsonFormat} write them, as gogo/protobuf and
 * {@code jsonpb} do in Tempo: field names in lower camel case, 64-bit integers as strings, IDs as base64, enums by
 * name, default values left out.
 *
 * <ul>
 *   <li>{@code /api/traces/{id}}: a {@code Trace}; in JSON with its first {@code "resourceSpans":} renamed
 *       {@code "batches":}, as {@code tempopb.MarshalToJSONV1} ({@code pkg/tempopb/trace_utils.go}) does for
 *       clients older than the rename;</li>
 *   <li>{@code /api/v2/traces/{id}}: a {@code TraceByIDResponse} ({@code trace = 1}, {@code status = 3}, a
 *       {@code PartialStatus}, {@code message = 4}); Contrail never cuts a trace short, so status is
 *       {@code COMPLETE} (0), which JSON leaves out. {@code metrics = 2} (bytes Tempo inspected) is not sent.</li>
 * </ul>
 */
final class TempoTraceMessages {

    /** {@code Accept} (and answer {@code Content-Type}) for protobuf, as Tempo names it ({@code pkg/api/http.go}). */
    static final String PROTOBUF = "application/protobuf";
    static final String JSON = "application/json";

    private static final Descriptors.Descriptor TRACE;
    private static final Descriptors.Descriptor TRACE_BY_ID_RESPONSE;
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    static {
        String resourceSpans = "." + io.opentelemetry.proto.trace.v1.ResourceSpans.getDescriptor().getFullName();
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("contrail/tempopb/tempo.proto")
                .setPackage("tempopb")
                .setSyntax("proto3")
                .addDependency(TracesData.getDescriptor().getFile().getName())
                .addEnumType(EnumDescriptorProto.newBuilder().setName("PartialStatus")
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("COMPLETE").setNumber(0))
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("PARTIAL").setNumber(1)))
                .addMessageType(DescriptorProto.newBuilder().setName("Trace")
                        .addField(field("resourceSpans", 1, FieldDescriptorProto.Type.TYPE_MESSAGE, resourceSpans)
                                .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)))
                .addMessageType(DescriptorProto.newBuilder().setName("TraceByIDResponse")
                        .addField(field("trace", 1, FieldDescriptorProto.Type.TYPE_MESSAGE, ".tempopb.Trace"))
                        .addField(field("status", 3, FieldDescriptorProto.Type.TYPE_ENUM, ".tempopb.PartialStatus"))
                        .addField(field("message", 4, FieldDescriptorProto.Type.TYPE_STRING, null)))
                .build();
        try {
            Descriptors.FileDescriptor built = Descriptors.FileDescriptor.buildFrom(file,
                    new Descriptors.FileDescriptor[] {TracesData.getDescriptor().getFile()});
            TRACE = built.findMessageTypeByName("Trace");
            TRACE_BY_ID_RESPONSE = built.findMessageTypeByName("TraceByIDResponse");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TempoTraceMessages() {
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type,
                                                      String typeName) {
        FieldDescriptorProto.Builder field = FieldDescriptorProto.newBuilder().setName(name).setJsonName(name)
                .setNumber(number).setType(type).setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
        return typeName == null ? field : field.setTypeName(typeName);
    }

    /** {@code tempopb.Trace} holding {@code trace}'s resource spans. */
    static DynamicMessage trace(TracesData trace) {
        Descriptors.FieldDescriptor resourceSpans = TRACE.findFieldByNumber(1);
        DynamicMessage.Builder message = DynamicMessage.newBuilder(TRACE);
        trace.getResourceSpansList().forEach(spans -> message.addRepeatedField(resourceSpans, spans));
        return message.build();
    }

    /** {@code tempopb.TraceByIDResponse} of a whole trace: status {@code COMPLETE}, no message. */
    static DynamicMessage traceByIdResponse(TracesData trace) {
        return DynamicMessage.newBuilder(TRACE_BY_ID_RESPONSE)
                .setField(TRACE_BY_ID_RESPONSE.findFieldByNumber(1), trace(trace))
                .build();
    }

    /** The v1 JSON: {@code {"batches":[…]}} ({@code tempopb.MarshalToJSONV1}). */
    static byte[] traceJsonV1(TracesData trace) {
        return json(trace(trace)).replaceFirst("\"resourceSpans\":", "\"batches\":").getBytes(StandardCharsets.UTF_8);
    }

    /** The v2 JSON: {@code {"trace":{"resourceSpans":[…]}}}. */
    static byte[] traceJsonV2(TracesData trace) {
        return json(traceByIdResponse(trace)).getBytes(StandardCharsets.UTF_8);
    }

    private static String json(DynamicMessage message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only Any fields need a type registry; these messages have none.
            throw new IllegalStateException("cannot print " + message.getDescriptorForType().getFullName(), e);
        }
    }
}
