package io.contrail.columnar;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * A {@link Store}'s settings: how spans are written ({@link Warehouse.Config}), compacted
 * ({@link Compactor.Config}) and retired ({@link Retention.Config}), each with named defaults.
 * Change a part with its {@code with…} method, e.g.
 * {@code StoreConfig.defaults(dir).withWrites(w -> w.withMaxBufferAge(Duration.ofMillis(200)))}.
 */
public record StoreConfig(Warehouse.Config writes, Compactor.Config compaction, Retention.Config retention) {

    /** The defaults for a store in {@code dataDir}: no retention, compaction every minute. */
    public static StoreConfig defaults(Path dataDir) {
        return new StoreConfig(Warehouse.Config.defaults(dataDir), Compactor.Config.defaults(), Retention.Config.none());
    }

    public Path dataDir() {
        return writes.dataDir();
    }

    public StoreConfig withWrites(UnaryOperator<Warehouse.Config> change) {
        return new StoreConfig(change.apply(writes), compaction, retention);
    }

    public StoreConfig withCompaction(UnaryOperator<Compactor.Config> change) {
        return new StoreConfig(writes, change.apply(compaction), retention);
    }

    public StoreConfig withRetention(UnaryOperator<Retention.Config> change) {
        return new StoreConfig(writes, compaction, change.apply(retention));
    }
}
