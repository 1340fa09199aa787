package io.contrail.bench.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The heap in use right after each collection, read from the GC log {@link GcPauses#jvmOption}
 * asks for: every pause line of JDK 17's unified logging ends with the heap before and after it and
 * the heap's size, "300M-&gt;120M(1024M) 12.345ms". What is left after a collection is what the
 * program still holds (plus garbage a young collection did not reach), so a leak shows as this
 * figure rising over time, whatever the allocation rate.
 *
 * @param epochMillis    when the pause began (the line's wall-clock decoration)
 * @param usedAfterBytes heap in use after it
 * @param heapBytes      the heap's committed size after it
 * @param pause          what kind of pause, e.g. "Pause Young (Normal) (G1 Evacuation Pause)"
 */
record HeapAfterGc(long epochMillis, long usedAfterBytes, long heapBytes, String pause) {

    /** "[1764000000123ms] GC(12) Pause Young (Normal) (G1 Evacuation Pause) 300M->120M(1024M) 12.345ms" */
    private static final Pattern PAUSE = Pattern.compile("^\\[(\\d+)ms\\].*\\bGC\\(\\d+\\) (Pause .*?) "
            + "\\d+[BKMG]->(\\d+)([BKMG])\\((\\d+)([BKMG])\\) \\d+(?:\\.\\d+)?ms\\s*$");

    /** Every pause in {@code log} so far (none while the file does not exist yet). */
    static List<HeapAfterGc> read(Path log) throws IOException {
        try {
            return of(Files.readAllLines(log, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    static List<HeapAfterGc> of(List<String> lines) {
        List<HeapAfterGc> pauses = new ArrayList<>();
        for (String line : lines) {
            Matcher m = PAUSE.matcher(line);
            if (m.matches()) {
                pauses.add(new HeapAfterGc(Long.parseLong(m.group(1)), bytes(m.group(3), m.group(4)),
                        bytes(m.group(5), m.group(6)), m.group(2)));
            }
        }
        return pauses;
    }

    private static long bytes(String number, String unit) {
        long n = Long.parseLong(number);
        return switch (unit) {
            case "K" -> n << 10;
            case "M" -> n << 20;
            case "G" -> n << 30;
            default -> n;
        };
    }
}
