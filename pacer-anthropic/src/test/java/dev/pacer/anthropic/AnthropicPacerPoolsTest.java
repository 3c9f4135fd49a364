package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import org.junit.jupiter.api.Test;

/** Which quota pool a call draws from: named after the key the client really sends, never the key itself. */
class AnthropicPacerPoolsTest {

    private static AnthropicPacer over(AnthropicHttp http) {
        return AnthropicPacer.builder().http(http).pacer(Pacer.builder().build()).build();
    }

    @Test
    void clientsBuiltOnTheirOwnHttpClientsDrawFromTheirOwnKeysPools() {
        try (AnthropicHttp a = AnthropicHttp.builder().apiKey("sk-ant-team-a").build();
             AnthropicHttp b = AnthropicHttp.builder().apiKey("sk-ant-team-b").build()) {
            String poolA = over(a).quotaKey("claude-sonnet-4-5").id();
            String poolB = over(b).quotaKey("claude-sonnet-4-5").id();
            assertThat(poolA).isEqualTo("anthropic:" + AnthropicPacer.fingerprint("sk-ant-team-a") + ":sonnet-4");
            assertThat(poolB).isEqualTo("anthropic:" + AnthropicPacer.fingerprint("sk-ant-team-b") + ":sonnet-4");
            assertThat(poolA).isNotEqualTo(poolB).doesNotContain("sk-ant");
            // A key given to the builder beside the client does not rename the pool: the client's key is what is sent.
            AnthropicPacer mismatched = AnthropicPacer.builder().http(a).apiKey("sk-ant-team-b").pacer(Pacer.builder().build()).build();
            assertThat(mismatched.quotaKey("claude-sonnet-4-5").id()).isEqualTo(poolA);
        }
    }
}
