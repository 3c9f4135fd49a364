package dev.pacer.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.quota.Priority;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallHeadersTest {

    private static final Duration DEFAULT = Duration.ofSeconds(60);

    @Test
    void theDeadlineHeaderWinsThenHalfTheSdksTimeoutThenTheDefault() throws Exception {
        assertThat(CallHeaders.read(Map.of("x-pacer-deadline-ms", "250", "x-stainless-timeout", "600"), DEFAULT).patience())
                .isEqualTo(Duration.ofMillis(250));
        assertThat(CallHeaders.read(Map.of("x-stainless-timeout", "600"), DEFAULT).patience()).isEqualTo(Duration.ofSeconds(300));
        assertThat(CallHeaders.read(Map.of("x-stainless-timeout", "garbage"), DEFAULT).patience()).isEqualTo(DEFAULT);
        assertThat(CallHeaders.read(Map.of(), DEFAULT).patience()).isEqualTo(DEFAULT);
    }

    @Test
    void priorityByNameAndPacerHeadersStayInTheGateway() throws Exception {
        CallHeaders h = CallHeaders.read(Map.of("x-pacer-priority", "Bulk", "anthropic-beta", "b1", "x-pacer-deadline-ms", "5"), DEFAULT);
        assertThat(h.priority()).isEqualTo(Priority.BULK);
        assertThat(h.forwarded()).containsOnlyKeys("anthropic-beta");
    }

    @Test
    void theSdksRetryCountMakesACallARetryAndIsNeverRefused() throws Exception {
        assertThat(CallHeaders.read(Map.of("x-stainless-retry-count", "2"), DEFAULT).clientRetries()).isEqualTo(2);
        assertThat(CallHeaders.read(Map.of("x-stainless-retry-count", "0"), DEFAULT).clientRetries()).isZero();
        assertThat(CallHeaders.read(Map.of(), DEFAULT).clientRetries()).isZero();
        assertThat(CallHeaders.read(Map.of("x-stainless-retry-count", "many"), DEFAULT).clientRetries()).isZero();
        assertThat(CallHeaders.read(Map.of("x-stainless-retry-count", "-4"), DEFAULT).clientRetries()).isZero();
        assertThat(CallHeaders.read(Map.of("x-stainless-retry-count", "1"), DEFAULT).forwarded())
                .containsEntry("x-stainless-retry-count", "1"); // it goes on upstream as the SDK sent it
    }

    @Test
    void badValuesNameTheHeader() {
        assertThatThrownBy(() -> CallHeaders.read(Map.of("x-pacer-priority", "urgent"), DEFAULT))
                .hasMessage("The header x-pacer-priority must be interactive, normal or bulk.");
        assertThatThrownBy(() -> CallHeaders.read(Map.of("x-pacer-deadline-ms", "-3"), DEFAULT))
                .hasMessageStartingWith("The header x-pacer-deadline-ms must be a whole number of milliseconds");
        assertThatThrownBy(() -> CallHeaders.read(Map.of("x-pacer-deadline-ms", "soon"), DEFAULT))
                .hasMessageStartingWith("The header x-pacer-deadline-ms must be a whole number of milliseconds");
    }
}
