package dev.pacer.gateway.internal;

import dev.pacer.anthropic.internal.ForwardedHeaders;
import java.net.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The upstream's response headers a client sees through the gateway: every one the API sent
 * ({@code request-id}, {@code anthropic-ratelimit-*}, {@code anthropic-organization-id},
 * {@code retry-after}, {@code content-type}, ...) except hop-by-hop ones and those the gateway's own
 * connection sets (framing, {@code date}, {@code server}).
 */
public final class UpstreamHeaders {

    private static final Set<String> CONNECTIONS_OWN = Set.of("content-length", "date", "server", "content-encoding");

    private UpstreamHeaders() {
    }

    public static Map<String, String> relayed(HttpHeaders headers) {
        Map<String, String> out = new LinkedHashMap<>();
        String connection = headers.firstValue("connection").orElse(null);
        for (Map.Entry<String, List<String>> h : headers.map().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || CONNECTIONS_OWN.contains(name) || ForwardedHeaders.isHopByHop(name, connection)) {
                continue;
            }
            out.put(name, String.join(", ", h.getValue()));
        }
        return out;
    }
}
