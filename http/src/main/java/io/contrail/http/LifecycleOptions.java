package io.contrail.http;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The {@code serve} options for the file lifecycle: compaction and retention. */
final class LifecycleOptions {

    @Option(names = "--retention", paramLabel = "AGE", converter = OptionUnits.WithUnit.class,
            description = "Delete hour partitions that ended longer ago than this, e.g. 7d, 36h, 90m (default: keep all).")
    Duration retention;

    @Option(names = "--max-size", paramLabel = "SIZE", converter = OptionUnits.Size.class,
            description = "Delete the oldest hour partitions while span files take more than this, "
                    + "e.g. 50GB, 500MB (default: no limit). The newest partition is always kept.")
    long maxSizeBytes;

    @Option(names = "--compact-interval", paramLabel = "TIME", converter = OptionUnits.WithUnit.class,
            description = "Time between background compaction passes, e.g. 1m, 30s, 500ms; 0 compacts only on "
                    + "`contrail compact` (default: ${DEFAULT-VALUE}).")
    Duration compactInterval = ServerConfig.STORE_DEFAULTS.compaction().interval();

    @Option(names = "--compact-target-spans", paramLabel = "N",
            description = "Spans per compacted file at most (default: ${DEFAULT-VALUE}).")
    int compactTargetSpans = ServerConfig.STORE_DEFAULTS.compaction().targetSpans();

    /** @param commandLine the command these options belong to, named in the errors */
    ServerConfig applyTo(ServerConfig config, CommandLine commandLine) {
        if (compactTargetSpans < 2) {
            throw new CommandLine.ParameterException(commandLine,
                    "--compact-target-spans=" + compactTargetSpans + ": must be at least 2");
        }
        if (retention != null && retention.isZero()) {
            throw new CommandLine.ParameterException(commandLine, "--retention=0: must be a positive age, e.g. 7d");
        }
        return config.withStore(store -> store
                .withCompaction(compaction -> compaction.withTargetSpans(compactTargetSpans).withInterval(compactInterval))
                .withRetention(kept -> kept.withMaxAge(retention).withMaxBytes(maxSizeBytes)));
    }
}
