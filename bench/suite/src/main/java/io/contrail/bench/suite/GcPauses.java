package io.contrail.bench.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stop-the-world pauses a JVM's garbage collector logged in a time window, read from the log
 * that {@link #jvmOption(Path)} asks for: unified GC logging at level info with wall-clock
 * milliseconds on each line, which on JDK 17 gives one line per pause with its duration as the
 * collector measured it (G1: "Pause Young", "Pause Remark", "Pause Cleanup", "Pause Full"; the
 * concurrent phases are not pauses and are left out). Time to reach the safepoint is not in it.
 *
 * @param pauses       pauses that began in the window
 * @param maxMillis    the longest of them; 0 when there were none
 * @param totalMillis  their sum
 * @param windowSeconds the window's length
 * @param longest      the log line of the longest pause (what kind of collection it was), or null
 */
public record GcPauses(int pauses, double maxMillis, double totalMillis, double windowSeconds, String longest) {

    /** "[1764000000123ms] GC(12) Pause Young (Normal) (G1 Evacuation Pause) 300M->120M(1024M) 12.345ms" */
    private static final Pattern PAUSE = Pattern.compile(
            "^\\[(\\d+)ms\\].*\\bGC\\(\\d+\\) (Pause .*?) (\\d+(?:\\.\\d+)?)ms\\s*$");

    /** The JVM option that writes the log this class reads to {@code file} (never rotated). */
    static String jvmOption(Path file) {
        return "-Xlog:gc:file=\"" + file.toAbsolutePath() + "\":timemillis:filecount=0";
    }

    /**
     * The pauses logged in {@code log} that began between {@code fromEpochMillis} and
     * {@code toEpochMillis} (wall clock, as {@link System#currentTimeMillis()} gives it).
     */
    static GcPauses read(Path log, long fromEpochMillis, long toEpochMillis) throws IOException {
        return of(Files.readAllLines(log, StandardCharsets.UTF_8), fromEpochMillis, toEpochMillis);
    }

    static GcPauses of(List<String> lines, long fromEpochMillis, long toEpochMillis) {
        int count = 0;
        double max = 0;
        double total = 0;
        String longest = null;
        for (String line : lines) {
            Matcher m = PAUSE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            long at = Long.parseLong(m.group(1));
            if (at < fromEpochMillis || at > toEpochMillis) {
                continue;
            }
            double millis = Double.parseDouble(m.group(3));
            count++;
            total += millis;
            if (millis >= max) {
                max = millis;
                longest = m.group(2);
            }
        }
        return new GcPauses(count, max, total, Math.max(0, toEpochMillis - fromEpochMillis) / 1e3, longest);
    }

    /** Paused time as a share of the window, in percent. */
    public double pausedPercent() {
        return windowSeconds <= 0 ? 0 : totalMillis / 10 / windowSeconds;
    }
}
