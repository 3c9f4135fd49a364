package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnthropicQuotaKeysTest {

    private static final ApiKey KEY = ApiKey.of("sk-ant-test-pools");
    private static final String PREFIX = "anthropic:" + KEY.fingerprint() + ":";

    @Test
    void aModelDrawsFromItsClassesPoolAndNeverFromTheKey() {
        AnthropicQuotaKeys keys = AnthropicQuotaKeys.of(ModelClasses.defaults());
        assertThat(keys.forModel(KEY, "claude-sonnet-4-5-20250929").id()).isEqualTo(PREFIX + "sonnet-4");
        assertThat(AnthropicQuotaKeys.forModelClass(KEY, "haiku-4-5").id()).isEqualTo(PREFIX + "haiku-4-5");
        assertThat(keys.forModel(KEY, "claude-sonnet-4-5").id()).doesNotContain(KEY.secret());
        // An odd model id still names a pool (its own), never a crash.
        assertThat(keys.forModel(KEY, "my proxy model").id()).isEqualTo(PREFIX + "my_proxy_model");
    }

    @Test
    void anEndpointDrawsFromItsFamilysPool() {
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v1/messages/batches").id()).isEqualTo(PREFIX + "batches");
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v1/messages/batches/msgbatch_1/results").id()).isEqualTo(PREFIX + "batches");
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v1/messages/batches?limit=20&after_id=x").id()).isEqualTo(PREFIX + "batches");
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v1/messages/count_tokens?beta=true"))
                .isEqualTo(AnthropicQuotaKeys.countTokens(KEY));
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v1/models/claude-sonnet-4-5").id()).isEqualTo(PREFIX + "models");
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v1/files").id()).isEqualTo(PREFIX + "files");
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v2/whatever").id()).isEqualTo(PREFIX + "other");
        assertThat(AnthropicQuotaKeys.forPath(KEY, "/v1/%0d%0aInjected").id()).isEqualTo(PREFIX + "other");
        assertThat(AnthropicQuotaKeys.batches(KEY).id()).isEqualTo(PREFIX + "batches");
    }

    @Test
    void aKeyPrintsAsItsFingerprint() {
        assertThat(KEY.toString()).isEqualTo("ApiKey[" + KEY.fingerprint() + "]").doesNotContain("sk-ant");
        assertThat(KEY.fingerprint()).isEqualTo(AnthropicPacer.fingerprint("sk-ant-test-pools")).hasSize(8);
        assertThat(ApiKey.of("  sk-ant-test-pools \n")).isEqualTo(KEY);
    }
}
