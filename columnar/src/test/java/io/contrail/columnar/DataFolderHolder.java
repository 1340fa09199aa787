package io.contrail.columnar;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A process that holds a data folder the way a server does, for {@link DataFolderLockTest}: claims the
 * folder as {@code contrail serve} at the address given, opens a warehouse in it that keeps what it
 * logs in the write-ahead log (no flush for an hour), logs {@code spans} spans, prints "holding" and
 * waits to be killed.
 *
 * <p>Arguments: data folder, address, spans.
 */
public final class DataFolderHolder {

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        DataFolderLock folder = DataFolderLock.acquire(data, "contrail serve");
        folder.describe(args[1]);
        Warehouse warehouse = Warehouse.open(StoreConfig.Writes.defaults(data).withMaxBufferAge(Duration.ofHours(1)),
                SpanSampler.KEEP_ALL, folder);
        warehouse.append(TestSpans.manySpans("held", 1, Integer.parseInt(args[2])));
        System.out.println("holding");
        System.out.flush();
        // Until killed (or its stdin closes).
        while (System.in.read() >= 0) {
            Thread.onSpinWait();
        }
    }
}
