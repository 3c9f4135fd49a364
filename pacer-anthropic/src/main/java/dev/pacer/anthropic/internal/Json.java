package dev.pacer.anthropic.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** The module's JSON: one shared mapper, and a body that is missing or not JSON read as null. */
public final class Json {

    /** Shared; configured once, thread-safe. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** {@code body} parsed, or null when it is empty or not JSON. */
    public static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code json} serialized. */
    public static byte[] bytes(JsonNode json) {
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("The request cannot be serialized: " + e.getMessage(), e);
        }
    }
}
