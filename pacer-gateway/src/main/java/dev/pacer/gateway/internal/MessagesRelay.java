package dev.pacer.gateway.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.EndpointReply;
import dev.pacer.anthropic.MessagesReply;
import dev.pacer.anthropic.internal.EndpointPacing;
import dev.pacer.anthropic.internal.Json;
import dev.pacer.quota.Cost;
import dev.pacer.quota.Permit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /v1/messages}, plain or streaming, read top to bottom:
 * <ol>
 *   <li><b>Read.</b> The body is JSON with a model, else 400 before anything goes upstream.</li>
 *   <li><b>Key.</b> A gateway key over its budget is refused; one with limits of its own waits on its
 *       own line (the call's deadline applies) before it joins the upstream's.</li>
 *   <li><b>Pace.</b> The pipeline paces, retries and falls back ({@code AnthropicPacer.relay}), all before
 *       the first byte goes to the client; a call it cannot admit within its deadline is answered with an
 *       honest 429 ({@link Refusals}).</li>
 *   <li><b>Answer.</b> The upstream's answer as it is (status, headers, body; a refusal once retries were
 *       spent), or its stream event by event ({@link SseRelay}), with the {@link PacerHeaders}.</li>
 *   <li><b>Settle.</b> The key's own permit settles at what the call used, and its spend is charged.</li>
 * </ol>
 */
public final class MessagesRelay {

    private final SpendLedger spend;

    public MessagesRelay(SpendLedger spend) {
        this.spend = spend;
    }

    public void handle(Exchange exchange, GatewayRuntime rt, GatewayKeys.Caller caller, CallHeaders asked, byte[] body) {
        // 1. read
        JsonNode parsed = Json.parse(body);
        if (!(parsed instanceof ObjectNode params)) {
            exchange.send(ApiErrors.invalidRequest("The request body is not valid JSON, or not a JSON object; send a Messages request as a JSON object."));
            return;
        }
        if (!params.path("model").isTextual() || params.path("model").asText().isBlank()) {
            exchange.send(ApiErrors.invalidRequest("model: Field required"));
            return;
        }
        String model = params.path("model").asText();
        String modelClass = rt.claude().modelClasses().classOf(model);
        // 2. key
        ApiErrors.ApiError over = spend.overBudget(caller.key());
        if (over != null) {
            exchange.send(over);
            return;
        }
        var options = rt.options(caller, asked);
        Permit permit = null;
        if (caller.key() != null && caller.key().hasLimits()) {
            try {
                long input = rt.claude().estimator().estimate(modelClass, params).inputTokens();
                permit = rt.keyLimits().acquire(caller.key(), input, Math.max(1, params.path("max_tokens").asLong(4096)),
                        options.priority(), options.deadline()).join();
            } catch (RuntimeException e) {
                exchange.send(Refusals.of(EndpointPacing.unwrap(e), rt.time()));
                return;
            }
        }
        // 3. pace
        long overhead = System.nanoTime() - exchange.arrivedNanos();
        MessagesReply reply;
        try {
            reply = rt.claude().relay(params, body, options).join();
        } catch (RuntimeException e) {
            release(permit, null);
            exchange.send(Refusals.of(EndpointPacing.unwrap(e), rt.time()));
            return;
        }
        // 4. answer, 5. settle
        Map<String, String> headers = new LinkedHashMap<>();
        if (reply.isStream()) {
            headers.putAll(UpstreamHeaders.relayed(reply.stream().headers()));
            PacerHeaders.add(headers, rt.time().wall(reply.queued()), reply.attempts(), model, reply.model(), overhead);
            SseRelay.relay(exchange, reply.stream(), headers);
            var usage = reply.stream().usage();
            release(permit, usage.cost(false));
            spend.charge(caller.key(), rt.claude().modelClasses().classOf(reply.model()), usage);
            return;
        }
        EndpointReply whole = reply.reply();
        byte[] answer = whole.bytes();
        headers.putAll(UpstreamHeaders.relayed(whole.headers()));
        PacerHeaders.add(headers, rt.time().wall(reply.queued()), reply.attempts(), model, reply.model(), overhead);
        exchange.send(whole.status(), headers, answer);
        JsonNode usage = whole.isSuccess() ? Json.parse(answer) : null;
        release(permit, usage == null ? null : dev.pacer.anthropic.Usage.of(usage.path("usage")).cost(false));
        if (usage != null) {
            spend.charge(caller.key(), rt.claude().modelClasses().classOf(reply.model()), usage.path("usage"));
        }
    }

    private static void release(Permit permit, Cost used) {
        if (permit == null) {
            return;
        }
        if (used != null) {
            permit.settle(used);
        } else {
            permit.release();
        }
    }
}
