package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Holds the README's tables against the code so the two cannot drift apart: every endpoint the
 * README names is a route the server registers and every route is in the README; every option an
 * options table names is in the command's {@code --help} and every option of the help is in a table;
 * the views the README and {@code contrail sql --help} list are the views a query can read.
 */
class ReadmeMatchesCodeTest {

    private static final Path README = Path.of("..", "README.md");
    /** {@code `GET /api/search?service=…`}: a method and a path inside backquotes, up to the query string. */
    private static final Pattern ENDPOINT = Pattern.compile("`(GET|POST|PUT|DELETE) (/[^`?\\s]*)");
    /** The first cell of an options table row: {@code | `--max-body-bytes SIZE` |}. */
    private static final Pattern OPTION_ROW = Pattern.compile("^\\| `(--[a-z-]+)");
    /** An options table's header: {@code | Option (`serve`, also `demo`) |}, naming the commands it is for. */
    private static final Pattern OPTIONS_HEADER = Pattern.compile("^\\| Option \\(([^)]*)\\)");
    /** Routes of the web UI's own, which the README describes as screens rather than endpoints. */
    private static final Set<String> UI_ROUTES = Set.of("GET /", "GET /api/sql-examples");

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    private static List<String> readme() throws IOException {
        return Files.readAllLines(README);
    }

    /** {@code /api/traces/{traceID}} and {@code /api/traces/{traceId}} are the same route. */
    private static String normalized(String method, String path) {
        return method + " " + path.replaceAll("\\{[^}]*}", "{}");
    }

    /** Every endpoint in the README's tables, with the {@code /zipkin} prefix of the table that says "under `/zipkin`". */
    private static Set<String> documentedEndpoints() throws IOException {
        Set<String> endpoints = new TreeSet<>();
        String prefix = "";
        for (String line : readme()) {
            if (!line.startsWith("|")) {
                prefix = "";
                continue;
            }
            if (line.contains("(under `/zipkin`)")) {
                prefix = "/zipkin";
            }
            Matcher m = ENDPOINT.matcher(line);
            while (m.find()) {
                endpoints.add(normalized(m.group(1), prefix + m.group(2)));
            }
        }
        return endpoints;
    }

    private static Set<String> registeredRoutes() {
        Set<String> routes = new TreeSet<>();
        for (String route : server.server().routes()) {
            String[] methodAndPath = route.split(" ", 2);
            routes.add(normalized(methodAndPath[0], methodAndPath[1]));
        }
        return routes;
    }

    @Test
    void everyEndpointTheReadmeNamesIsARouteAndEveryRouteIsInTheReadme() throws IOException {
        Set<String> documented = documentedEndpoints();
        Set<String> registered = registeredRoutes();
        assertThat(documented).as("endpoints in README tables").contains("POST /v1/traces", "GET /jaeger/api/services",
                "GET /zipkin/api/v2/services", "GET /api/services/{}/operations");

        assertThat(registered).as("routes the server registers").containsAll(documented);
        Set<String> undocumented = new TreeSet<>(registered);
        undocumented.removeAll(documented);
        undocumented.removeAll(UI_ROUTES);
        assertThat(undocumented).as("routes missing from the README's endpoint tables").isEmpty();
    }

    /** The options each command's tables name, by command. */
    private static Map<String, Set<String>> documentedOptions() throws IOException {
        Map<String, Set<String>> options = new LinkedHashMap<>();
        List<String> commands = List.of();
        for (String line : readme()) {
            Matcher header = OPTIONS_HEADER.matcher(line);
            if (header.find()) {
                commands = new ArrayList<>();
                Matcher command = Pattern.compile("`([a-z]+)`").matcher(header.group(1));
                while (command.find()) {
                    commands.add(command.group(1));
                }
                continue;
            }
            if (!line.startsWith("|")) {
                commands = List.of();
                continue;
            }
            Matcher row = OPTION_ROW.matcher(line);
            if (row.find()) {
                for (String command : commands) {
                    options.computeIfAbsent(command, c -> new TreeSet<>()).add(row.group(1));
                }
            }
        }
        return options;
    }

    /** The long options {@code contrail COMMAND --help} lists, without --help and --version. */
    private static Set<String> helpOptions(String command) {
        String help = CommandLineTest.run(command, "--help").out();
        Set<String> options = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s+(?:-\\w, )?(--[a-z-]+)").matcher(help);
        while (m.find()) {
            options.add(m.group(1));
        }
        options.removeAll(Set.of("--help", "--version"));
        return options;
    }

    @Test
    void everyOptionInTheReadmesTablesIsInHelpAndEveryOptionInHelpIsInATable() throws IOException {
        Map<String, Set<String>> documented = documentedOptions();
        assertThat(documented).containsOnlyKeys("serve", "demo", "sql", "compact");

        for (var command : documented.entrySet()) {
            assertThat(command.getValue()).as("README options of contrail %s", command.getKey())
                    .isEqualTo(helpOptions(command.getKey()));
        }
    }

    @Test
    void theViewsTheReadmeAndSqlHelpListAreTheViewsAQueryCanRead() throws Exception {
        Set<String> views = new TreeSet<>();
        for (var row : server.server().engine()
                .query("SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW' "
                        + "AND table_schema = 'main'").rows()) {
            views.add((String) row.get(0));
        }
        assertThat(views).contains("spans", "traces", "sampling_stats");

        Set<String> inHelp = new TreeSet<>(List.of(Main.Sql.VIEWS.split(", ")));
        assertThat(inHelp).as("views in `contrail sql --help`").isEqualTo(views);
        assertThat(CommandLineTest.run("sql", "--help").out().replaceAll("\\s+", " ")).contains(Main.Sql.VIEWS);

        Set<String> inReadme = new TreeSet<>();
        boolean inViewsTable = false;
        for (String line : readme()) {
            if (line.startsWith("| View |")) {
                inViewsTable = true;
            } else if (!line.startsWith("|")) {
                inViewsTable = false;
            } else if (inViewsTable) {
                Matcher view = Pattern.compile("^\\| `([a-z_]+)`").matcher(line);
                if (view.find()) {
                    inReadme.add(view.group(1));
                }
            }
        }
        assertThat(inReadme).as("views in the README's Views table").isEqualTo(views);
    }
}
