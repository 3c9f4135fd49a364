package dev.pacer.anthropic.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.models.messages.Message;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.Tier;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's "Use it from Java" example is this package's {@link UseItFromJava}, word for word:
 * it compiles with the build, runs here against the simulator, and the README must show exactly it.
 */
class UseItFromJavaTest {

    @Test
    void theExampleRunsAgainstTheSimulator() throws Exception {
        try (SimServer sim = SimServer.builder().tier(Tier.TIER_1).seed(3).start()) {
            Message message = UseItFromJava.withTheSdk(sim.baseUrl(), "sk-ant-readme");
            assertThat(message.content()).isNotEmpty();
            assertThat(message.model().asString()).isEqualTo("claude-sonnet-4-5");
            String answer = UseItFromJava.withPacersOwnClient(sim.baseUrl(), "sk-ant-readme");
            assertThat(answer).startsWith("claude-sonnet-4-5: ").hasSizeGreaterThan("claude-sonnet-4-5: ".length());
            String streamed = UseItFromJava.streamWithPacersOwnClient(sim.baseUrl(), "sk-ant-readme");
            assertThat(streamed).startsWith("claude-sonnet-4-5: ").hasSizeGreaterThan("claude-sonnet-4-5: ".length());
        }
    }

    @Test
    void theReadmeShowsExactlyTheCompiledExample() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/pacer/anthropic/readme/UseItFromJava.java"));
        String example = source.substring(source.indexOf("// README:start\n") + "// README:start\n".length(),
                source.indexOf("// README:end")).strip();
        String readme = Files.readString(Path.of("../README.md"));
        int section = readme.indexOf("### Use it from Java");
        assertThat(section).as("README has a 'Use it from Java' section").isGreaterThanOrEqualTo(0);
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String shown = readme.substring(start, readme.indexOf("```", start)).strip();
        assertThat(shown).as("README's Java example = UseItFromJava.java between the README markers").isEqualTo(example);
    }
}
