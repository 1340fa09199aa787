import io.contrail.columnar.SpanChunk;
import io.contrail.workload.Workload;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.TracesData;

public class ChunkBytes {
    public static void main(String[] args) throws Exception {
        Workload workload = Workload.builder().seed(42).build();
        long spans = 0, retained = 0, encoded = 0;
        while (spans < 100_000) {
            ExportTraceServiceRequest request = workload.nextRequest(10);
            TracesData traces = TracesData.parseFrom(request.toByteArray());
            SpanChunk chunk = SpanChunk.fromTraces(traces);
            spans += chunk.spanCount();
            retained += chunk.retainedBytes();
            encoded += request.getSerializedSize();
        }
        System.out.printf("%d spans, %.1f B/span retained by chunks, %.1f B/span encoded%n", spans,
                (double) retained / spans, (double) encoded / spans);
    }
}
