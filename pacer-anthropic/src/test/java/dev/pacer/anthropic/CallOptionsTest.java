package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pacer.quota.Priority;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallOptionsTest {

    @Test
    void eachWithReturnsACopyAndTheDefaultsStayTheDefaults() {
        CallOptions bulk = CallOptions.defaults().withPriority(Priority.BULK).withDeadline(Instant.EPOCH)
                .withApiKey("sk-ant-test-options").withHeader("Anthropic-Beta", "a").withHeaders(Map.of("anthropic-workspace-id", "w"));
        assertThat(bulk.priority()).isEqualTo(Priority.BULK);
        assertThat(bulk.deadline()).isEqualTo(Instant.EPOCH);
        assertThat(bulk.apiKey()).isEqualTo(ApiKey.of("sk-ant-test-options"));
        assertThat(bulk.headers()).containsExactly(Map.entry("anthropic-beta", "a"), Map.entry("anthropic-workspace-id", "w"));
        assertThat(CallOptions.defaults().priority()).isEqualTo(Priority.NORMAL);
        assertThat(CallOptions.defaults().apiKey()).isNull();
        assertThat(CallOptions.defaults().headers()).isEmpty();
    }

    @Test
    void aHeaderThatCouldSplitTheRequestIsRefusedWhenItIsSet() {
        assertThat(catchThrowable(() -> CallOptions.defaults().withHeader("anthropic-beta", "a\r\nx-api-key: stolen")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line break");
        assertThat(catchThrowable(() -> CallOptions.defaults().withHeader("bad name", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an HTTP token");
        assertThat(catchThrowable(() -> CallOptions.defaults().withApiKey(" "))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API key is required");
    }

    @Test
    void itsDescriptionHoldsNeitherTheKeyNorHeaderValues() {
        CallOptions options = CallOptions.defaults().withApiKey("sk-ant-test-hidden").withHeader("x-token", "hidden-value");
        assertThat(options.toString()).doesNotContain("sk-ant-test-hidden").doesNotContain("hidden-value").contains("x-token");
    }
}
