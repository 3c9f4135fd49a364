package dev.pacer.openai;

import dev.pacer.quota.QuotaKey;

/**
 * The one place that names OpenAI-compatible pools: {@code openai:<key fingerprint>:<host>:<model>}.
 * OpenAI's limits are per organization and model; a key stands for its organization here (as
 * Anthropic's do until their headers say otherwise), and the host keeps two servers' pools apart. A name
 * never holds the key, only its fingerprint.
 */
public final class OpenAiQuotaKeys {

    /** The provider's name in targets and pool names. */
    public static final String PROVIDER = "openai";

    private OpenAiQuotaKeys() {
    }

    /** The pool of {@code endpoint}. */
    public static QuotaKey of(OpenAiEndpoint endpoint) {
        return QuotaKey.of(PROVIDER + ":" + endpoint.apiKey().fingerprint() + ":" + printable(endpoint.host()) + ":"
                + printable(endpoint.model()));
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c > 0x20 && c < 0x7f ? c : '_');
        }
        return b.toString();
    }
}
