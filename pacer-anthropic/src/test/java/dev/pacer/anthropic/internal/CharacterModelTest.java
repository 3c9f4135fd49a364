package dev.pacer.anthropic.internal;

import static dev.pacer.anthropic.internal.EstimatorFixtures.params;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class CharacterModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theCharacterModelTellsProseCodeAndWideScriptsApart() {
        double prose = CharacterModel.text("The quick brown fox jumps over the lazy dog near the river bank");
        double code = CharacterModel.text("for(i=0;i<n;i++){a[i]=b[i]*c[i];}");
        double cjk = CharacterModel.text("速率限制");
        assertThat(prose).isBetween(12.0, 16.0);
        assertThat(code).isGreaterThan(10.0);
        assertThat(cjk).isEqualTo(4.0);
    }


    @Test
    void aTextDocumentIsCountedAsItsTextNotAsAnImage() {
        ObjectNode p = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        ObjectNode message = p.putArray("messages").addObject().put("role", "user");
        var content = message.putArray("content");
        content.addObject().put("type", "document").putObject("source").put("type", "text").put("media_type", "text/plain")
                .put("data", "The bucket refills continuously and the reservation is settled afterwards. ".repeat(300));
        content.addObject().put("type", "text").put("text", "Summarize it.");
        // About 22,000 characters of prose: some 4,900 tokens by the character model, where an image-sized guess said 1,600.
        assertThat(CharacterModel.rawInput(p)).isBetween(4_000L, 6_000L);
        ObjectNode blocks = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        blocks.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("type", "document")
                .putObject("source").put("type", "content").putArray("content").addObject().put("type", "text").put("text", "word ".repeat(900));
        assertThat(CharacterModel.rawInput(blocks)).isBetween(900L, 1_100L);
    }
}
