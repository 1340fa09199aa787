package io.contrail.http;

import io.contrail.http.auth.Decision;
import io.contrail.http.auth.Scope;
import io.contrail.http.auth.TokenFile;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.InternalRouter;
import io.javalin.router.ParsedEndpoint;

import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * With {@code --auth}: the check before every HTTP request. A route that takes spans ({@link IngestRoutes#PATHS},
 * POST) needs a token with {@link Scope#INGEST}; every other route, and any path no route answers, needs
 * {@link Scope#QUERY}. Open without a token: the web UI's page and static files (it then asks for a token
 * and sends it with every API call) and {@code /health}, which tells an unauthenticated caller only its status
 * ({@link #authenticated}). The route is found by the router's own matching, so a path the router treats as
 * the same route (a trailing slash) needs the same scope. Refusals: 401 with {@code WWW-Authenticate} for a
 * missing or unknown token, 403 for a token without the scope, as {@code {"error": "..."}}. An allowed request is
 * for the token's tenant ({@link Tenants#assign}).
 */
final class RouteAccess {

    static final String CHALLENGE = "Bearer realm=\"contrail\"";
    private static final String AUTHENTICATED = "contrail.authenticated";
    /** Route templates open to anyone (GET): the UI's page and vendor files, and health. */
    private static final Set<String> OPEN = Set.of("/", "/ui/vendor/{file}", "/health");

    private final TokenFile tokens;
    private final Supplier<InternalRouter> router;

    RouteAccess(TokenFile tokens, Supplier<InternalRouter> router) {
        this.tokens = tokens;
        this.router = router;
    }

    /** The before-handler: lets the request through, or answers 401/403 and skips every other handler. */
    void check(Context ctx) {
        String authorization = ctx.header("Authorization");
        Scope needed = needed(ctx.method(), ctx.path());
        if (needed == null) {
            // Open to anyone; with a known token it describes the token's tenant (/health).
            Decision known = tokens.peek(authorization);
            ctx.attribute(AUTHENTICATED, known instanceof Decision.Allowed);
            if (known instanceof Decision.Allowed allowed) {
                Tenants.assign(ctx, true, allowed.tenant());
            }
            return;
        }
        Decision decision = tokens.decide(authorization, needed);
        if (decision instanceof Decision.Refused refused) {
            if (refused.cause() != Decision.Cause.SCOPE) {
                ctx.header("WWW-Authenticate", CHALLENGE);
            }
            ctx.status(refused.cause().httpStatus()).json(Map.of("error", refused.message()));
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(AUTHENTICATED, true);
        Tenants.assign(ctx, true, ((Decision.Allowed) decision).tenant());
    }

    /** Whether the request carried a known token; true for every request when the server has no --auth. */
    static boolean authenticated(Context ctx) {
        Boolean known = ctx.attribute(AUTHENTICATED);
        return known == null || known;
    }

    /** The scope a request needs; null when it is open. */
    Scope needed(HandlerType method, String path) {
        if (method == HandlerType.POST) {
            ParsedEndpoint route = router.get().findFirstHttpHandlerEntry(HandlerType.POST, path);
            if (route != null && IngestRoutes.PATHS.contains(route.endpoint.path)) {
                return Scope.INGEST;
            }
        }
        if (method == HandlerType.GET || method == HandlerType.HEAD) {
            ParsedEndpoint route = router.get().findFirstHttpHandlerEntry(HandlerType.GET, path);
            if (route == null ? path.startsWith("/ui/") : OPEN.contains(route.endpoint.path)) {
                return null;
            }
        }
        return Scope.QUERY;
    }
}
