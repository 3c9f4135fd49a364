package dev.pacer.anthropic;

import static dev.pacer.anthropic.internal.EstimatorFixtures.params;
import static dev.pacer.anthropic.internal.EstimatorFixtures.pdf;
import static dev.pacer.anthropic.internal.EstimatorFixtures.withPdf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.anthropic.internal.CharacterModel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

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

    /** A request with {@code proseWords} words of prose and {@code codeLines} lines of code in one message. */
    private static ObjectNode mixed(int proseWords, int codeLines) {
        return params("lorem ipsum ".repeat(proseWords / 2) + "x[i]=y[i]*2;{};\n".repeat(codeLines), 1000);
    }

    /** This provider's tokenizer: prose at 1.3 x the raw character model, code at 2.0 x, framing as is. */
    private static long provider(ObjectNode p) {
        double[] k = CharacterModel.rawByKind(p);
        return Math.round(1.3 * k[TokenEstimator.ContentKind.PROSE.ordinal()] + 2.0 * k[TokenEstimator.ContentKind.CODE.ordinal()]
                + k[TokenEstimator.ContentKind.FRAMING.ordinal()]);
    }

    @Test
    void theInputIsCalibratedPerContentKindSoProseAndCodeAreBothRight() {
        TokenEstimator estimator = TokenEstimator.defaults();
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            // A workload of prose-heavy, code-heavy and mixed requests.
            ObjectNode p = mixed(random.nextInt(400), random.nextInt(3) == 0 ? 0 : random.nextInt(60));
            estimator.learn("sonnet-4", estimator.estimate("sonnet-4", p), provider(p), 100, 1000);
        }
        ObjectNode prose = mixed(600, 0);
        ObjectNode code = mixed(0, 80);
        // One factor per class would settle between 1.3 and 2.0 and miss both by 15% or more.
        assertThat((double) estimator.estimate("sonnet-4", prose).inputTokens() / provider(prose)).isBetween(0.98, 1.08);
        assertThat((double) estimator.estimate("sonnet-4", code).inputTokens() / provider(code)).isBetween(0.98, 1.08);
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.PROSE)).isBetween(1.25, 1.4);
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.CODE)).isBetween(1.9, 2.1);
        // The error metric says how good the estimates have become, per class.
        assertThat(estimator.inputError("sonnet-4")).isLessThan(0.05);
        assertThat(estimator.modelClasses()).containsExactly("sonnet-4");
    }

    @Test
    void oneAbsurdAnswerCannotMakeEveryLaterEstimateAbsurd() {
        TokenEstimator estimator = TokenEstimator.defaults();
        ObjectNode p = params("word ".repeat(200), 1000);
        for (int i = 0; i < 2; i++) { // early on, when each answer still moves the correction a lot
            TokenEstimator.Estimate e = estimator.estimate("haiku-4-5", p);
            estimator.learn("haiku-4-5", e, e.rawInput(), 100, 1000);
        }
        long before = estimator.estimate("haiku-4-5", p).inputTokens();
        estimator.learn("haiku-4-5", estimator.estimate("haiku-4-5", p), 10_000_000, 100, 1000); // a broken usage figure
        assertThat(estimator.estimate("haiku-4-5", p).inputTokens()).isLessThan(before * 2);
    }


    @Test
    void theDocumentKindIsCalibratedOnItsOwn() {
        TokenEstimator estimator = TokenEstimator.defaults();
        ObjectNode p = withPdf(pdf(10, 20_000), null);
        for (int i = 0; i < 30; i++) {
            TokenEstimator.Estimate e = estimator.estimate("sonnet-4", p);
            estimator.learn("sonnet-4", e, 32_000, 100, 100); // this workload's PDFs: about 3,200 tokens a page
        }
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.DOCUMENT)).isBetween(1.9, 2.4);
        assertThat(estimator.inputCorrection("sonnet-4", TokenEstimator.ContentKind.PROSE)).as("prose untouched").isBetween(1.1, 1.2);
    }
}
