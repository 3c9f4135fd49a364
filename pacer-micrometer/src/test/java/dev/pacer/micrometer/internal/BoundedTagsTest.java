package dev.pacer.micrometer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.quota.QuotaKey;
import dev.pacer.route.Target;
import org.junit.jupiter.api.Test;

class BoundedTagsTest {

    @Test
    void valuesPastTheBoundAreOtherAndAdmittedOnesStay() {
        BoundedTags tags = new BoundedTags(2);
        assertThat(tags.of("a")).isEqualTo("a");
        assertThat(tags.of("b")).isEqualTo("b");
        assertThat(tags.of("c")).isEqualTo(BoundedTags.OTHER);
        assertThat(tags.of("a")).isEqualTo("a");
        assertThat(tags.has("c")).isFalse();
    }

    @Test
    void valuesAreMadeSafeAndShort() {
        assertThat(BoundedTags.safe("claude sonnet/4\"x")).isEqualTo("claude_sonnet_4_x");
        assertThat(BoundedTags.safe("x".repeat(100))).hasSize(64);
        assertThat(BoundedTags.safe(null)).isEqualTo("none");
    }

    @Test
    void theModelClassOfAnAnthropicTargetIsItsPoolAndOfAnotherItsModel() {
        assertThat(Names.modelClass(Target.of("anthropic", "claude-sonnet-4-5", QuotaKey.of("anthropic:1a2b3c4d:sonnet-4"))))
                .isEqualTo("sonnet-4");
        assertThat(Names.modelClass(Target.of("openai", "gpt-5", QuotaKey.of("acct:main")))).isEqualTo("gpt-5");
        assertThat(Names.status(529)).isEqualTo("529");
        assertThat(Names.status(0)).isEqualTo("none");
        assertThat(Names.status(999)).isEqualTo("other");
    }
}
