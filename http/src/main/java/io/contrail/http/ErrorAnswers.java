package io.contrail.http;

import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

import java.util.Map;

/** The one shape of an error answer on the JSON routes: {@code {"error": "..."}} with its status. */
final class ErrorAnswers {

    private ErrorAnswers() {
    }

    static void error(Context ctx, HttpStatus status, String message) {
        ctx.status(status).json(Map.of("error", message == null ? status.getMessage() : message));
    }
}
