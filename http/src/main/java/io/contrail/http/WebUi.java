package io.contrail.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.staticfiles.Location;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The web UI: a single page at {@code /} (plain JavaScript modules and CSS under the classpath
 * folder {@code ui/}, served at {@code /ui/}; the libraries it uses — uPlot's charts, dagre's graph
 * layout, CodeMirror's editor — under {@code ui/vendor/}, copied there from npm at build time by
 * {@code http/ui-vendor/install}), and the SQL console's examples ({@code sql-examples/*.sql},
 * packaged into the jar from the repository) at {@code GET /api/sql-examples}. Everything it shows
 * comes from the public HTTP API; nothing is fetched from outside the server.
 */
final class WebUi {

    private static final String UI_FOLDER = "/ui";
    private static final String EXAMPLES_FOLDER = "sql-examples";

    /** One SQL example: its file name, the question it answers (its first comment line) and its text. */
    record SqlExample(String file, String question, String sql) {
    }

    private final List<SqlExample> examples;

    private WebUi() {
        this.examples = loadExamples();
    }

    /** Adds the UI's routes and static files to a server being configured. */
    static void register(JavalinConfig javalin) {
        WebUi ui = new WebUi();
        javalin.staticFiles.add(files -> {
            files.hostedPath = UI_FOLDER;
            files.directory = UI_FOLDER;
            files.location = Location.CLASSPATH;
            files.headers = Map.of("Cache-Control", "no-cache");
        });
        javalin.routes.get("/", ctx -> ui.classpathFile(ctx, "ui/index.html", "text/html; charset=utf-8"));
        javalin.routes.get("/api/sql-examples", ctx -> ctx.json(Map.of("examples", ui.examples)));
    }

    private void classpathFile(Context ctx, String resource, String contentType) throws IOException {
        try (InputStream in = WebUi.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing from the jar: " + resource);
            }
            ctx.header("Cache-Control", "no-cache").contentType(contentType).result(in.readAllBytes());
        }
    }

    /** The packaged examples, by file name; none when the jar was built without them. */
    private static List<SqlExample> loadExamples() {
        URL folder = WebUi.class.getClassLoader().getResource(EXAMPLES_FOLDER);
        if (folder == null) {
            return List.of();
        }
        try {
            URI uri = folder.toURI();
            if (!uri.getScheme().equals("jar")) {
                return readExamples(Path.of(uri));
            }
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                return readExamples(jar.provider().getPath(uri));
            } catch (FileSystemAlreadyExistsException e) {
                // Someone else opened the jar as a file system; read through theirs and leave it open.
                return readExamples(FileSystems.getFileSystem(uri).provider().getPath(uri));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the packaged SQL examples", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<SqlExample> readExamples(Path folder) throws IOException {
        List<SqlExample> examples = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".sql")).sorted().toList()) {
                String sql = Files.readString(file, StandardCharsets.UTF_8);
                examples.add(new SqlExample(file.getFileName().toString(), question(sql), sql));
            }
        }
        return examples;
    }

    /** The question a file answers: its opening comment up to the first blank comment line. */
    static String question(String sql) {
        StringBuilder question = new StringBuilder();
        for (String line : sql.lines().toList()) {
            if (!line.startsWith("--")) {
                break;
            }
            String text = line.substring(2).strip();
            if (text.isEmpty()) {
                break;
            }
            question.append(question.length() == 0 ? "" : " ").append(text);
        }
        return question.toString().replaceFirst("^Question:\\s*", "");
    }
}
