package dev.pacer.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ChatTokenEstimatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode request(String text) {
        ObjectNode r = JSON.createObjectNode();
        r.putArray("messages").addObject().put("role", "user").put("content", text);
        return r;
    }

    @Test
    void countsTextByKindAndImagesByDetail() {
        ChatTokenEstimator e = ChatTokenEstimator.create();
        long prose = e.raw(request("a".repeat(400)));
        long wide = e.raw(request("字".repeat(400)));
        assertThat(prose).isBetween(100L, 115L);
        assertThat(wide).isGreaterThan(3 * prose);
        ObjectNode image = JSON.createObjectNode();
        image.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("type", "image_url")
                .putObject("image_url").put("url", "data:image/png;base64,AAAA").put("detail", "low");
        assertThat(e.raw(image)).isBetween(85L, 100L);
    }

    @Test
    void learnsAModelsTokenizerFromUsageWithinAFewCalls() {
        ChatTokenEstimator e = ChatTokenEstimator.create();
        ObjectNode r = request("word ".repeat(200));
        long raw = e.raw(r);
        for (int i = 0; i < 15; i++) {
            e.learn("gpt-4o-mini", raw, raw * 2);
        }
        assertThat(e.estimate("gpt-4o-mini", r)).isBetween((long) (raw * 1.9), raw * 2);
        assertThat(e.estimate("gpt-4o", r)).as("cautious before the first answer").isEqualTo(Math.round(raw * 1.15));
        e.learn("gpt-4o", 12, 14);
        assertThat(e.correction("gpt-4o")).as("a small prompt teaches too").isCloseTo(14 / 12.0, org.assertj.core.data.Offset.offset(1e-9));
        e.learn("gpt-4o", 5, 500);
        assertThat(e.correction("gpt-4o")).as("an absurd ratio is bounded").isLessThan(2);
    }
}
