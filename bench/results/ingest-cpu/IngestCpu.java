import io.contrail.columnar.Store;
import io.contrail.columnar.StoreConfig;
import io.contrail.ingest.OtlpEncoding;
import io.contrail.ingest.SpanReceiver;
import io.contrail.workload.Workload;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time per span of the request path (one thread) and of the flusher thread, in process, on the
 * seeded bench workload; see ../ingest.md. Written against the {@code Store} entry type; the numbers of
 * builds before it came from this file's earlier version in git, which also ran without the byte bound.
 */
public class IngestCpu {
    public static void main(String[] args) throws Exception {
        int requests = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Workload workload = Workload.builder().seed(42).startTimeUnixNano(1_764_000_000_000_000_000L).build();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            bodies.add(workload.nextRequest(20).toByteArray());
        }
        long spans = workload.spansGenerated();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < rounds; round++) {
            Path data = Files.createTempDirectory("ingestcpu");
            StoreConfig config = StoreConfig.defaults(data)
                    .withWrites(writes -> writes.withMaxBufferAge(Duration.ofHours(1)).withMaxFileSpans(Integer.MAX_VALUE)
                            .withMaxBufferedSpans(Long.MAX_VALUE).withMaxBufferedBytes(Long.MAX_VALUE))
                    .withCompaction(compaction -> compaction.withInterval(Duration.ZERO));
            try (Store store = Store.builder(config).open()) {
                SpanReceiver receiver = new SpanReceiver(store.sink(), 64L << 20);
                long t0 = mx.getCurrentThreadCpuTime();
                for (byte[] body : bodies) {
                    receiver.receiveOtlp(OtlpEncoding.PROTOBUF, new ByteArrayInputStream(body), null);
                }
                long requestNanos = mx.getCurrentThreadCpuTime() - t0;
                long flusherId = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("contrail-flusher")).findFirst().orElseThrow().getId();
                long f0 = mx.getThreadCpuTime(flusherId);
                long w0 = System.nanoTime();
                store.flush();
                long flushWall = System.nanoTime() - w0;
                long flusherNanos = mx.getThreadCpuTime(flusherId) - f0;
                System.out.printf("round %d: %d spans; request thread %.2f us/span; flusher thread %.2f us/span; flush wall %.2f us/span%n",
                        round, spans, requestNanos / 1e3 / spans, flusherNanos / 1e3 / spans, flushWall / 1e3 / spans);
            }
        }
    }
}
