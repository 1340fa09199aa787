package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The test suite passes while {@code ./contrail demo} runs (README): no test source of any module
 * listens on a fixed port — above all the defaults 4318/4317/4319 that the demo holds — or uses the
 * demo's data folder. A source scan, so that a new test that does is caught here, on any machine,
 * rather than only on a machine where the port happens to be taken.
 */
class TestsTakeFreePortsTest {

    /** A port that is neither 0 (a free one) nor -1 (off): a positive literal or a named default. */
    private static final String FIXED = "(?:[1-9][0-9]*|(?:ServerConfig\\.)?DEFAULT_(?:GRPC_|FLIGHT_)?PORT)";

    /** Ways a test makes something listen, each with its port argument as group 1. */
    private static final List<Pattern> LISTENS_ON_A_FIXED_PORT = List.of(
            Pattern.compile("new\\s+ServerSocket\\s*\\(\\s*(" + FIXED + ")\\s*[,)]"),
            Pattern.compile("new\\s+InetSocketAddress\\s*\\([^;()]*,\\s*(" + FIXED + ")\\s*\\)"),
            Pattern.compile("\\.withAddress\\s*\\([^;()]*,\\s*(" + FIXED + ")\\s*\\)"),
            Pattern.compile("\\.with(?:Grpc|Flight)Port\\s*\\(\\s*(" + FIXED + ")\\s*\\)"),
            Pattern.compile("\"--(?:grpc-|flight-)?port\"\\s*,\\s*\"([1-9][0-9]*)\""),
            Pattern.compile("\"--(?:grpc-|flight-)?port[= ]([1-9][0-9]*)\""),
            Pattern.compile("\\.start\\s*\\(\\s*(" + FIXED + ")\\s*\\)"));

    /** The folder {@code contrail serve} and {@code demo} use when not given --data: the demo's. */
    private static final Pattern DEMO_DATA_FOLDER = Pattern.compile("\"contrail-data\"|DEFAULT_DATA_DIR");

    @Test
    void noTestSourceListensOnAFixedPortOrUsesTheDemosDataFolder() throws IOException {
        Path root = RepositoryRoot.find();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(path -> path.toString().endsWith(".java"))
                    .filter(path -> path.toString().contains("/src/test/java/"))
                    .filter(path -> !path.toString().contains("/target/"))
                    .filter(path -> !path.getFileName().toString().equals(getClass().getSimpleName() + ".java"))
                    .toList();
        }
        assertThat(sources).as("test sources of every module, under %s", root).hasSizeGreaterThan(50)
                .anyMatch(path -> path.startsWith(root.resolve("bench")))
                .anyMatch(path -> path.startsWith(root.resolve("columnar")));
        List<String> offenders = new ArrayList<>();
        for (Path source : sources) {
            offenders.addAll(offences(root.relativize(source).toString(), read(source)));
        }
        assertThat(offenders).as("tests must take free ports (port 0) and temporary folders, so that the suite "
                + "passes while ./contrail demo holds 4318/4317 and ./contrail-data").isEmpty();
    }

    @Test
    void theScanFindsTheWaysATestCouldTakeTheDefaultPorts() {
        assertThat(offences("a", "config.withAddress(ServerConfig.DEFAULT_HOST, ServerConfig.DEFAULT_PORT);")).hasSize(1);
        assertThat(offences("a", "config.withAddress(\"127.0.0.1\", 0)\n .withGrpcPort(ServerConfig.DEFAULT_GRPC_PORT)"))
                .hasSize(1);
        assertThat(offences("a", "new ServerSocket(ServerConfig.DEFAULT_PORT, 1, InetAddress.getByName(h))")).hasSize(1);
        assertThat(offences("a", "new ServerSocket(4317)")).hasSize(1);
        assertThat(offences("a", "new InetSocketAddress(\"127.0.0.1\", 4318)")).hasSize(1);
        assertThat(offences("a", "List.of(\"serve\", \"--port\", \"4318\")")).hasSize(1);
        assertThat(offences("a", "List.of(\"serve\", \"--grpc-port=4317\")")).hasSize(1);
        assertThat(offences("a", "config.withAddress(\"127.0.0.1\", 0).withFlightPort(ServerConfig.DEFAULT_FLIGHT_PORT)"))
                .hasSize(1);
        assertThat(offences("a", "List.of(\"serve\", \"--port\", \"0\", \"--flight-port\", \"4319\")")).hasSize(1);
        assertThat(offences("a", "Javalin.create().start(8080)")).hasSize(1);
        assertThat(offences("a", "ContrailServer.start(ServerConfig.defaults(Path.of(\"contrail-data\")))")).hasSize(1);

        assertThat(offences("a", "config.withAddress(\"127.0.0.1\", 0).withGrpcPort(ServerConfig.GRPC_DISABLED)"
                + "; new ServerSocket(0, 1, InetAddress.getByName(\"127.0.0.1\")); .withGrpcPort(taken.getLocalPort())"
                + "; List.of(\"serve\", \"--port\", \"0\", \"--grpc-port\", \"-1\"); Endpoint.newBuilder().port(8080)"))
                .isEmpty();
    }

    /** Each fixed port or use of the demo's folder in {@code text}, as "file: what". */
    private static List<String> offences(String file, String text) {
        List<String> found = new ArrayList<>();
        for (Pattern pattern : LISTENS_ON_A_FIXED_PORT) {
            Matcher matcher = pattern.matcher(text);
            while (matcher.find()) {
                found.add(file + ": listens on fixed port " + matcher.group(1) + " (" + matcher.group() + ")");
            }
        }
        Matcher folder = DEMO_DATA_FOLDER.matcher(text);
        while (folder.find()) {
            found.add(file + ": uses the demo's data folder (" + folder.group() + ")");
        }
        return found;
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
