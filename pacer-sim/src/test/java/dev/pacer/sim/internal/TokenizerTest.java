package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    private final Tokenizer tokenizer = new Tokenizer(42);

    private double charsPerToken(String text) {
        return (double) text.length() / tokenizer.count(text);
    }

    @Test
    void theRatioToCharactersDependsOnTheContent() {
        String prose = "The quick brown fox jumps over the lazy dog while the rate limiter keeps every request on time. ".repeat(5);
        String code = "for (int i = 0; i < n; i++) { if (a[i] == b[i]) { sum += a[i] * 2; } }\n".repeat(5);
        String cjk = "速率限制保护服务免受过载影响。".repeat(5);
        assertThat(charsPerToken(prose)).isBetween(3.8, 6.0);
        assertThat(charsPerToken(code)).isBetween(1.5, 3.2);
        assertThat(charsPerToken(cjk)).isBetween(0.9, 1.1);
        assertThat(tokenizer.count("Привет мир, как дела")).isBetween(8, 12);
        assertThat(tokenizer.count("🙂🙂")).isEqualTo(4);
    }

    @Test
    void countsAddUpOverTextCutAtSingleSpacesAndAreStable() {
        String text = "Streaming deltas are cut between words so counts add up exactly, 12345 times.";
        int whole = tokenizer.count(text);
        int parts = 0;
        for (String part : List.of("Streaming deltas are", " cut between words", " so counts add up exactly, 12345 times.")) {
            parts += tokenizer.count(part);
        }
        assertThat(parts).isEqualTo(whole);
        assertThat(new Tokenizer(42).count(text)).isEqualTo(whole);
    }

    @Test
    void theSeedDecidesWhichLongWordsCostAnExtraToken() {
        String longWords = "extraordinary internationalization representative responsibilities infrastructure "
                + "comprehensive acknowledgement characteristics understanding transformation";
        int a = new Tokenizer(1).count(longWords);
        boolean differs = false;
        for (long seed = 2; seed < 20 && !differs; seed++) {
            differs = new Tokenizer(seed).count(longWords) != a;
        }
        assertThat(differs).as("a client cannot know the count without asking").isTrue();
    }

    @Test
    void generatedTextHasExactlyTheTokensItClaimsWhateverTheSeed() {
        for (long seed = 0; seed < 50; seed++) {
            List<TextGenerator.Delta> deltas = TextGenerator.generate(seed, 1 + (int) (seed * 37 % 700));
            int claimed = deltas.stream().mapToInt(TextGenerator.Delta::tokens).sum();
            assertThat(claimed).isEqualTo(1 + (int) (seed * 37 % 700));
            for (TextGenerator.Delta d : deltas) {
                assertThat(new Tokenizer(seed * 7).count(d.text())).as(d.text()).isEqualTo(d.tokens());
            }
            assertThat(new Tokenizer(seed).count(TextGenerator.join(deltas))).isEqualTo(claimed);
        }
        assertThat(TextGenerator.join(TextGenerator.generate(3, 200))).isEqualTo(TextGenerator.join(TextGenerator.generate(3, 200)));
    }
}
