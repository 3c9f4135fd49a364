package dev.pacer.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode params(String text, int maxTokens) {
        ObjectNode p = JSON.createObjectNode();
        p.put("model", "claude-sonnet-4-5");
        p.put("max_tokens", maxTokens);
        p.putArray("messages").addObject().put("role", "user").put("content", text);
        return p;
    }

    @Test
    void theInputCorrectionConvergesOnWhatTheProviderCounts() {
        TokenEstimator estimator = TokenEstimator.defaults();
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            ObjectNode p = params("word ".repeat(50 + random.nextInt(500)), 1000);
            TokenEstimator.Estimate e = estimator.estimate("sonnet-4", p);
            long actual = Math.round(e.rawInput() * 1.6); // this provider's tokenizer counts 60% more than the raw model
            estimator.learn("sonnet-4", e, actual, 100, 1000);
        }
        assertThat(estimator.inputCorrection("sonnet-4")).isBetween(1.6, 1.7);
        assertThat(estimator.inputError("sonnet-4")).isLessThan(0.1);
    }

    @Test
    void outputIsReservedFromALearnedQuantileOnceThereAreEnoughSamples() {
        TokenEstimator estimator = TokenEstimator.defaults();
        ObjectNode p = params("hello", 1000);
        assertThat(estimator.estimate("haiku-4-5", p).outputTokens()).isEqualTo(1000);
        Random random = new Random(5);
        for (int i = 0; i < 200; i++) {
            TokenEstimator.Estimate e = estimator.estimate("haiku-4-5", p);
            estimator.learn("haiku-4-5", e, 10, 100 + random.nextInt(201), 1000); // 10% to 30% of max_tokens
        }
        assertThat(estimator.estimate("haiku-4-5", p).outputTokens()).isBetween(280L, 300L);
        TokenEstimator reserveMax = new TokenEstimator(TokenEstimator.OutputMode.MAX_TOKENS, 0.95);
        assertThat(reserveMax.estimate("haiku-4-5", p).outputTokens()).isEqualTo(1000);
    }

    @Test
    void theCharacterModelTellsProseCodeAndWideScriptsApart() {
        double prose = TokenEstimator.text("The quick brown fox jumps over the lazy dog near the river bank");
        double code = TokenEstimator.text("for(i=0;i<n;i++){a[i]=b[i]*c[i];}");
        double cjk = TokenEstimator.text("速率限制");
        assertThat(prose).isBetween(12.0, 16.0);
        assertThat(code).isGreaterThan(10.0);
        assertThat(cjk).isEqualTo(4.0);
    }
}
