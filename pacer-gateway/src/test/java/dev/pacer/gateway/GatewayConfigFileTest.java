package dev.pacer.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pacer.quota.Priority;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigFileTest {

    private static final String HASH = "sha256:" + VirtualKey.hash("pgw-team-a");
    private static final Map<String, String> ENV = Map.of("UPSTREAM_KEY", "sk-ant-from-env", "PORT", "9090");

    private static GatewaySettings parse(String yaml) throws GatewayConfigFile.Invalid {
        return GatewayConfigFile.parse("pacer.yaml", yaml, GatewaySettings.builder(), ENV::get);
    }

    @Test
    void everySectionIsRead() throws Exception {
        GatewaySettings s = parse("""
                listen: {host: 0.0.0.0, port: "${PORT}"}
                upstream: {url: "http://127.0.0.1:8089", api-key-env: UPSTREAM_KEY}
                fallback: [claude-haiku-4-5]
                limits:
                  sonnet-4: {rpm: 50, itpm: 30000, otpm: 8000}
                keys:
                  - {name: team-a, hash: "%s", priority: interactive, limits: {rpm: 20}, budget-usd: 25}
                timeouts: {header: 5s, idle: 2m, body: 30s, default-deadline: 1500ms, grace: 10s}
                body-limit: 8MiB
                """.formatted(HASH));
        assertThat(s.listen()).isEqualTo(new GatewaySettings.Listen("0.0.0.0", 9090));
        assertThat(s.upstream().baseUrl()).isEqualTo("http://127.0.0.1:8089");
        assertThat(s.upstream().apiKey().secret()).isEqualTo("sk-ant-from-env");
        assertThat(s.fallbackModels()).containsExactly("claude-haiku-4-5");
        assertThat(s.limits().get("sonnet-4")).isEqualTo(new GatewaySettings.ClassLimits(50, 30_000, 8_000));
        assertThat(s.keys()).singleElement().satisfies(k -> {
            assertThat(k.name()).isEqualTo("team-a");
            assertThat(k.sha256()).isEqualTo(HASH.substring(7));
            assertThat(k.priority()).isEqualTo(Priority.INTERACTIVE);
            assertThat(k.rpm()).isEqualTo(20);
            assertThat(k.budgetUsd()).isEqualTo(25);
        });
        assertThat(s.timeouts().defaultDeadline()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.timeouts().idle()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.bodyLimit()).isEqualTo(8L * 1024 * 1024);
        assertThat(s.virtualKeys()).isTrue();
    }

    @Test
    void thePublicAddressSettings() throws Exception {
        GatewaySettings s = parse("public-url: https://llm.example.com/\ntrust-forwarded-headers: true\n");
        assertThat(s.publicUrl()).isEqualTo("https://llm.example.com");
        assertThat(s.trustForwardedHeaders()).isTrue();
        GatewaySettings none = parse("listen: {port: 9000}\n");
        assertThat(none.publicUrl()).isNull();
        assertThat(none.trustForwardedHeaders()).isFalse();
        assertThatThrownBy(() -> parse("listen: {port: 9000}\npublic-url: llm.example.com\n"))
                .hasMessage("pacer.yaml line 2: public-url 'llm.example.com' is not an http(s) URL like https://llm.example.com.");
        assertThatThrownBy(() -> parse("trust-forwarded-headers: sometimes\n"))
                .hasMessageContaining("line 1").hasMessageContaining("trust-forwarded-headers must be one of false, true, not 'sometimes'.");
    }

    @Test
    void anEmptyFileIsZeroConfig() throws Exception {
        GatewaySettings s = parse("");
        assertThat(s.upstream().baseUrl()).isEqualTo("https://api.anthropic.com");
        assertThat(s.virtualKeys()).isFalse();
    }

    @Test
    void eachMistakeNamesTheFileLineAndSetting() {
        assertThatThrownBy(() -> parse("listen:\n  port: 70000\n")).hasMessage(
                "pacer.yaml line 2: listen.port must be a whole number from 0 to 65535, not '70000'.");
        assertThatThrownBy(() -> parse("timeouts:\n  idle: soon\n")).hasMessage(
                "pacer.yaml line 2: timeouts.idle must be a duration such as 500ms, 10s, 2m or 1h, not 'soon'.");
        assertThatThrownBy(() -> parse("tiemouts: {}\n")).hasMessageStartingWith("pacer.yaml line 1: unknown setting 'tiemouts'")
                .hasMessageContaining("timeouts");
        assertThatThrownBy(() -> parse("upstream: {url: \"${NOPE}\"}\n")).hasMessage(
                "pacer.yaml line 1: upstream.url uses ${NOPE}, which is not set in the environment; set it or write the value.");
        assertThatThrownBy(() -> parse("keys:\n  - {name: a, hash: \"" + HASH + "\", priority: urgent}\n")).hasMessage(
                "pacer.yaml line 2: keys[0].priority must be one of bulk, interactive, normal, not 'urgent'.");
        assertThatThrownBy(() -> parse("keys:\n  - {name: a, hash: \"abc\"}\n")).hasMessageContaining("keys[0].hash must be sha256:");
        assertThatThrownBy(() -> parse("listen: [1, 2]\n")).hasMessage("pacer.yaml line 1: listen must be a mapping of name: value pairs.");
        assertThatThrownBy(() -> parse("listen: {port: [\n")).hasMessageStartingWith("pacer.yaml line ").hasMessageContaining("not valid YAML");
    }

    @Test
    void anUpstreamKeyIsNeverTakenFromTheFileItself() {
        assertThatThrownBy(() -> parse("upstream: {api-key: sk-ant-inline}\n"))
                .hasMessageContaining("upstream.api-key is not taken from the file itself")
                .hasMessageNotContaining("sk-ant-inline");
    }

    @Test
    void gatewayKeysNeedAnUpstreamKey() {
        assertThatThrownBy(() -> parse("keys:\n  - {name: a, hash: \"" + HASH + "\"}\n"))
                .hasMessage("pacer.yaml: keys are set (virtual-key mode) but the upstream has no key; set upstream.api-key-env or"
                        + " upstream.api-key-file.");
    }

    @Test
    void aFallbackChainMayEndWithAnOpenAiCompatibleModel() throws Exception {
        GatewaySettings s = GatewayConfigFile.parse("pacer.yaml", """
                fallback:
                  - claude-haiku-4-5
                  - {model: "openai:gpt-4o-mini", base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}"}
                """, GatewaySettings.builder(), Map.of("OPENAI_API_KEY", "sk-openai-from-env")::get);
        assertThat(s.fallbackModels()).containsExactly("claude-haiku-4-5");
        assertThat(s.providerFallbacks()).singleElement().satisfies(e -> assertThat(e.toString()).contains("gpt-4o-mini")
                .doesNotContain("sk-openai-from-env"));
    }

    @Test
    void anOpenAiFallbackWithoutItsKeyOrBeforeAClaudeModelIsRefusedNamingTheEntry() {
        assertThatThrownBy(() -> parse("""
                fallback:
                  - {model: "openai:gpt-4o-mini", base_url: "https://api.openai.com/v1"}
                """)).isInstanceOf(GatewayConfigFile.Invalid.class).hasMessageContaining("pacer.yaml line 2")
                .hasMessageContaining("fallback[0] needs api_key");
        assertThatThrownBy(() -> parse("""
                fallback:
                  - {model: "openai:gpt-4o-mini", base_url: "https://api.openai.com/v1", api_key: k}
                  - claude-haiku-4-5
                """)).isInstanceOf(GatewayConfigFile.Invalid.class).hasMessageContaining("fallback[1]: a Claude model cannot come after");
    }
}
