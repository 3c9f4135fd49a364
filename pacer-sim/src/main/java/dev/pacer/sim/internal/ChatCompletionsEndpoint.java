package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.pacer.sim.ChatSimSettings;
import dev.pacer.sim.ChatSimStats;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /v1/chat/completions} as OpenAI serves it: {@code Authorization: Bearer}, the request
 * checked as the API checks it (model, messages and roles, tool messages answering every tool call,
 * {@code max_tokens}, sampling ranges, up to four stop sequences), the limits of {@link ChatQuota}
 * with the six {@code x-ratelimit-*} headers in OpenAI's formats on every answer, {@code x-request-id},
 * OpenAI's error bodies ({@code rate_limit_exceeded} with "Please try again in 644ms.",
 * {@code insufficient_quota} once a key's budget is spent, {@code server_error}), and the answer as
 * JSON or as a stream of {@code chat.completion.chunk} events ending with {@code data: [DONE]} (usage in
 * a last chunk when {@code stream_options.include_usage}). Text is the simulator's generated text; with
 * tools offered and the last message from the user, the answer calls a tool with arguments made from
 * its schema. Cached prompt tokens are reported when the same conversation prefix of at least 1,024
 * tokens was seen before on the key. Answers take the time of the latency model (the messages
 * endpoint's unless {@code openai.latency} is given): the first token after the time to first token,
 * then the completion at its speed, in simulated time; a stream's chunks are spaced by it. Faults
 * strike before the answer (500, 503) or in a stream after some chunks (an error chunk, or a dropped
 * connection without {@code data: [DONE]}), drawn from the seeded source. Shares nothing with the
 * Anthropic side but the tokenizer and text.
 */
public final class ChatCompletionsEndpoint implements HttpHandler {

    private static final long MAX_BYTES = 32L << 20;
    private static final String RATE_LIMIT_DOCS = "Visit https://platform.openai.com/account/rate-limits to learn more.";

    private final Simulator sim;
    private final ChatQuota quota = new ChatQuota();
    private final ChatPrompt prompt;
    private final AtomicLong counter = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong budgetRefused = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong streamed = new AtomicLong();
    private final AtomicLong tokensCharged = new AtomicLong();
    private final AtomicLong tokensUsed = new AtomicLong();
    private final AtomicLong streamFaults = new AtomicLong();

    public ChatCompletionsEndpoint(Simulator sim) {
        this.sim = sim;
        this.prompt = new ChatPrompt(new Tokenizer(sim.settings().seed()));
    }

    /** The statistics so far. */
    public ChatSimStats stats() {
        return new ChatSimStats(requests.get(), succeeded.get(), rateLimited.get(), budgetRefused.get(), serverErrors.get(), streamed.get(),
                tokensCharged.get(), tokensUsed.get(), streamFaults.get());
    }

    /** {@code GET /_sim/chat/stats}: {@link #stats()} as JSON, the OpenAI side's admin view beside {@code /_sim/stats}. */
    public HttpHandler statsHandler() {
        return http -> {
            try (http) {
                boolean get = http.getRequestMethod().equals("GET");
                ChatSimStats st = stats();
                ObjectNode o = Json.object();
                o.put("requests", st.requests()).put("succeeded", st.succeeded()).put("rate_limited", st.rateLimited())
                        .put("budget_refused", st.budgetRefused()).put("server_errors", st.serverErrors()).put("streamed", st.streamed())
                        .put("tokens_charged", st.tokensCharged()).put("tokens_used", st.tokensUsed()).put("stream_faults", st.streamFaults());
                byte[] body = Json.MAPPER.writeValueAsBytes(get ? o
                        : ApiErrors.notFound("/_sim/chat/stats takes GET only.", Ids.next("req_")));
                http.getResponseHeaders().set("content-type", "application/json");
                http.sendResponseHeaders(get ? 200 : 404, body.length);
                http.getResponseBody().write(body);
            }
        };
    }

    @Override
    public void handle(HttpExchange http) throws IOException {
        String requestId = "req_" + HexFormat.of().toHexDigits(sim.settings().seed() * 31 + counter.incrementAndGet())
                + HexFormat.of().toHexDigits(System.nanoTime());
        http.getResponseHeaders().set("x-request-id", requestId);
        http.getResponseHeaders().set("openai-version", "2020-10-01");
        try {
            requests.incrementAndGet();
            serve(http, requestId);
        } catch (IOException clientGone) {
            // nothing to answer to
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException bug) {
            System.err.println("pacer-sim: internal error (a simulator bug) in POST /v1/chat/completions " + requestId + ": "
                    + String.valueOf(bug).replaceAll("\\s*\\R\\s*", " "));
            if (http.getResponseCode() < 0) {
                error(http, 500, "The server had an error while processing your request. Sorry about that!", "server_error", null, null);
            }
        } finally {
            http.close();
        }
    }

    private void serve(HttpExchange http, String requestId) throws IOException, InterruptedException {
        if (!http.getRequestMethod().equals("POST") || !http.getRequestURI().getPath().equals("/v1/chat/completions")) {
            error(http, 404, "Invalid URL (" + http.getRequestMethod() + " " + http.getRequestURI().getPath() + ")", "invalid_request_error",
                    null, null);
            return;
        }
        String auth = http.getRequestHeaders().getFirst("authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.substring(7).isBlank()) {
            error(http, 401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth"
                    + " (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", null, null);
            return;
        }
        String key = auth.substring(7).trim();
        if (!sim.settings().apiKeys().isEmpty() && !sim.settings().apiKeys().contains(key)) {
            error(http, 401, "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                    "invalid_request_error", null, "invalid_api_key");
            return;
        }
        String keyId = SimStats.keyId(key);
        JsonNode body = read(http);
        if (body == null) {
            return;
        }
        ChatSimSettings settings = sim.settings().chat();
        String invalid = ChatPrompt.invalid(body);
        if (invalid != null) {
            int split = invalid.indexOf('|');
            error(http, 400, invalid.substring(split + 1), "invalid_request_error", split > 0 ? invalid.substring(0, split) : null, null);
            return;
        }
        String model = body.path("model").asText();
        ChatSimSettings.Model limits = settings.models().get(model);
        if (limits == null) {
            error(http, 404, "The model `" + model + "` does not exist or you do not have access to it.", "invalid_request_error", null,
                    "model_not_found");
            return;
        }
        if (quota.overBudget(keyId, settings.budgetTokens())) {
            budgetRefused.incrementAndGet();
            error(http, 429, "You exceeded your current quota, please check your plan and billing details. For more information on this"
                    + " error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.", settings.budgetCode(), null,
                    settings.budgetCode());
            return;
        }
        long promptTokens = prompt.count(body);
        long maxTokens = body.has("max_completion_tokens") ? body.path("max_completion_tokens").asLong()
                : body.path("max_tokens").asLong(0);
        long charged = promptTokens + maxTokens;
        ChatQuota.Decision d = quota.admit(keyId, model, limits, charged, sim.clock().seconds());
        limitHeaders(http, d.headers());
        if (!d.admitted()) {
            rateLimited.incrementAndGet();
            boolean tokens = d.refusedDimension().equals("tokens");
            long limit = tokens ? limits.tpm() : limits.rpm();
            String what = tokens ? "tokens per min (TPM)" : "requests per min (RPM)";
            if (tokens && charged > limits.tpm()) {
                error(http, 429, "Request too large for " + model + " in organization org-pacersim on " + what + ": Limit " + limit
                        + ", Requested " + charged + ". The input or output tokens must be reduced in order to run successfully. "
                        + RATE_LIMIT_DOCS, "tokens", null, "rate_limit_exceeded");
                return;
            }
            error(http, 429, "Rate limit reached for " + model + " in organization org-pacersim on " + what + ": Limit " + limit
                    + ", Used " + d.used() + ", Requested " + (tokens ? charged : 1) + ". Please try again in "
                    + GoDuration.format(d.retryAfterSeconds()) + ". " + RATE_LIMIT_DOCS, tokens ? "tokens" : "requests", null,
                    "rate_limit_exceeded");
            return;
        }
        tokensCharged.addAndGet(charged);
        SplittableRandom random = new SplittableRandom(sim.settings().seed() ^ (counter.get() * 0x9E3779B97F4A7C15L));
        double fault = random.nextDouble();
        if (fault < settings.serverError()) {
            serverErrors.incrementAndGet();
            error(http, 500, "The server had an error while processing your request. Sorry about that!", "server_error", null, null);
            return;
        }
        if (fault < settings.serverError() + settings.unavailable()) {
            serverErrors.incrementAndGet();
            error(http, 503, "The server is overloaded or not ready yet.", "server_error", null, null);
            return;
        }
        ChatAnswer answer = ChatAnswer.make(body, sim.settings().seed(), maxTokens);
        SimSettings.Latency latency = settings.latency() != null ? settings.latency() : sim.settings().latency();
        double ttft = latency.ttftSeconds() * jitter(random, latency.jitter());
        double perToken = 1 / (latency.tokensPerSecond() * jitter(random, latency.jitter()));
        ChatSimSettings.StreamFaults faults = settings.streamFaults();
        boolean midStreamError = random.nextDouble() < faults.midStreamError();
        boolean reset = random.nextDouble() < faults.reset();
        long cached = prompt.cached(keyId, body, promptTokens);
        quota.spend(keyId, promptTokens + answer.completionTokens());
        tokensUsed.addAndGet(promptTokens + answer.completionTokens());
        succeeded.incrementAndGet();
        String id = "chatcmpl-" + HexFormat.of().toHexDigits(random.nextLong()).substring(0, 12)
                + HexFormat.of().toHexDigits(counter.get()).substring(4);
        long created = sim.clock().now().getEpochSecond();
        ObjectNode usage = usage(promptTokens, answer.completionTokens(), cached);
        if (body.path("stream").asBoolean(false)) {
            streamed.incrementAndGet();
            boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
            http.getResponseHeaders().set("content-type", "text/event-stream; charset=utf-8");
            http.getResponseHeaders().set("cache-control", "no-cache");
            http.sendResponseHeaders(200, 0);
            OutputStream out = http.getResponseBody();
            List<ObjectNode> chunks = answer.chunks(id, created, model, includeUsage ? usage : null);
            // The role chunk goes at once; the first piece after the time to first token, each next one at the answer's speed.
            double perChunk = answer.completionTokens() * perToken / Math.max(1, chunks.size() - 2);
            for (int i = 0; i < chunks.size(); i++) {
                if ((midStreamError || reset) && i == faults.afterChunks()) {
                    streamFaults.incrementAndGet();
                    if (midStreamError) {
                        out.write(("data: " + streamError() + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        return;
                    }
                    throw new IOException("stream reset injected"); // closes the exchange without [DONE]
                }
                if (i == 1) {
                    sim.clock().sleep(ttft);
                } else if (i > 1 && i < chunks.size() - 1) {
                    sim.clock().sleep(perChunk);
                }
                out.write(("data: " + chunks.get(i) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            return;
        }
        sim.clock().sleep(ttft + answer.completionTokens() * perToken);
        ObjectNode completion = Json.object();
        completion.put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
        completion.putArray("choices").add(answer.choice());
        completion.set("usage", usage);
        completion.put("service_tier", "default").put("system_fingerprint", "fp_pacersim");
        json(http, 200, completion);
    }

    private static double jitter(SplittableRandom random, double jitter) {
        return 1 + jitter * (2 * random.nextDouble() - 1);
    }

    private static ObjectNode streamError() {
        ObjectNode body = Json.object();
        body.putObject("error").put("message", "The server had an error while processing your request. Sorry about that!")
                .put("type", "server_error").putNull("param").putNull("code");
        return body;
    }

    private static ObjectNode usage(long prompt, long completion, long cached) {
        ObjectNode u = Json.object();
        u.put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached).put("audio_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return u;
    }

    private static void limitHeaders(HttpExchange http, ChatQuota.Headers h) {
        var headers = http.getResponseHeaders();
        headers.set("x-ratelimit-limit-requests", Long.toString(h.limitRequests()));
        headers.set("x-ratelimit-limit-tokens", Long.toString(h.limitTokens()));
        headers.set("x-ratelimit-remaining-requests", Long.toString(h.remainingRequests()));
        headers.set("x-ratelimit-remaining-tokens", Long.toString(h.remainingTokens()));
        headers.set("x-ratelimit-reset-requests", GoDuration.format(h.resetRequestsSeconds()));
        headers.set("x-ratelimit-reset-tokens", GoDuration.format(h.resetTokensSeconds()));
    }

    private static JsonNode read(HttpExchange http) throws IOException {
        byte[] bytes;
        try (InputStream in = http.getRequestBody()) {
            bytes = in.readNBytes((int) MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            error(http, 413, "The request is larger than the maximum of " + MAX_BYTES + " bytes.", "invalid_request_error", null, null);
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
        error(http, 400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library"
                + " correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", "invalid_request_error", null,
                null);
        return null;
    }

    private static void error(HttpExchange http, int status, String message, String type, String param, String code) throws IOException {
        ObjectNode body = Json.object();
        ObjectNode e = body.putObject("error");
        e.put("message", message).put("type", type);
        e.put("param", param);
        e.put("code", code);
        json(http, status, body);
    }

    private static void json(HttpExchange http, int status, ObjectNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        http.getResponseHeaders().set("content-type", "application/json");
        http.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The requests and tokens left in a key's buckets for a model now (NaN when unused). */
    public double[] levels(String apiKey, String model) {
        ChatSimSettings.Model limits = sim.settings().chat().models().get(model);
        return limits == null ? new double[] {Double.NaN, Double.NaN}
                : quota.levels(SimStats.keyId(apiKey), model, limits, sim.clock().seconds());
    }
}
