package dev.pacer.gateway.internal;

import dev.pacer.anthropic.ApiKey;
import dev.pacer.gateway.GatewaySettings;
import dev.pacer.gateway.VirtualKey;
import dev.pacer.gateway.internal.ApiErrors.ApiError;
import java.util.HashMap;
import java.util.Map;

/**
 * Who a request is, and which key goes upstream for it. Pass-through mode: the client's own key
 * ({@code x-api-key}, else {@code Authorization: Bearer}) goes on. Virtual-key mode: the client
 * presents a gateway key, which is hashed and looked up (only hashes are held); the upstream key is
 * the gateway's. A missing or unknown key is refused before anything goes upstream. No message
 * quotes a key.
 */
public final class GatewayKeys {

    /** Who the request is: the key to send upstream, and the gateway key it came with (null in pass-through mode). */
    public record Caller(ApiKey upstreamKey, VirtualKey key) {
    }

    /** A request the gateway will not send. */
    public static final class Refused extends Exception {
        private final transient ApiError error;

        Refused(ApiError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        public ApiError error() {
            return error;
        }
    }

    private final GatewaySettings.Upstream upstream;
    private final Map<String, VirtualKey> byHash = new HashMap<>();

    public GatewayKeys(GatewaySettings settings) {
        this.upstream = settings.upstream();
        for (VirtualKey k : settings.keys()) {
            byHash.put(k.sha256(), k);
        }
    }

    /** True in virtual-key mode. */
    public boolean virtual() {
        return !byHash.isEmpty();
    }

    /** The caller of a request with these headers (lower-case names). */
    public Caller caller(Map<String, String> headers) throws Refused {
        String presented = presented(headers);
        if (!virtual()) {
            if (presented != null) {
                return new Caller(ApiKey.of(presented), null);
            }
            if (upstream.fallbackKey() != null) {
                return new Caller(upstream.fallbackKey(), null);
            }
            throw new Refused(ApiErrors.authentication("x-api-key header is required (or Authorization: Bearer); "
                    + "this gateway passes the client's key through."));
        }
        if (presented == null) {
            throw new Refused(ApiErrors.authentication("x-api-key header is required: send your gateway key."));
        }
        VirtualKey key = byHash.get(VirtualKey.hash(presented));
        if (key == null) {
            throw new Refused(ApiErrors.authentication("invalid x-api-key: this is not a key of this gateway."));
        }
        return new Caller(upstream.apiKey(), key);
    }

    private static String presented(Map<String, String> headers) {
        String key = headers.get("x-api-key");
        if (key != null && !key.isBlank()) {
            return key.trim();
        }
        String auth = headers.get("authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && auth.length() > 7) {
            return auth.substring(7).trim();
        }
        return null;
    }
}
