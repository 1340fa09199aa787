import io.contrail.columnar.SpanChunk;
import io.contrail.ingest.AcceptedSpans;
import io.contrail.ingest.DecodedSpans;
import io.contrail.ingest.OtlpDecoder;
import io.contrail.ingest.OtlpProtobufDecoder;
import io.contrail.workload.Workload;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Thread CPU per span of decoding OTLP protobuf request bodies of the seeded bench workload, one
 * thread: OtlpProtobufDecoder (body straight into a SpanChunk) against parseFrom + SpanValidator
 * (OtlpDecoder.decodeProtobuf), and against that plus SpanChunk.fromTraces (today's whole way to a
 * chunk). First checks that the new decoder gives, for every body, the chunk and counts of today's.
 * See README.md.
 */
public class DecoderCpu {

    public static void main(String[] args) {
        int requests = Integer.parseInt(args[0]);
        int warmUpRounds = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Workload workload = Workload.builder().seed(42).startTimeUnixNano(1_764_000_000_000_000_000L).build();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            bodies.add(workload.nextRequest(20).toByteArray());
        }
        long spans = workload.spansGenerated();
        long bytes = bodies.stream().mapToLong(body -> body.length).sum();
        long accepted = checkSameDecisions(bodies);
        System.out.printf("%d requests, %d spans (%d accepted), %.1f B/span encoded; each body decodes to the same"
                + " chunk and counts both ways%n", requests, spans, accepted, (double) bytes / spans);

        List<Way> ways = List.of(
                new Way("OtlpProtobufDecoder.decode (to a SpanChunk)",
                        body -> OtlpProtobufDecoder.decode(body).acceptedSpans()),
                new Way("parseFrom + SpanValidator.validate (OtlpDecoder.decodeProtobuf)",
                        body -> OtlpDecoder.decodeProtobuf(body).acceptedSpans()),
                new Way("parseFrom + validate + SpanChunk.fromTraces",
                        body -> SpanChunk.fromTraces(OtlpDecoder.decodeProtobuf(body).traces()).spanCount()));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[][] nanosPerSpan = new double[ways.size()][rounds];
        long check = 0;
        for (int round = -warmUpRounds; round < rounds; round++) {
            for (int w = 0; w < ways.size(); w++) {
                long before = threads.getCurrentThreadCpuTime();
                for (byte[] body : bodies) {
                    check += ways.get(w).decode.applyAsInt(body);
                }
                long cpuNanos = threads.getCurrentThreadCpuTime() - before;
                if (round >= 0) {
                    nanosPerSpan[w][round] = (double) cpuNanos / spans;
                }
            }
        }
        if (check != (warmUpRounds + rounds) * ways.size() * accepted) {
            throw new AssertionError("decoders accepted " + check + " spans in all");
        }
        for (int w = 0; w < ways.size(); w++) {
            double[] sorted = nanosPerSpan[w].clone();
            Arrays.sort(sorted);
            System.out.printf("%-66s median %.3f us/span (min %.3f, max %.3f, %d rounds)%n", ways.get(w).name,
                    sorted[sorted.length / 2] / 1e3, sorted[0] / 1e3, sorted[sorted.length - 1] / 1e3, rounds);
        }
    }

    private record Way(String name, ToIntFunction<byte[]> decode) {}

    /** Throws unless every body gives the same chunk and counts both ways; returns the spans accepted. */
    private static long checkSameDecisions(List<byte[]> bodies) {
        long accepted = 0;
        for (int i = 0; i < bodies.size(); i++) {
            AcceptedSpans decoded = OtlpProtobufDecoder.decode(bodies.get(i));
            DecodedSpans today = OtlpDecoder.decodeProtobuf(bodies.get(i));
            if (!decoded.chunk().toTraces().equals(SpanChunk.fromTraces(today.traces()).toTraces())
                    || decoded.acceptedSpans() != today.acceptedSpans()
                    || decoded.rejectedSpans() != today.rejectedSpans()) {
                throw new AssertionError("request " + i + " decodes differently");
            }
            accepted += decoded.acceptedSpans();
        }
        return accepted;
    }
}
