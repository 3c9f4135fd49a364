package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.ModelClass;
import dev.pacer.sim.OtpmMode;
import dev.pacer.sim.OtpmOverrun;
import dev.pacer.sim.SimSettings;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code POST /v1/messages} and {@code POST /v1/messages/count_tokens}. A Messages request goes
 * through, in order: validation, the model table (and its maximum output), faults before the answer (reset, slow headers,
 * 529, 500, 504 — none consumes a limit), the spend cap, the acceleration limiter, the prompt
 * cache, admission by the rate limits, then generation on the simulated clock, plain or streamed.
 */
final class MessagesEndpoint {

    private final Simulator sim;

    MessagesEndpoint(Simulator sim) {
        this.sim = sim;
    }

    void countTokens(Exchange ex, String keyId, JsonNode body) throws IOException {
        MessageRequest request;
        try {
            request = MessageRequest.parse(body, true, sim.tokenizer());
            MessageRequest.checkCountTokensFields(body, "true".equals(ex.query().get("beta")));
        } catch (MessageRequest.Invalid e) {
            ex.json(400, ApiErrors.invalidRequest(e.getMessage(), ex.requestId), null);
            return;
        }
        if (sim.settings().limits().models().classOf(request.model()) == null) {
            ex.json(404, ApiErrors.notFound("model: " + request.model(), ex.requestId), null);
            return;
        }
        double now = sim.clock().seconds();
        Limiter pool = new Limiter(sim.limits().countTokens(ex.identity().organization(), now), null, ex.identity());
        Admission a = pool.admit(now, 0, 0, OtpmMode.ACTUAL);
        if (!a.admitted()) {
            Replies.rateLimited(sim, ex, pool, a);
            return;
        }
        ObjectNode out = Json.object();
        out.put("input_tokens", request.inputTokens());
        ex.json(200, out, pool.headers(now, sim.clock().at(now)));
    }

    void create(Exchange ex, String keyId, JsonNode body) throws IOException, InterruptedException {
        SimSettings settings = sim.settings();
        MessageRequest request;
        try {
            request = MessageRequest.parse(body, false, sim.tokenizer());
        } catch (MessageRequest.Invalid e) {
            ex.json(400, ApiErrors.invalidRequest(e.getMessage(), ex.requestId), null);
            return;
        }
        String modelClass = settings.limits().models().classOf(request.model());
        if (modelClass == null) {
            ex.json(404, ApiErrors.notFound("model: " + request.model(), ex.requestId), null);
            return;
        }
        ModelClass limits = settings.limits().classes().get(modelClass);
        try {
            request.checkMaxOutput(body, limits);
        } catch (MessageRequest.Invalid e) {
            ex.json(400, ApiErrors.invalidRequest(e.getMessage(), ex.requestId), null);
            return;
        }
        double now = sim.clock().seconds();
        String owner = ex.identity().organization();
        Limiter pool = sim.limits().messages(ex.identity(), modelClass, now);
        FaultProfile faults = sim.faults();
        SplittableRandom dice = sim.dice();
        if (faultBeforeAnswer(ex, pool, request, faults, dice, settings)) {
            return;
        }
        now = sim.clock().seconds();
        if (sim.spend().capped(settings.spendCap(), sim.clock().at(now))) {
            sim.counters().fault("spend_cap");
            Replies.spendCapped(sim, ex, pool.headers(now, sim.clock().at(now)));
            return;
        }
        if (settings.acceleration().enabled()
                && sim.acceleration().sharpRamp(owner + "|" + modelClass, now, settings.acceleration(), limits.rpm())) {
            accelerationLimited(ex, pool, now, settings);
            return;
        }
        String cacheScope = keyId + "|" + request.model();
        int minimum = PromptCache.minimumTokens(modelClass);
        PromptCache.Use cached = sim.cache().lookup(cacheScope, request.breakpoints(), minimum, now);
        long counted = request.inputTokens() - cached.read() + (limits.countCacheReads() ? cached.read() : 0);
        OtpmMode mode = settings.enforcement().otpmMode();
        Admission admission = pool.admit(now, counted, request.maxTokens(), mode);
        if (!admission.admitted()) {
            Replies.rateLimited(sim, ex, pool, admission);
            return;
        }
        if (settings.acceleration().enabled()) {
            sim.acceleration().admitted(owner + "|" + modelClass, now);
        }
        sim.cache().store(cacheScope, request.breakpoints(), minimum, now);
        sim.spend().answered(sim.clock().at(now));
        Generation generation = Generation.plan(request, headerHint(ex), settings);
        Usage usage = new Usage(request.inputTokens() - cached.read() - cached.written(), cached.written(), cached.writtenOneHour(),
                cached.read());
        boolean cut = mode == OtpmMode.ACTUAL && settings.enforcement().otpmOverrun() == OtpmOverrun.CUT;
        Answer answer = new Answer(sim, pool, admission, mode == OtpmMode.ACTUAL, cut, request.model(), generation, usage, now);
        if (request.stream()) {
            new StreamWriter(answer, faults, dice).write(ex);
        } else {
            answer.plain(ex);
        }
    }

    /** The faults that strike before any answer; true when one did (and answered, or dropped the connection). */
    private boolean faultBeforeAnswer(Exchange ex, Limiter pool, MessageRequest request, FaultProfile faults, SplittableRandom dice,
                                      SimSettings settings) throws IOException, InterruptedException {
        if (dice.nextDouble() < faults.connectionReset()) {
            sim.counters().fault("connection_reset");
            throw ex.drop();
        }
        if (dice.nextDouble() < faults.slowHeaders()) {
            sim.counters().fault("slow_headers");
            sim.clock().sleep(faults.slowHeadersSeconds());
        }
        double now = sim.clock().seconds();
        if (dice.nextDouble() < faults.overloadedAt(settings.limits().models(), request.model(), now)) {
            sim.counters().fault("overloaded");
            pool.overloaded();
            ex.json(529, ApiErrors.overloaded(ex.requestId), serverErrorHeaders(pool, now, faults));
            return true;
        }
        if (dice.nextDouble() < faults.apiError()) {
            sim.counters().fault("api_error");
            pool.serverError();
            ex.json(500, ApiErrors.body("api_error", "Internal server error", ex.requestId), serverErrorHeaders(pool, now, faults));
            return true;
        }
        if (dice.nextDouble() < faults.timeoutError()) {
            sim.counters().fault("timeout_error");
            pool.serverError();
            ex.json(504, ApiErrors.body("timeout_error", "Request timed out", ex.requestId), serverErrorHeaders(pool, now, faults));
            return true;
        }
        return false;
    }

    private Map<String, String> serverErrorHeaders(Limiter pool, double now, FaultProfile faults) {
        Map<String, String> headers = new LinkedHashMap<>(pool.headers(now, sim.clock().at(now)));
        Replies.serverErrorRetryAfter(sim, headers, faults.retryAfterSeconds());
        return headers;
    }

    private void accelerationLimited(Exchange ex, Limiter pool, double now, SimSettings settings) throws IOException {
        sim.counters().fault("acceleration_limit");
        Map<String, String> headers = new LinkedHashMap<>(pool.headers(now, sim.clock().at(now)));
        if (settings.acceleration().legacy529()) {
            pool.overloaded();
            ex.json(529, ApiErrors.overloaded(ex.requestId), headers);
            return;
        }
        Replies.retryAfter(sim, headers, settings.acceleration().windowSeconds());
        ex.json(429, ApiErrors.body("rate_limit_error", "Your organization's usage has increased too sharply (acceleration limit). "
                + "Please ramp up your traffic gradually and keep usage patterns consistent; see "
                + "https://docs.claude.com/en/api/rate-limits.", ex.requestId), headers);
    }

    private static OutputHint headerHint(Exchange ex) {
        String tokens = ex.header("x-sim-output-tokens");
        if (tokens != null) {
            return OutputHint.tokens(tokens);
        }
        String fraction = ex.header("x-sim-output-fraction");
        return fraction != null ? OutputHint.fraction(fraction) : OutputHint.NONE;
    }

    /**
     * Input usage of a request: uncached input, tokens written to the cache (of which
     * {@code cacheCreationOneHour} with the 1-hour lifetime, billed at 2x rather than 1.25x), tokens
     * read from it.
     */
    record Usage(int input, int cacheCreation, int cacheCreationOneHour, int cacheRead) {
        ObjectNode toJson(int outputTokens, String serviceTier) {
            ObjectNode u = Json.object();
            u.put("input_tokens", input);
            u.put("cache_creation_input_tokens", cacheCreation);
            u.put("cache_read_input_tokens", cacheRead);
            ObjectNode cc = u.putObject("cache_creation");
            cc.put("ephemeral_5m_input_tokens", cacheCreation - cacheCreationOneHour);
            cc.put("ephemeral_1h_input_tokens", cacheCreationOneHour);
            u.put("output_tokens", outputTokens);
            u.put("service_tier", serviceTier);
            return u;
        }
    }

    static ObjectNode message(String id, String model, String text, Usage usage, int outputTokens, String stopReason, String tier) {
        ObjectNode m = Json.object();
        m.put("id", id);
        m.put("type", "message");
        m.put("role", "assistant");
        m.put("model", model);
        ObjectNode block = m.putArray("content").addObject();
        block.put("type", "text");
        block.put("text", text);
        m.put("stop_reason", stopReason);
        m.putNull("stop_sequence");
        m.set("usage", usage.toJson(outputTokens, tier));
        return m;
    }
}
