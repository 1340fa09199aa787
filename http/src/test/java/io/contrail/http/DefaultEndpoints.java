package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an OpenTelemetry SDK's OTLP exporter sends when left on its defaults, and where a Contrail
 * command run without options listens: what the default-settings tests compare, without binding the
 * default ports themselves (the suite must pass while a Contrail, a Collector or {@code ./contrail demo}
 * holds them).
 */
final class DefaultEndpoints {

    /** The SDK's exporters have no getter for their endpoint; their {@code toString} lists it. */
    private static final Pattern ENDPOINT = Pattern.compile("endpoint=([^,}\\s]+)");

    private DefaultEndpoints() {
    }

    /** The configuration {@code contrail <command>} (serve, demo) runs with when given no options. */
    static ServerConfig commandWithoutOptions(String command) throws Exception {
        picocli.CommandLine.ParseResult parsed = Main.commandLine().parseArgs(command);
        Object userObject = parsed.subcommand().commandSpec().userObject();
        Main.ServerOptions options = userObject instanceof Main.Serve serve ? serve.options
                : ((Main.Demo) userObject).options;
        return options.toConfig();
    }

    /** The endpoint an OTLP exporter sends to, as it reports it. */
    static URI endpointOf(Object exporter) {
        Matcher matcher = ENDPOINT.matcher(exporter.toString());
        assertThat(matcher.find()).as("the exporter names its endpoint in toString: %s", exporter).isTrue();
        return URI.create(matcher.group(1));
    }

    /** {@code endpoint} with only its port replaced. */
    static URI withPort(URI endpoint, int port) {
        try {
            return new URI(endpoint.getScheme(), endpoint.getUserInfo(), endpoint.getHost(), port, endpoint.getPath(),
                    endpoint.getQuery(), endpoint.getFragment());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
