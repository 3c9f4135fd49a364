package dev.pacer.openai;

import dev.pacer.anthropic.ApiKey;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * One OpenAI-compatible model a call can fall back to: the model id, the server's base URL (up to and
 * including its version, e.g. {@code https://api.openai.com/v1}; {@code /chat/completions} is appended)
 * and the API key. Any server that speaks Chat Completions will do (OpenAI, Azure OpenAI, vLLM,
 * Ollama); it is paced from its {@code x-ratelimit-*} headers, or from the limits configured here when
 * it sends none. Prints without the key.
 *
 * @param model   the model id, e.g. {@code gpt-4o-mini}
 * @param baseUrl http or https, without a trailing slash
 * @param apiKey  sent as {@code Authorization: Bearer}
 * @param rpm     requests per minute to assume when the server reports none (0: learn from headers only)
 * @param tpm     tokens per minute to assume when the server reports none (0: learn from headers only)
 */
public record OpenAiEndpoint(String model, String baseUrl, ApiKey apiKey, long rpm, long tpm) {

    /** The prefix that names this provider in a fallback chain: {@code openai:gpt-4o-mini}. */
    public static final String PREFIX = "openai:";

    public OpenAiEndpoint {
        if (model == null || model.isBlank() || model.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("The OpenAI model must be a model id such as gpt-4o-mini, not '" + model + "'.");
        }
        baseUrl = checkedBaseUrl(baseUrl);
        Objects.requireNonNull(apiKey, "apiKey");
        if (rpm < 0 || tpm < 0) {
            throw new IllegalArgumentException("rpm and tpm must be 0 (learn from headers) or limits per minute, not " + rpm + " and " + tpm + ".");
        }
    }

    /** An endpoint paced from the server's headers alone. */
    public static OpenAiEndpoint of(String model, String baseUrl, String apiKey) {
        return new OpenAiEndpoint(model, baseUrl, ApiKey.of(apiKey), 0, 0);
    }

    /**
     * The endpoint a chain entry names: {@code openai:MODEL}.
     *
     * @throws IllegalArgumentException when {@code entry} does not start with {@code openai:} or names no model
     */
    public static OpenAiEndpoint parse(String entry, String baseUrl, String apiKey) {
        if (entry == null || !entry.startsWith(PREFIX)) {
            throw new IllegalArgumentException("'" + entry + "' does not name an OpenAI model; write openai:MODEL, e.g. openai:gpt-4o-mini.");
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("The fallback " + entry + " has no api_key; give one (e.g. api_key: ${OPENAI_API_KEY}).");
        }
        return of(entry.substring(PREFIX.length()), baseUrl, apiKey);
    }

    /** Whether a chain entry names an OpenAI-compatible model ({@code openai:...}). */
    public static boolean names(String entry) {
        return entry != null && entry.startsWith(PREFIX);
    }

    /** This endpoint assuming these limits while the server reports none. */
    public OpenAiEndpoint withLimits(long requestsPerMinute, long tokensPerMinute) {
        return new OpenAiEndpoint(model, baseUrl, apiKey, requestsPerMinute, tokensPerMinute);
    }

    /** The full URL of Chat Completions. */
    public URI chatCompletions() {
        return URI.create(baseUrl + "/chat/completions");
    }

    /** The server's host and port, as pool names hold it. */
    public String host() {
        URI u = URI.create(baseUrl);
        return u.getHost().toLowerCase(Locale.ROOT) + (u.getPort() > 0 ? "_" + u.getPort() : "");
    }

    private static String checkedBaseUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("The base_url is missing; give the server's address, e.g. https://api.openai.com/v1.");
        }
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI u;
        try {
            u = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The base_url '" + url + "' is not a URL; write it as https://host/v1.");
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("The base_url '" + url + "' must be an http or https URL with a host, e.g. https://api.openai.com/v1.");
        }
        if (u.getUserInfo() != null) {
            throw new IllegalArgumentException("The base_url must not carry credentials; give the key as api_key.");
        }
        return trimmed;
    }

    @Override
    public String toString() {
        return PREFIX + model + " at " + baseUrl + " (key " + apiKey.fingerprint() + ")";
    }
}
