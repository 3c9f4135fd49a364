package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.Pacer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelClassesTest {

    private final ModelClasses classes = ModelClasses.defaults();

    @Test
    void aliasesAndDatedSnapshotsDrawFromThePoolOfTheModelTheyAreAVersionOf() {
        assertThat(classes.classOf("claude-sonnet-4-5")).isEqualTo("sonnet-4");
        assertThat(classes.classOf("claude-sonnet-4-5-20250929")).isEqualTo("sonnet-4");
        assertThat(classes.classOf("claude-sonnet-4-6")).isEqualTo("sonnet-4");
        assertThat(classes.classOf("claude-opus-4-8")).isEqualTo("opus-4");
        // Snapshots the table does not list by name still share their model's pool.
        assertThat(classes.classOf("claude-opus-4-1-20250805")).isEqualTo("opus-4");
        assertThat(classes.classOf("claude-opus-4-20250514")).isEqualTo("opus-4");
        assertThat(classes.classOf("claude-sonnet-4-6-20260217")).isEqualTo("sonnet-4");
        assertThat(classes.classOf("claude-haiku-4-5-20251001")).isEqualTo("haiku-4-5");
        assertThat(classes.classOf("claude-3-5-haiku-20241022")).isEqualTo("haiku-3-5");
        assertThat(classes.classOf("claude-3-5-haiku-latest")).isEqualTo("haiku-3-5");
        assertThat(classes.classOf("CLAUDE-Sonnet-4-5")).isEqualTo("sonnet-4");
        // Newer flagships have buckets of their own.
        assertThat(classes.classOf("claude-opus-5")).isEqualTo("opus-5");
        assertThat(classes.classOf("claude-opus-5-5")).isEqualTo("opus-5-5");
        assertThat(classes.countsCacheReads("haiku-3-5")).isTrue();
        assertThat(classes.countsCacheReads("sonnet-4")).isFalse();
    }

    @Test
    void anUnknownIdIsToldApartAndGetsAPoolOfItsOwnSharedWithItsSnapshots() {
        assertThat(classes.isKnown("claude-sonnet-4-5-20250929")).isTrue();
        assertThat(classes.isKnown("claude-opus-4-1-20250805")).isTrue();
        assertThat(classes.isKnown("claude-nova-7")).isFalse();
        assertThat(classes.classOf("claude-nova-7")).isEqualTo("nova-7");
        assertThat(classes.classOf("claude-nova-7-20270301")).isEqualTo("nova-7");
        assertThat(classes.classOf("my-proxy-model")).isEqualTo("my-proxy-model");
    }

    @Test
    void theTableIsConfiguration() {
        ModelClasses custom = ModelClasses.defaults().put("claude-nova-7", "sonnet-4").put("claude-opus-5-5", "opus-5");
        assertThat(custom.isKnown("claude-nova-7")).isTrue();
        assertThat(custom.classOf("claude-nova-7-20270301")).isEqualTo("sonnet-4");
        assertThat(custom.classOf("claude-opus-5-5")).isEqualTo("opus-5");
        assertThat(ModelClasses.defaults().classOf("claude-opus-5-5")).isEqualTo("opus-5-5");
    }

    @Test
    void theClientReportsAnUnknownIdOnceToItsDebugNotes() {
        List<String> notes = new ArrayList<>();
        try (AnthropicPacer claude = AnthropicPacer.builder().apiKey("sk-ant-notes").pacer(Pacer.builder().build())
                .debug(notes::add).build()) {
            claude.quotaKey("claude-sonnet-4-5");
            assertThat(notes).isEmpty();
            claude.quotaKey("claude-nova-7");
            claude.quotaKey("claude-nova-7");
            assertThat(notes).hasSize(1);
            assertThat(notes.get(0)).contains("'claude-nova-7'").contains("'nova-7'").contains("ModelClasses.put").doesNotContain("sk-ant");
        }
    }
}
