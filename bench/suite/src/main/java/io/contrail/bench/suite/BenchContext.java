package io.contrail.bench.suite;

import java.nio.file.Path;

/**
 * What every peer gets: a scratch folder of its own (deleted afterwards), the repository root (to
 * find {@code http/target/contrail.jar}), and where progress lines go.
 */
public record BenchContext(Path workDir, Path repositoryRoot, java.io.PrintStream progress) {
}
