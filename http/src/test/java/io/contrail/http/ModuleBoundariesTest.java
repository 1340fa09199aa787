package io.contrail.http;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The modules meet at their front doors (docs/architecture.md, "Modules and their front doors"): the server
 * reaches the columnar module through {@code Store} and its config only, and no product module uses the
 * benchmark, by a Maven dependency or by a Java name.
 */
class ModuleBoundariesTest {

    private static final List<String> PRODUCT_MODULES = List.of("columnar", "ingest", "query", "workload", "lake", "http");
    /** A use of a columnar type, imported or written out in full: {@code io.contrail.columnar.Store}. */
    /** The benchmark's package, written so that this file does not name it. */
    private static final String BENCH_PACKAGE = String.join(".", "io", "contrail", "bench");
    private static final Pattern COLUMNAR_TYPE = Pattern.compile("\\bio\\.contrail\\.columnar\\.([A-Z]\\w*)");

    @Test
    void theServerUsesOnlyTheStoreAndItsConfigOfTheColumnarModule() throws IOException {
        Set<String> used = new TreeSet<>();
        for (Path file : javaSources(RepositoryRoot.find().resolve("http/src/main/java"))) {
            Matcher type = COLUMNAR_TYPE.matcher(Files.readString(file));
            while (type.find()) {
                used.add(type.group(1) + " (" + file.getFileName() + ")");
            }
        }
        assertThat(used).isNotEmpty()
                .allMatch(use -> use.startsWith("Store ") || use.startsWith("StoreConfig "), "Store or StoreConfig");
    }

    @Test
    void noProductModuleUsesTheBenchmark() throws IOException {
        Path root = RepositoryRoot.find();
        for (String module : PRODUCT_MODULES) {
            String pom = Files.readString(root.resolve(module).resolve("pom.xml"));
            assertThat(pom).as("%s/pom.xml", module).doesNotContain(String.join("-", "contrail", "bench"));
            for (Path file : javaSources(root.resolve(module).resolve("src"))) {
                assertThat(Files.readString(file)).as("%s", root.relativize(file)).doesNotContain(BENCH_PACKAGE);
            }
        }
    }

    private static List<Path> javaSources(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }
}
