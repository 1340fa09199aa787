package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code contrail} command line as a user meets it: mistakes answered in one line naming the
 * option, every time and size option taking units, and what the server says about where it listens.
 */
class CommandLineTest {

    @TempDir
    Path scratch;

    record CommandOutput(int exitCode, String out, String err) {
    }

    static CommandOutput run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            int code = Main.commandLine().execute(args);
            return new CommandOutput(code, capturedOut.toString(StandardCharsets.UTF_8),
                    capturedErr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static ServerConfig serveConfig(String... options) throws Exception {
        String[] args = new String[options.length + 1];
        args[0] = "serve";
        System.arraycopy(options, 0, args, 1, options.length);
        picocli.CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args);
        return ((Main.Serve) parsed.subcommand().commandSpec().userObject()).options.toConfig();
    }

    @Test
    void anUnknownOptionIsOneLineNamingItAndWhereTheHelpIs() {
        CommandOutput output = run("serve", "--prot", "4318");

        assertThat(output.exitCode()).isEqualTo(2);
        assertThat(output.err().strip()).isEqualTo("contrail serve: unknown option '--prot' (see contrail serve --help)");
        assertThat(output.out()).isEmpty();
    }

    @Test
    void aBadValueIsOneLineNamingTheOption() {
        CommandOutput output = run("sql", "--max-rows", "many", "SELECT 1");

        assertThat(output.exitCode()).isEqualTo(2);
        assertThat(output.err().strip().lines()).hasSize(1);
        assertThat(output.err()).contains("--max-rows").contains("'many'").contains("(see contrail sql --help)");
    }

    @Test
    void demoWithZeroTracesNamesTheOption() {
        CommandOutput output = run("demo", "--traces", "0", "--exit", "--port", "0", "--data", scratch.toString());

        assertThat(output.exitCode()).isEqualTo(2);
        assertThat(output.err().strip()).isEqualTo("contrail demo: --traces=0: must be at least 1 (see contrail demo --help)");
        assertThat(output.err()).doesNotContain("tracesPerSecond");
    }

    @Test
    void theSharedTablesOptionsNeedStorageAndNameWhatIsMissing() {
        CommandOutput endpoint = run("serve", "--node-id", "null", "--port", "0", "--data", scratch.toString());
        assertThat(endpoint.exitCode()).isEqualTo(2);
        assertThat(endpoint.err()).contains("--node-id needs --storage s3://BUCKET/PREFIX");

        CommandOutput noCatalog = run("serve", "--storage", "s3://traces/spans", "--port", "0", "--data", scratch.toString());
        assertThat(noCatalog.exitCode()).isEqualTo(2);
        assertThat(noCatalog.err()).contains("--storage needs --catalog JDBC-URL");

        CommandOutput maxSize = run("serve", "--storage", "s3://traces/spans", "--catalog", "jdbc:postgresql://db/c",
                "--max-size", "1GB", "--port", "0", "--data", scratch.toString());
        assertThat(maxSize.exitCode()).isEqualTo(2);
        assertThat(maxSize.err()).contains("--max-size is not available with --storage");
    }

    @Test
    void everyTimeOptionTakesAUnitAndABareNumberKeepsItsDocumentedUnit() throws Exception {
        ServerConfig withUnits = serveConfig("--query-timeout", "30s", "--flush-interval", "500ms",
                "--compact-interval", "1m", "--body-timeout", "2m");
        assertThat(withUnits.query().queryTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(withUnits.store().writes().maxBufferAge()).isEqualTo(Duration.ofMillis(500));
        assertThat(withUnits.store().compaction().interval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(withUnits.bodies().timeout()).isEqualTo(Duration.ofMinutes(2));

        ServerConfig bare = serveConfig("--query-timeout", "45", "--flush-interval", "200", "--body-timeout", "10");
        assertThat(bare.query().queryTimeout()).as("bare --query-timeout is seconds").isEqualTo(Duration.ofSeconds(45));
        assertThat(bare.store().writes().maxBufferAge()).as("bare --flush-interval is milliseconds").isEqualTo(Duration.ofMillis(200));
        assertThat(bare.bodies().timeout()).as("bare --body-timeout is seconds").isEqualTo(Duration.ofSeconds(10));
        assertThat(serveConfig("--max-buffer-wait", "250").store().writes().maxBufferWait())
                .as("bare --max-buffer-wait is milliseconds").isEqualTo(Duration.ofMillis(250));
        assertThat(serveConfig("--max-buffer-wait", "0").store().writes().maxBufferWait()).as("0 refuses at once").isZero();

        CommandOutput bad = run("serve", "--flush-interval", "5 minutes");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--flush-interval").contains("'5 minutes' is not a time");
        CommandOutput zero = run("serve", "--query-timeout", "0s");
        assertThat(zero.err().strip()).isEqualTo(
                "contrail serve: --query-timeout=0: must be a positive time, e.g. 30s (see contrail serve --help)");
    }

    @Test
    void everySizeOptionTakesAUnitAndABareNumberIsBytes() throws Exception {
        ServerConfig withUnits = serveConfig("--max-body-bytes", "64MB", "--max-buffered-bytes", "1GB", "--max-size", "50GB");
        assertThat(withUnits.maxBodyBytes()).isEqualTo(64L << 20);
        assertThat(withUnits.store().writes().maxBufferedBytes()).isEqualTo(1L << 30);
        assertThat(withUnits.store().retention().maxBytes()).isEqualTo(50L << 30);

        ServerConfig bare = serveConfig("--max-body-bytes", "1048576", "--max-buffered-bytes", "2097152");
        assertThat(bare.maxBodyBytes()).isEqualTo(1L << 20);
        assertThat(bare.store().writes().maxBufferedBytes()).isEqualTo(2L << 20);
    }

    @Test
    void helpShowsDefaultsWithTheirUnits() {
        String help = run("serve", "--help").out().replaceAll("\\s+", " ");

        assertThat(help).contains("(default: 64MB)").contains("(default: 256MB)").contains("(default: 30s; a bare number is seconds)")
                .contains("(default: 1s; a bare number is milliseconds)").contains("(default: 1m)")
                .contains("--max-buffer-wait=TIME Longest an ingest request waits for room");
        assertThat(help).doesNotContain("PT").doesNotContain("67108864");
    }

    @Test
    void anAddressThisMachineDoesNotHaveIsNamedNotCalledABusyPort() {
        // 10.255.255.1 is a private address no test machine has: binding to it fails at once, nothing is sent.
        CommandOutput output = run("serve", "--host", "10.255.255.1", "--port", "0", "--data", scratch.toString());

        assertThat(output.exitCode()).isEqualTo(2);
        assertThat(output.err()).contains("10.255.255.1").contains("not an address of this machine").contains("--host")
                .doesNotContain("Port already in use");
    }

    @Test
    void aBindBeyondLoopbackShowsTheRealAddressAndWarnsThatNothingAuthenticates() {
        CommandOutput output = run("demo", "--exit", "--traces", "1", "--host", "0.0.0.0", "--port", "0",
                "--data", scratch.resolve("everywhere").toString());

        assertThat(output.exitCode()).as(output.err()).isZero();
        assertThat(output.out()).containsPattern("Contrail listening on http://0\\.0\\.0\\.0:\\d+ \\(from this machine: "
                + "http://127\\.0\\.0\\.1:\\d+\\) and OTLP/gRPC 0\\.0\\.0\\.0:\\d+ and Flight SQL grpc://0\\.0\\.0\\.0:\\d+");
        assertThat(output.err()).contains("WARNING: listening on 0.0.0.0, reachable from other machines, without authentication")
                .contains("read every stored span").contains("--auth FILE");
    }

    @Test
    void withAuthTheDemoLoadsThroughItsOwnTokenAndTheBannerSaysTokensAreNeeded() throws java.io.IOException {
        Path auth = scratch.resolve("auth.yaml");
        java.nio.file.Files.writeString(auth, "tokens:\n  - token: reader-9f2k\n    tenant: shop\n    scopes: [query]\n");
        CommandOutput output = run("demo", "--exit", "--traces", "2", "--host", "0.0.0.0", "--port", "0",
                "--auth", auth.toString(), "--data", scratch.resolve("with-auth").toString());

        assertThat(output.exitCode()).as(output.err()).isZero();
        assertThat(output.out()).containsPattern("Contrail listening on http://0\\.0\\.0\\.0:\\d+")
                .contains("Every request needs Authorization: Bearer TOKEN with a token of " + auth + " (1 tokens")
                .containsPattern("Loaded 2 demo traces \\(\\d+ spans\\)");
        assertThat(output.err()).doesNotContain("without authentication")
                .contains("NOTE: without TLS tokens and spans cross the network in plain text").contains("--tls-cert");
        assertThat(output.out() + output.err()).doesNotContain("reader-9f2k");
    }

    @Test
    void aBadAuthFileIsOneLineNamingTheEntryAndTheProblem() throws java.io.IOException {
        Path auth = scratch.resolve("bad-auth.yaml");
        java.nio.file.Files.writeString(auth, "tokens:\n  - token: s3cr3t-writer\n    scopes: [write]\n");
        CommandOutput output = run("serve", "--port", "0", "--auth", auth.toString(), "--data", scratch.resolve("bad").toString());

        assertThat(output.exitCode()).isEqualTo(2);
        assertThat(output.err().strip()).isEqualTo("contrail: auth file " + auth
                + ": tokens[0]: scopes: unknown scope \"write\" (scopes: ingest, query)");
        assertThat(scratch.resolve("bad")).as("the data folder is not created").doesNotExist();
    }

    @Test
    void demoExitSaysTheServerHasStoppedInsteadOfInvitingToTheWebUi() {
        Path data = scratch.resolve("loopback");
        CommandOutput output = run("demo", "--exit", "--traces", "1", "--port", "0", "--data", data.toString());

        assertThat(output.exitCode()).as(output.err()).isZero();
        assertThat(output.out()).containsPattern("Contrail listening on http://127\\.0\\.0\\.1:\\d+ and OTLP/gRPC")
                .contains("The server has stopped (--exit)").contains("./contrail sql --data " + data)
                .doesNotContain("Contrail is ready").doesNotContain("Open the web UI");
        assertThat(output.err()).doesNotContain("WARNING");
    }
}
