package io.contrail.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A method a route does not answer is {@code 405 Method Not Allowed} with {@code Allow}, on every route; not 404. */
class MethodNotAllowedTest {

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE");

    @RegisterExtension
    static final RunningServer server = RunningServer.withDefaults();

    @Test
    void getOnTheIngestAndSqlRoutesIs405AllowingPost() {
        for (String path : List.of("/v1/traces", "/api/sql", "/api/v2/spans")) {
            HttpResponse<byte[]> response = server.get(path);

            assertThat(response.statusCode()).as(path).isEqualTo(405);
            assertThat(response.headers().firstValue("Allow")).as(path).hasValue("POST");
            assertThat(RunningServer.json(response).get("error").asText()).isEqualTo(
                    "GET is not allowed on " + path + "; it answers POST");
        }
    }

    @Test
    void everyRouteAnswersTheMethodsItLacksWith405NamingTheOnesItHas() {
        Map<String, Set<String>> methodsByPath = new TreeMap<>();
        for (String route : server.server().routes()) {
            String[] methodAndPath = route.split(" ", 2);
            methodsByPath.computeIfAbsent(methodAndPath[1], p -> new TreeSet<>()).add(methodAndPath[0]);
        }
        assertThat(methodsByPath).containsKeys("/v1/traces", "/api/sql", "/health", "/zipkin/api/v2/spans");

        for (var entry : methodsByPath.entrySet()) {
            String path = entry.getKey().replaceAll("\\{[^}]+}", "x");
            String allow = String.join(", ", entry.getValue());
            for (String method : METHODS) {
                if (entry.getValue().contains(method)) {
                    continue;
                }
                HttpResponse<byte[]> response = server.send(HttpRequest.newBuilder(server.uri(path))
                        .method(method, HttpRequest.BodyPublishers.noBody()));
                assertThat(response.statusCode()).as("%s %s", method, path).isEqualTo(405);
                assertThat(response.headers().firstValue("Allow")).as("%s %s", method, path).hasValue(allow);
            }
        }
    }

    @Test
    void aPathNoRouteHasIsStill404() {
        assertThat(server.get("/api/nothing-here").statusCode()).isEqualTo(404);
        assertThat(server.post("/api/nothing-here", new byte[0]).statusCode()).isEqualTo(404);
    }
}
