package dev.pacer.anthropic.internal.sdk;

import com.anthropic.core.http.Headers;
import dev.pacer.anthropic.ApiKey;
import java.util.List;

/** The API key of a request the SDK built: {@code x-api-key}, else {@code Authorization: Bearer}. */
final class SdkCredentials {

    /** The pools of a request that carries no key (the API will refuse it). */
    private static final ApiKey ANONYMOUS = ApiKey.of("anonymous");

    private SdkCredentials() {
    }

    static ApiKey apiKey(Headers headers) {
        List<String> key = headers.values("x-api-key");
        if (!key.isEmpty() && !key.get(0).isBlank()) {
            return ApiKey.of(key.get(0));
        }
        List<String> auth = headers.values("authorization");
        if (auth.isEmpty()) {
            return ANONYMOUS;
        }
        String value = auth.get(0).trim();
        String token = value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value;
        return token.isEmpty() ? ANONYMOUS : ApiKey.of(token);
    }
}
