package dev.pacer.anthropic.internal;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which of a caller's request headers go on to Anthropic. The caller's own headers pass
 * ({@code anthropic-beta}, {@code anthropic-workspace-id}, {@code anthropic-version}, a
 * {@code user-agent}...), except:
 * <ul>
 *   <li>hop-by-hop headers (RFC 9110 7.6.1: {@code connection} and every header it names,
 *       {@code keep-alive}, {@code proxy-connection}, {@code te}, {@code transfer-encoding},
 *       {@code upgrade}, {@code trailer}, and the {@code proxy-authenticate}/{@code proxy-authorization}
 *       of RFC 2616 13.5.1): they belong to one connection, and the JDK client refuses some of them;</li>
 *   <li>for a client that frames and authenticates the request itself ({@link #toSend}), the headers
 *       it sets: {@code host}, {@code content-length}, {@code expect}, {@code content-type}, the
 *       credentials ({@code x-api-key}, {@code authorization}: the key is the call's, never a header's),
 *       and {@code accept-encoding} (it reads the body as it comes, so it may not be compressed).</li>
 * </ul>
 */
public final class ForwardedHeaders {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "transfer-encoding",
            "upgrade", "trailer", "proxy-authenticate", "proxy-authorization");
    private static final Set<String> CLIENTS_OWN = Set.of("host", "content-length", "expect", "content-type", "x-api-key",
            "authorization", "accept-encoding");

    private ForwardedHeaders() {
    }

    /** Whether {@code name} is hop-by-hop, given the request's {@code connection} header value (or null). */
    public static boolean isHopByHop(String name, String connection) {
        String n = name.toLowerCase(Locale.ROOT);
        return HOP_BY_HOP.contains(n) || named(connection).contains(n);
    }

    /** The headers of {@code headers} (lower-case names) a client that sets its own framing and credentials sends on. */
    public static Map<String, String> toSend(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        String connection = headers.get("connection");
        headers.forEach((name, value) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (!isHopByHop(n, connection) && !CLIENTS_OWN.contains(n)) {
                out.put(n, value);
            }
        });
        return out;
    }

    private static Set<String> named(String connection) {
        Set<String> names = new HashSet<>();
        if (connection != null) {
            for (String token : connection.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (!t.isEmpty()) {
                    names.add(t);
                }
            }
        }
        return names;
    }
}
