package dev.pacer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pacer.yaml's fallback chain with another provider's model: read with its key from the environment, refused naming the field. */
class BatchConfigFileTest {

    @TempDir
    Path dir;

    private BatchConfigFile read(String yaml, Map<String, String> env) throws Exception {
        Path p = dir.resolve("pacer.yaml");
        Files.writeString(p, yaml);
        return BatchConfigFile.read(p, env::get);
    }

    @Test
    void anOpenAiEntryFollowsTheClaudeModelsWithItsKeyFromTheEnvironment() throws Exception {
        BatchConfigFile c = read("""
                fallback:
                  - claude-haiku-4-5
                  - model: openai:gpt-4o-mini
                    base_url: https://api.openai.com/v1
                    api_key: ${OPENAI_API_KEY}
                    rpm: 500
                """, Map.of("OPENAI_API_KEY", "sk-test-from-env"));
        assertThat(c.fallback).containsExactly("claude-haiku-4-5");
        assertThat(c.providerFallbacks).hasSize(1);
        assertThat(c.providerFallbacks.get(0).model()).isEqualTo("gpt-4o-mini");
        assertThat(c.providerFallbacks.get(0).apiKey().secret()).isEqualTo("sk-test-from-env");
        assertThat(c.providerFallbacks.get(0).rpm()).isEqualTo(500);
    }

    @Test
    void badEntriesAreRefusedNamingTheFileLineAndField() {
        assertThatThrownBy(() -> read("fallback:\n  - model: openai:gpt-4o-mini\n    base_url: https://x/v1\n    api_key: ${OPENAI_API_KEY}\n",
                Map.of())).hasMessage("pacer.yaml line 4: fallback[0].api_key: the environment variable OPENAI_API_KEY is not set; export it.");
        assertThatThrownBy(() -> read("fallback:\n  - model: openai:gpt-4o-mini\n    api_key: k\n", Map.of()))
                .hasMessageStartingWith("pacer.yaml line 2: fallback[0].base_url is missing");
        assertThatThrownBy(() -> read("fallback:\n  - model: openai:m\n    base_url: ftp://x\n    api_key: sk-secret-abcdef\n", Map.of()))
                .hasMessageContaining("fallback[0]: The base_url 'ftp://x' must be an http or https URL").hasMessageNotContaining("sk-secret");
        assertThatThrownBy(() -> read("fallback:\n  - model: gpt-4o-mini\n    base_url: https://x/v1\n    api_key: k\n", Map.of()))
                .hasMessageContaining("fallback[0].model must name another provider's model, like openai:gpt-4o-mini");
        assertThatThrownBy(() -> read("fallback: [openai:gpt-4o-mini]\n", Map.of()))
                .hasMessageContaining("fallback[0] openai:gpt-4o-mini needs a base_url and an api_key");
        assertThatThrownBy(() -> read("fallback:\n  - model: openai:m\n    base_url: https://x/v1\n    api_key: k\n    org: o\n", Map.of()))
                .hasMessageContaining("fallback[0]: 'org' is not allowed");
    }
}
