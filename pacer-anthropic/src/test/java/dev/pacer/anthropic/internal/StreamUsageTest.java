package dev.pacer.anthropic.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.anthropic.Usage;
import org.junit.jupiter.api.Test;

class StreamUsageTest {

    private static final String START = "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}";

    private static String text(String t) {
        return "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" + t + "\"}}";
    }

    @Test
    void aCompleteStreamSettlesOnItsMessageDeltaAsInTheReferenceExample() {
        StreamUsage u = new StreamUsage();
        u.data(START);
        u.data("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
        u.data("{\"type\": \"ping\"}");
        u.data(text("Hello"));
        u.data(text("!"));
        u.data("{\"type\":\"content_block_stop\",\"index\":0}");
        u.data("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}");
        u.data("{\"type\":\"message_stop\"}");
        assertThat(u.usage()).isEqualTo(new Usage(25, 0, 0, 15));
        assertThat(u.complete()).isTrue();
        assertThat(u.error()).isNull();
    }

    @Test
    void aStreamThatEndsEarlySettlesOnWhatItsDeltasCarried() {
        StreamUsage u = new StreamUsage();
        u.data(START);
        u.data(text("The quick brown fox jumps over the lazy dog. ".repeat(20))); // 900 characters of prose
        u.data("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Paris\"}}");
        assertThat(u.complete()).isFalse();
        assertThat(u.usage().input()).isEqualTo(25);
        assertThat(u.usage().output()).isBetween(190L, 230L);
    }

    @Test
    void aMidStreamErrorIsNamedAndGarbageIsIgnored() {
        StreamUsage u = new StreamUsage();
        u.data(START);
        u.data("not json at all");
        u.data("");
        u.data("{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":-7}}");
        u.data("{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}");
        assertThat(u.error()).isEqualTo("overloaded_error");
        assertThat(u.usage().output()).isZero();
    }

    @Test
    void howAStreamEndedDecidesWhetherItBrokeOff() {
        StreamUsage whole = new StreamUsage();
        whole.data(START);
        whole.data("{\"type\":\"message_stop\"}");
        assertThat(whole.brokeOff(true, null, "req_1")).isNull();

        StreamUsage started = new StreamUsage();
        started.data(START);
        assertThat(started.brokeOff(false, null, null)).as("closed early by its reader: its choice").isNull();
        assertThat(started.brokeOff(true, null, "req_1").family()).as("ended without message_stop")
                .isEqualTo(dev.pacer.outcome.OutcomeFamily.CONNECTION_FAILURE);
        assertThat(started.brokeOff(false, new java.io.IOException("connection reset"), null).family())
                .isEqualTo(dev.pacer.outcome.OutcomeFamily.CONNECTION_FAILURE);
        assertThat(started.brokeOff(false, new java.net.http.HttpTimeoutException("no end within 600000 ms"), "req_1"))
                .satisfies(o -> {
                    assertThat(o.family()).isEqualTo(dev.pacer.outcome.OutcomeFamily.TIMEOUT);
                    assertThat(o.message()).endsWith("(request-id req_1)");
                });
        started.data("{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}");
        assertThat(started.brokeOff(false, null, null).family()).as("the SDK closes after an error event")
                .isEqualTo(dev.pacer.outcome.OutcomeFamily.OVERLOADED);
    }
}
