package dev.pacer.gateway.internal;

import dev.pacer.anthropic.EndpointReply;
import dev.pacer.anthropic.EndpointRequest;
import dev.pacer.anthropic.internal.EndpointPacing;
import dev.pacer.anthropic.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The API's other known endpoints ({@code count_tokens}, the Message Batches endpoints, models),
 * paced on their own pools by the pipeline ({@code AnthropicPacer.send}): retried on a 429, 529 or
 * 5xx before anything goes to the client, the answer relayed as it is. A success's body is copied
 * as it arrives (batch results can be large); a JSON body that does not parse is refused with 400
 * before anything goes upstream.
 */
public final class EndpointRelay {

    private static final Duration RESULTS_TIMEOUT = Duration.ofMinutes(30);

    public void handle(Exchange exchange, GatewayRuntime rt, GatewayKeys.Caller caller, CallHeaders asked, byte[] body) {
        EndpointRequest request;
        String method = exchange.method();
        if (method.equals("POST")) {
            if (body.length > 0 && Json.parse(body) == null) {
                exchange.send(ApiErrors.invalidRequest("The request body is not valid JSON; send the endpoint's request as JSON."));
                return;
            }
            request = EndpointRequest.post(exchange.pathAndQuery(), body.length == 0 ? "{}".getBytes() : body);
        } else if (method.equals("DELETE")) {
            request = EndpointRequest.delete(exchange.pathAndQuery());
        } else {
            request = EndpointRequest.get(exchange.pathAndQuery());
        }
        if (exchange.path().endsWith("/results")) {
            request = request.withTimeout(RESULTS_TIMEOUT);
        }
        long overhead = System.nanoTime() - exchange.arrivedNanos();
        EndpointReply reply;
        try {
            reply = rt.claude().send(request, rt.options(caller, asked)).join();
        } catch (RuntimeException e) {
            exchange.send(Refusals.of(EndpointPacing.unwrap(e), rt.time()));
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>(UpstreamHeaders.relayed(reply.headers()));
        headers.put("x-pacer-overhead-ms", String.format(java.util.Locale.ROOT, "%.3f", overhead / 1e6));
        if (reply.isSuccess() && exchange.path().startsWith("/v1/messages/batches") && !exchange.path().endsWith("/results")) {
            exchange.send(reply.status(), headers, throughGateway(reply.bytes(), rt.settings().upstream().baseUrl(), exchange.ownBaseUrl(rt.settings())));
            return;
        }
        copy(exchange, reply.status(), headers, reply.body());
    }

    /**
     * A batch's {@code results_url} names the upstream; an SDK that follows it (the Node SDK does) would
     * leave the gateway, and in virtual-key mode present a gateway key to the API. It is pointed back at
     * the gateway, which relays the download.
     */
    static byte[] throughGateway(byte[] body, String upstreamBase, String ownBase) {
        String base = upstreamBase.endsWith("/") ? upstreamBase.substring(0, upstreamBase.length() - 1) : upstreamBase;
        String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\"results_url\"\\s*:\\s*\")" + java.util.regex.Pattern.quote(base) + "/")
                .matcher(text);
        return m.find() ? m.replaceAll("$1" + java.util.regex.Matcher.quoteReplacement(ownBase) + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : body;
    }

    /** Sends {@code status} and {@code headers}, then {@code body} as it arrives. */
    static void copy(Exchange exchange, int status, Map<String, String> headers, InputStream body) {
        exchange.begin(status, headers);
        try (InputStream in = body) {
            byte[] buf = new byte[32 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (n > 0) {
                    exchange.write(n == buf.length ? buf.clone() : java.util.Arrays.copyOf(buf, n));
                }
            }
            exchange.finish();
        } catch (IOException e) {
            exchange.fail(e);
        }
    }
}
