package io.contrail.http;

import io.contrail.query.TimeParameters;
import io.javalin.http.Context;

/** How every route reads its query parameters: blank is absent, times are RFC 3339 or epoch digits. */
final class RequestParameters {

    private RequestParameters() {
    }

    /** A time parameter (RFC 3339 or epoch digits) in Unix nanoseconds; null when absent or blank. */
    static Long time(Context ctx, String parameter) {
        String value = blankToNull(ctx.queryParam(parameter));
        return value == null ? null : TimeParameters.parseTimeNanos(parameter, value);
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
