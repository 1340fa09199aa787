package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The web UI's JavaScript modules import one way: the router ({@code app.js}) imports the screens,
 * the screens import the shared modules ({@code lib.js}, {@code charts.js}, {@code heatmap.js}), and nothing imports
 * back up, so no module waits on one that is still being evaluated.
 */
class WebUiModulesTest {

    private static final Path UI = Path.of("src", "main", "resources", "ui");
    /** {@code import { a, b } from './lib.js';} — the UI's own modules only (the vendored uPlot is absolute). */
    private static final Pattern LOCAL_IMPORT = Pattern.compile("^import\\b[^;]*?from\\s+'\\./([^']+)'", Pattern.MULTILINE);
    private static final String ROUTER = "app.js";
    private static final List<String> SHARED = List.of("lib.js", "charts.js", "heatmap.js");

    @Test
    void onlyTheRouterImportsScreensAndSharedModulesImportNoScreen() throws IOException {
        Map<String, List<String>> imports = localImports();
        assertThat(imports).containsKeys(ROUTER, "lib.js", "charts.js", "red.js", "map.js");
        imports.forEach((module, imported) -> {
            if (!module.equals(ROUTER)) {
                assertThat(imported).as("what %s imports", module).isSubsetOf(SHARED);
            }
        });
        assertThat(imports.get("lib.js")).as("lib.js imports nothing of the UI").isEmpty();
        assertThat(imports.get(ROUTER)).containsAll(new TreeSet<>(imports.keySet()).stream()
                .filter(m -> !m.equals(ROUTER) && !SHARED.contains(m)).toList());
    }

    @Test
    void importsFormNoCycle() throws IOException {
        Map<String, List<String>> imports = localImports();
        for (String module : imports.keySet()) {
            assertThat(cycleFrom(module, imports, new ArrayList<>())).as("an import cycle through %s", module).isEmpty();
        }
    }

    /** A path of imports from {@code module} back into {@code path}, or an empty list. */
    private static List<String> cycleFrom(String module, Map<String, List<String>> imports, List<String> path) {
        if (path.contains(module)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(module), path.size()));
            cycle.add(module);
            return cycle;
        }
        path.add(module);
        for (String next : imports.getOrDefault(module, List.of())) {
            List<String> cycle = cycleFrom(next, imports, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        return List.of();
    }

    private static Map<String, List<String>> localImports() throws IOException {
        Map<String, List<String>> imports = new TreeMap<>();
        try (Stream<Path> files = Files.list(UI)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".js")).toList()) {
                List<String> imported = new ArrayList<>();
                Matcher m = LOCAL_IMPORT.matcher(Files.readString(file));
                while (m.find()) {
                    imported.add(m.group(1));
                }
                imports.put(file.getFileName().toString(), imported);
            }
        }
        return imports;
    }
}
