package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.io.IOException;
import java.io.PrintStream;
import java.util.regex.Pattern;

/**
 * Every HTTP request enters here: admin paths go to {@link AdminEndpoint}; API paths are counted,
 * authenticated ({@code x-api-key} or {@code Authorization: Bearer}), checked for
 * {@code anthropic-version}, read (with the API's size limits) and dispatched. Nothing escapes as
 * an unanswered request: an unexpected failure is a 500 {@code api_error}, and a fault that drops
 * the connection is the only exchange left unanswered on purpose.
 *
 * <p>An unexpected failure is a simulator bug, and a 500 alone would hide it: clients rightly
 * retry a 500, so a test would pass on the retry and the bug would go unseen. Each one is
 * therefore also counted ({@code internal_errors} in the statistics) and reported in one line on
 * the error stream, with the stack trace when {@code debug} is set.
 */
public final class Router implements HttpHandler {

    private static final long MAX_BYTES = 32L << 20;
    private static final Pattern VERSION = Pattern.compile("20\\d\\d-[01]\\d-[0-3]\\d");

    private final Simulator sim;
    private final MessagesEndpoint messages;
    private final BatchesEndpoint batches;
    private final ModelsEndpoint models;
    private final AdminEndpoint admin;
    private final PrintStream errors;

    public Router(Simulator sim) {
        this(sim, System.err);
    }

    /** A router that reports internal errors on {@code errors}. */
    Router(Simulator sim, PrintStream errors) {
        this.sim = sim;
        this.errors = errors;
        this.messages = new MessagesEndpoint(sim);
        this.batches = new BatchesEndpoint(sim);
        this.models = new ModelsEndpoint(sim);
        this.admin = new AdminEndpoint(sim);
    }

    /** The base URL, for the batches' {@code results_url}. */
    public void baseUrl(String url) {
        batches.baseUrl(url);
    }

    @Override
    public void handle(HttpExchange http) {
        SimSettings.Protocol protocol = sim.settings().protocol();
        Exchange ex = new Exchange(http, sim.counters(), protocol.rateLimitHeadersOnSuccess(), protocol.identityHeadersOnErrors());
        if (!ex.path().startsWith("/_sim/")) {
            ex.inFlight(sim.inFlight().enter());
        }
        try {
            route(ex);
        } catch (Exchange.Dropped dropped) {
            // Thrown out of the handler, it makes the server close the connection without finishing the answer.
            throw dropped;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientGone) {
            // nothing to answer to
        } catch (RuntimeException | Error bug) {
            report(ex, bug);
            // Once a stream has begun there is no status left to send: the count and the line are all that show it.
            if (!ex.answered()) {
                try {
                    ex.json(500, ApiErrors.body("api_error", "Internal server error", ex.requestId), null);
                } catch (IOException ignored) {
                    // the client left
                }
            }
        } finally {
            // A dropped connection, a client gone or a failure: the request is no longer being answered.
            ex.answerComplete();
        }
        ex.close();
    }

    private void report(Exchange ex, Throwable bug) {
        sim.counters().internalError();
        boolean debug = sim.settings().diagnostics().debug();
        // One line whatever the message holds, so that a log stays one event per line.
        String what = String.valueOf(bug).replaceAll("\\s*\\R\\s*", " ");
        errors.println("pacer-sim: internal error (a simulator bug) in " + ex.method() + " " + ex.path() + " " + ex.requestId
                + ", answered 500 api_error: " + what + (debug ? "" : " (debug: true prints the stack trace)"));
        if (debug) {
            bug.printStackTrace(errors);
        }
    }

    private void route(Exchange ex) throws IOException, InterruptedException {
        String path = ex.path();
        if (path.startsWith("/_sim/")) {
            admin.handle(ex, path.substring("/_sim/".length()));
            return;
        }
        sim.counters().request();
        String key = apiKey(ex);
        if (key != null) {
            ex.key(SimStats.keyId(key));
        }
        if (key == null) {
            ex.json(401, ApiErrors.body("authentication_error", "x-api-key header is required", ex.requestId), null);
            return;
        }
        SimSettings settings = sim.settings();
        if (!settings.apiKeys().isEmpty() && !settings.apiKeys().contains(key) && !settings.organizations().lists(key)) {
            ex.json(401, ApiErrors.body("authentication_error", "invalid x-api-key", ex.requestId), null);
            return;
        }
        ex.identity(Identity.of(key, settings));
        String version = ex.header("anthropic-version");
        if (version == null) {
            ex.json(400, ApiErrors.invalidRequest("anthropic-version: header is required", ex.requestId), null);
            return;
        }
        // Dated versions only; the official Java SDK 3.13 sends 2026-10-21, later than the two the reference lists.
        if (!VERSION.matcher(version.trim()).matches()) {
            ex.json(400, ApiErrors.invalidRequest("anthropic-version: '" + version + "' is not a valid version; use a date such as 2023-06-01",
                    ex.requestId), null);
            return;
        }
        dispatch(ex, SimStats.keyId(key), ex.method(), path);
    }

    private void dispatch(Exchange ex, String keyId, String method, String path) throws IOException, InterruptedException {
        switch (method + " " + path) {
            case "POST /v1/messages" -> {
                JsonNode body = body(ex, MAX_BYTES);
                if (body != null) {
                    messages.create(ex, keyId, body);
                }
            }
            case "POST /v1/messages/count_tokens" -> {
                JsonNode body = body(ex, MAX_BYTES);
                if (body != null) {
                    messages.countTokens(ex, keyId, body);
                }
            }
            case "POST /v1/messages/batches" -> {
                JsonNode body = body(ex, BatchesEndpoint.MAX_BYTES);
                if (body != null) {
                    batches.create(ex, keyId, body);
                }
            }
            case "GET /v1/messages/batches" -> batches.list(ex, keyId, ex.query());
            case "GET /v1/models" -> models.list(ex, ex.query());
            default -> item(ex, keyId, method, path);
        }
    }

    private void item(Exchange ex, String keyId, String method, String path) throws IOException {
        String[] parts = path.split("/");
        // "", "v1", "messages", "batches", id[, action]
        if (parts.length >= 5 && parts[1].equals("v1") && parts[2].equals("messages") && parts[3].equals("batches")) {
            String id = parts[4];
            String action = parts.length == 6 ? parts[5] : "";
            switch (method + " " + action) {
                case "GET " -> batches.retrieve(ex, keyId, id);
                case "DELETE " -> batches.delete(ex, keyId, id);
                case "POST cancel" -> batches.cancel(ex, keyId, id);
                case "GET results" -> batches.results(ex, keyId, id);
                default -> notFound(ex, method, path);
            }
            return;
        }
        if (parts.length == 4 && parts[1].equals("v1") && parts[2].equals("models") && method.equals("GET")) {
            models.retrieve(ex, parts[3]);
            return;
        }
        notFound(ex, method, path);
    }

    private static void notFound(Exchange ex, String method, String path) throws IOException {
        ex.json(404, ApiErrors.notFound("Not Found: " + method + " " + path, ex.requestId), null);
    }

    private static JsonNode body(Exchange ex, long limit) throws IOException {
        byte[] bytes;
        try {
            bytes = ex.body(limit);
        } catch (Exchange.TooLarge e) {
            ex.json(413, ApiErrors.body("request_too_large", "Request exceeds the maximum allowed number of bytes.", ex.requestId), null);
            return null;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(bytes);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException malformed) {
            // answered below
        }
        ex.json(400, ApiErrors.invalidRequest("The request body is not valid JSON: send a JSON object.", ex.requestId), null);
        return null;
    }

    private static String apiKey(Exchange ex) {
        String key = ex.header("x-api-key");
        if (key != null && !key.isBlank()) {
            return key.trim();
        }
        String auth = ex.header("authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && !auth.substring(7).isBlank()) {
            return auth.substring(7).trim();
        }
        return null;
    }
}
