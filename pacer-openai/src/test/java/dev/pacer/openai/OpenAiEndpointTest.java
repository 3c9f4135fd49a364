package dev.pacer.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OpenAiEndpointTest {

    @Test
    void aChainEntryNamesTheModelAndTheURLIsChecked() {
        OpenAiEndpoint e = OpenAiEndpoint.parse("openai:gpt-4o-mini", "https://api.openai.com/v1/", "sk-test-not-a-real-key");
        assertThat(e.model()).isEqualTo("gpt-4o-mini");
        assertThat(e.chatCompletions()).hasToString("https://api.openai.com/v1/chat/completions");
        assertThat(e.toString()).doesNotContain("sk-test-not-a-real-key");
        assertThat(OpenAiQuotaKeys.of(e).id()).startsWith("openai:").endsWith(":api.openai.com:gpt-4o-mini").doesNotContain("secret");
        assertThat(OpenAiQuotaKeys.of(OpenAiEndpoint.of("m", "http://127.0.0.1:8089/v1", "k")).id()).endsWith(":127.0.0.1_8089:m");
    }

    @Test
    void badEntriesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> OpenAiEndpoint.parse("gpt-4o-mini", "https://x/v1", "k")).hasMessageContaining("openai:MODEL");
        assertThatThrownBy(() -> OpenAiEndpoint.parse("openai:", "https://x/v1", "k")).hasMessageContaining("model id");
        assertThatThrownBy(() -> OpenAiEndpoint.parse("openai:m", null, "k")).hasMessageContaining("base_url");
        assertThatThrownBy(() -> OpenAiEndpoint.parse("openai:m", "ftp://x", "k")).hasMessageContaining("base_url");
        assertThatThrownBy(() -> OpenAiEndpoint.parse("openai:m", "https://user:pw@x/v1", "k")).hasMessageContaining("credentials")
                .hasMessageNotContaining("pw");
        assertThatThrownBy(() -> OpenAiEndpoint.parse("openai:m", "https://x/v1", " ")).hasMessageContaining("api_key");
    }
}
