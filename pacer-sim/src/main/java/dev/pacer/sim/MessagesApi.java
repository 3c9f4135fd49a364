package dev.pacer.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code POST /v1/messages} (plain and streaming) and {@code POST /v1/messages/count_tokens}:
 * authentication, validation, fault injection, rate limiting, generation and latency, in the
 * order the API applies them.
 */
final class MessagesApi {

    private final SimState state;
    private final Map<String, Double> cache = new ConcurrentHashMap<>();

    MessagesApi(SimState state) {
        this.state = state;
    }

    void count(HttpExchange exchange, String keyId, JsonNode body, String requestId) throws IOException {
        MessageParams params;
        try {
            params = MessageParams.parse(body, true);
        } catch (MessageParams.Invalid e) {
            state.reply(exchange, 400, Http.error("invalid_request_error", e.getMessage(), requestId), null, requestId);
            return;
        }
        if (state.models().classOf(params.model()) == null) {
            state.reply(exchange, 404, Http.error("not_found_error", "model: " + params.model(), requestId), null, requestId);
            return;
        }
        SimLimits.Pool pool = state.limits().countTokensPool(keyId);
        SimLimits.Decision d = pool.admit(0, 0);
        if (!d.admitted()) {
            state.rateLimited(exchange, pool, d, requestId);
            return;
        }
        ObjectNode out = Http.JSON.createObjectNode();
        out.put("input_tokens", params.inputTokens() + params.cacheableTokens());
        state.reply(exchange, 200, out, pool.headers(), requestId);
    }

    void create(HttpExchange exchange, String keyId, JsonNode body, String requestId) throws IOException, InterruptedException {
        SimSettings settings = state.settings();
        MessageParams params;
        try {
            params = MessageParams.parse(body, false);
        } catch (MessageParams.Invalid e) {
            state.reply(exchange, 400, Http.error("invalid_request_error", e.getMessage(), requestId), null, requestId);
            return;
        }
        String modelClass = state.models().classOf(params.model());
        if (modelClass == null) {
            state.reply(exchange, 404, Http.error("not_found_error", "model: " + params.model(), requestId), null, requestId);
            return;
        }
        SplittableRandom random = state.random(params.seed());
        FaultProfile faults = state.faults();
        double now = state.clock().seconds();
        if (faults.slowHeadersSeconds() > 0) {
            state.stats().fault("slow_headers");
            state.clock().sleep(faults.slowHeadersSeconds());
        }
        if (random.nextDouble() < faults.connectionReset()) {
            state.stats().fault("connection_reset");
            state.reset(exchange);
            return;
        }
        SimLimits.Pool pool = state.limits().pool(keyId, modelClass);
        if (random.nextDouble() < faults.overloadedAt(modelClass, now)) {
            state.stats().fault("overloaded");
            ObjectNode err = Http.error("overloaded_error", "Overloaded", requestId);
            ((ObjectNode) err.get("error")).putNull("details");
            state.reply(exchange, 529, err, pool.headers(), requestId);
            return;
        }
        if (random.nextDouble() < faults.apiError()) {
            state.stats().fault("api_error");
            state.reply(exchange, 500, Http.error("api_error", "Internal server error", requestId), pool.headers(), requestId);
            return;
        }
        if (random.nextDouble() < faults.timeoutError()) {
            state.stats().fault("timeout_error");
            state.reply(exchange, 504, Http.error("timeout_error", "Request timed out", requestId), pool.headers(), requestId);
            return;
        }
        if (settings.spendCap()) {
            ObjectNode err = Http.error("rate_limit_error", "You have reached your API usage limits. You will regain access on "
                    + state.clock().now().atZone(java.time.ZoneOffset.UTC).toLocalDate().withDayOfMonth(1).plusMonths(1)
                    + " at 00:00 UTC.", requestId);
            ((ObjectNode) err.get("error")).putObject("details").put("error_code", "enforced_spend_limit_reached");
            state.reply(exchange, 429, err, pool.headers(), requestId);
            return;
        }
        if (state.ramp(pool, keyId + "|" + modelClass)) {
            state.stats().fault("acceleration");
            if (settings.accelerationLegacy529()) {
                state.reply(exchange, 529, Http.error("overloaded_error", "Overloaded", requestId), pool.headers(), requestId);
            } else {
                state.reply(exchange, 429, Http.error("rate_limit_error", "Your organization's usage increased too sharply; "
                        + "please ramp up traffic gradually and retry.", requestId), withRetryAfter(pool.headers(), 5, 5_000), requestId);
            }
            return;
        }

        // Prompt caching: the cacheable prefix is written once, then read for 5 simulated minutes.
        int cacheCreation = 0;
        int cacheRead = 0;
        if (params.cacheKey() != null) {
            String cacheId = keyId + "|" + modelClass + "|" + params.cacheKey();
            Double until = cache.get(cacheId);
            if (until != null && until > now) {
                cacheRead = params.cacheableTokens();
            } else {
                cacheCreation = params.cacheableTokens();
            }
            cache.put(cacheId, now + 300);
        }
        ModelClass mc = state.limits().classes().get(modelClass);
        long counted = params.inputTokens() + cacheCreation + (mc.countCacheReads() ? cacheRead : 0);
        SimLimits.Decision decision = pool.admit(counted, params.maxTokens());
        if (!decision.admitted()) {
            state.rateLimited(exchange, pool, decision, requestId);
            return;
        }
        int outputTokens = outputLength(params, random, settings);
        String stopReason = outputTokens >= params.maxTokens() ? "max_tokens" : "end_turn";
        String text = TextGenerator.generate(params.seed() ^ settings.seed(), outputTokens);
        double ttft = settings.ttftSeconds() * jitter(random, settings);
        double generation = outputTokens / settings.tokensPerSecond() * jitter(random, settings);
        Usage usage = new Usage(params.inputTokens(), cacheCreation, cacheRead, outputTokens);
        long reserved = state.limits().otpmMode() == SimLimits.OtpmMode.RESERVE_MAX_TOKENS ? params.maxTokens() : 0;
        if (params.stream()) {
            stream(exchange, pool, params, requestId, text, usage, stopReason, ttft, generation, random, reserved, decision.at());
        } else {
            state.clock().sleep(ttft + generation);
            pool.chargeOutput(outputTokens, reserved, decision.at());
            state.reply(exchange, 200, message(Http.id("msg_"), params.model(), text, usage, stopReason, "standard"),
                    pool.headers(), requestId);
        }
    }

    record Usage(int input, int cacheCreation, int cacheRead, int output) {
        ObjectNode toJson(String tier) {
            ObjectNode u = Http.JSON.createObjectNode();
            u.put("input_tokens", input);
            u.put("cache_creation_input_tokens", cacheCreation);
            u.put("cache_read_input_tokens", cacheRead);
            ObjectNode cc = u.putObject("cache_creation");
            cc.put("ephemeral_5m_input_tokens", cacheCreation);
            cc.put("ephemeral_1h_input_tokens", 0);
            u.put("output_tokens", output);
            u.put("service_tier", tier);
            return u;
        }
    }

    static ObjectNode message(String id, String model, String text, Usage usage, String stopReason, String tier) {
        ObjectNode m = Http.JSON.createObjectNode();
        m.put("id", id);
        m.put("type", "message");
        m.put("role", "assistant");
        m.put("model", model);
        ArrayNode content = m.putArray("content");
        ObjectNode block = content.addObject();
        block.put("type", "text");
        block.put("text", text);
        m.put("stop_reason", stopReason);
        m.putNull("stop_sequence");
        m.set("usage", usage.toJson(tier));
        return m;
    }

    int outputLength(MessageParams params, SplittableRandom random, SimSettings settings) {
        if (params.outputHint() >= 1) {
            return Math.min(params.maxTokens(), params.outputHint());
        }
        double gaussian = gaussian(random);
        int n = (int) Math.round(settings.medianOutputTokens() * Math.exp(settings.outputSigma() * gaussian));
        return Math.max(1, Math.min(params.maxTokens(), n));
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = Math.max(1e-12, random.nextDouble());
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static double jitter(SplittableRandom random, SimSettings settings) {
        return 1 + settings.latencyJitter() * (2 * random.nextDouble() - 1);
    }

    Map<String, String> withRetryAfter(Map<String, String> headers, long seconds, double millis) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("retry-after", Long.toString(seconds));
        if (state.settings().retryAfterMs()) {
            h.put("retry-after-ms", Long.toString(Math.round(millis)));
        }
        h.put("x-should-retry", "true");
        return h;
    }

    private void stream(HttpExchange exchange, SimLimits.Pool pool, MessageParams params, String requestId, String text,
                        Usage usage, String stopReason, double ttft, double generation, SplittableRandom random,
                        long reserved, double admittedAt) throws IOException, InterruptedException {
        FaultProfile faults = state.faults();
        var headers = exchange.getResponseHeaders();
        headers.set("content-type", "text/event-stream; charset=utf-8");
        headers.set("cache-control", "no-cache");
        headers.set("request-id", requestId);
        headers.set("anthropic-organization-id", "00000000-0000-4000-8000-00000000517e");
        pool.headers().forEach(headers::set);
        exchange.sendResponseHeaders(200, 0);
        state.stats().response(200);
        boolean midError = random.nextDouble() < faults.midStreamError();
        boolean noStop = random.nextDouble() < faults.streamNoStop();
        boolean stall = random.nextDouble() < faults.streamStall();
        List<String> chunks = TextGenerator.chunks(text, 3);
        int sentTokens = 0;
        int events = 0;
        OutputStream out = exchange.getResponseBody();
        try {
            String messageId = Http.id("msg_");
            ObjectNode start = Http.JSON.createObjectNode();
            start.put("type", "message_start");
            ObjectNode m = message(messageId, params.model(), "", new Usage(usage.input(), usage.cacheCreation(), usage.cacheRead(), 1),
                    null, "standard");
            m.putArray("content");
            m.putNull("stop_reason");
            start.set("message", m);
            state.clock().sleep(ttft);
            if (event(out, "message_start", start, ++events, midError, faults)) {
                return;
            }
            if (event(out, "content_block_start", Http.JSON.readTree(
                    "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"), ++events, midError, faults)) {
                return;
            }
            if (event(out, "ping", Http.JSON.readTree("{\"type\":\"ping\"}"), ++events, midError, faults)) {
                return;
            }
            double perChunk = chunks.isEmpty() ? 0 : generation / chunks.size();
            int stallAt = chunks.size() / 2;
            for (int c = 0; c < chunks.size(); c++) {
                state.clock().sleep(perChunk);
                if (stall && c == stallAt) {
                    state.stats().fault("stream_stall");
                    state.clock().sleep(faults.stallSeconds());
                }
                if (noStop && c == stallAt) {
                    state.stats().fault("stream_no_stop");
                    pool.chargeOutput(sentTokens, reserved, admittedAt);
                    return;
                }
                ObjectNode delta = Http.JSON.createObjectNode();
                delta.put("type", "content_block_delta");
                delta.put("index", 0);
                ObjectNode d = delta.putObject("delta");
                d.put("type", "text_delta");
                d.put("text", chunks.get(c));
                sentTokens += Tokenizer.count(chunks.get(c));
                if (event(out, "content_block_delta", delta, ++events, midError, faults)) {
                    pool.chargeOutput(sentTokens, reserved, admittedAt);
                    return;
                }
                if (c % 20 == 19) {
                    event(out, "ping", Http.JSON.readTree("{\"type\":\"ping\"}"), events, false, faults);
                }
            }
            event(out, "content_block_stop", Http.JSON.readTree("{\"type\":\"content_block_stop\",\"index\":0}"), ++events, false, faults);
            ObjectNode messageDelta = Http.JSON.createObjectNode();
            messageDelta.put("type", "message_delta");
            ObjectNode md = messageDelta.putObject("delta");
            md.put("stop_reason", stopReason);
            md.putNull("stop_sequence");
            ObjectNode u = messageDelta.putObject("usage");
            u.put("input_tokens", usage.input());
            u.put("cache_creation_input_tokens", usage.cacheCreation());
            u.put("cache_read_input_tokens", usage.cacheRead());
            u.put("output_tokens", usage.output());
            event(out, "message_delta", messageDelta, ++events, false, faults);
            event(out, "message_stop", Http.JSON.readTree("{\"type\":\"message_stop\"}"), ++events, false, faults);
            pool.chargeOutput(usage.output(), reserved, admittedAt);
        } catch (IOException clientGone) {
            pool.chargeOutput(sentTokens, reserved, admittedAt);
        } finally {
            try {
                out.close();
            } catch (IOException ignored) {
                // the client left
            }
            exchange.close();
        }
    }

    /** Writes one event; returns true when a mid-stream error was sent instead (and the stream must end). */
    private boolean event(OutputStream out, String name, JsonNode data, int number, boolean midError, FaultProfile faults)
            throws IOException {
        if (midError && number > faults.midStreamAfterEvents()) {
            state.stats().fault("mid_stream_error");
            out.write(Http.utf8("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));
            out.flush();
            return true;
        }
        out.write(Http.utf8("event: " + name + "\ndata: " + Http.JSON.writeValueAsString(data) + "\n\n"));
        out.flush();
        return false;
    }
}
