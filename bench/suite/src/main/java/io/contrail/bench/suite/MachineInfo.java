package io.contrail.bench.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the run ran on, from the JVM and Linux's /proc. */
final class MachineInfo {

    private MachineInfo() {
    }

    static BenchResults.Machine current() {
        long memory = -1;
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memory = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the figures stay unknown
        }
        String java = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")";
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
        return new BenchResults.Machine(Runtime.getRuntime().availableProcessors(), memory, cpu, java, os);
    }
}
