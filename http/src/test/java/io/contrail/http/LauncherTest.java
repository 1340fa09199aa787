package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./contrail} launcher runs a copy of the jar that Maven builds, so that a build or a
 * test run ({@code mvn verify} rewrites {@code http/target/contrail.jar} in place) leaves a running
 * {@code ./contrail demo} alone: a JVM whose jar is rewritten under it fails to load its next class.
 * The launcher runs here from a copy of the repository's, in a folder holding only a built jar, with a
 * stand-in {@code java} on the PATH that records what it was asked to run.
 */
class LauncherTest {

    @Test
    void aRebuildInPlaceLeavesTheJarThatALaunchedJvmHasOpenAlone(@TempDir Path root) throws Exception {
        Path launcher = root.resolve("contrail");
        Files.copy(RepositoryRoot.find().resolve("contrail"), launcher);
        Path built = root.resolve("http/target/contrail.jar");
        Files.createDirectories(built.getParent());
        Files.writeString(built, "first build");
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path args = root.resolve("java-args");
        Path fakeJava = bin.resolve("java");
        Files.writeString(fakeJava, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > " + args + "\n");
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));

        Path firstRun = launch(launcher, bin, args);
        assertThat(firstRun).as("the JVM runs a copy, not the jar Maven writes").isNotEqualTo(built);
        assertThat(firstRun).hasContent("first build");

        try (FileChannel openByTheJvm = FileChannel.open(firstRun, StandardOpenOption.READ)) {
            // What Maven's shade plugin does: the same file, truncated and written again.
            Files.writeString(built, "second build, longer", StandardOpenOption.TRUNCATE_EXISTING);
            Path secondRun = launch(launcher, bin, args);
            assertThat(secondRun).hasContent("second build, longer");
            ByteBuffer seen = ByteBuffer.allocate(64);
            openByTheJvm.read(seen, 0);
            assertThat(new String(seen.array(), 0, seen.position(), StandardCharsets.UTF_8))
                    .as("the running JVM's jar is still the one it started with").isEqualTo("first build");
        }
    }

    /** Runs {@code ./contrail serve} with the stand-in java first on the PATH; the jar it was given. */
    private static Path launch(Path launcher, Path bin, Path args) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", launcher.toString(), "serve").redirectErrorStream(true);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<String> javaArgs = Files.readAllLines(args);
        assertThat(javaArgs).as(output).contains("-jar").endsWith("serve");
        return Path.of(javaArgs.get(javaArgs.indexOf("-jar") + 1));
    }
}
