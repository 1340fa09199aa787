package io.contrail.bench.suite;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ContrailServerProcessTest {

    /** The bench measures the server as the launcher runs it: the same JVM options. */
    @Test
    void theBenchStartsTheServerWithTheLaunchersJvmOptions() throws Exception {
        Path launcher = BenchOptions.findRepositoryRoot(Path.of("")).resolve("contrail");
        String execLine = Files.readAllLines(launcher).stream().filter(line -> line.startsWith("exec java "))
                .reduce((first, second) -> second).orElseThrow();
        List<String> words = Arrays.asList(execLine.split("\\s+"));
        List<String> options = words.subList(2, words.indexOf("${CONTRAIL_JAVA_OPTS:-}")).stream()
                .filter(option -> !option.startsWith("--add-opens=")).toList();
        assertThat(options).as("the launcher's JVM options: " + execLine)
                .containsExactlyElementsOf(ContrailServerProcess.LAUNCHER_JVM_OPTIONS);
    }
}
