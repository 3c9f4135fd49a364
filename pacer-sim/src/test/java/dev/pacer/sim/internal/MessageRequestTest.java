package dev.pacer.sim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class MessageRequestTest {

    private final Tokenizer tokenizer = new Tokenizer(42);

    private MessageRequest parse(String json) throws Exception {
        return MessageRequest.parse(Json.MAPPER.readTree(json), false, tokenizer);
    }

    private String invalid(String json) {
        try {
            parse(json);
            throw new AssertionError("expected invalid: " + json);
        } catch (MessageRequest.Invalid e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void invalidBodiesGetTheApisMessages() {
        assertThat(invalid("{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")).isEqualTo("model: Field required");
        assertThat(invalid("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")).isEqualTo("max_tokens: Field required");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .isEqualTo("max_tokens: Input should be greater than or equal to 1");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5}")).isEqualTo("messages: Field required");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}"))
                .isEqualTo("messages.0.role: Input should be 'user' or 'assistant'");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}"))
                .isEqualTo("messages.0.content.0.type: Field required");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .startsWith("temperature:");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":2000,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":4000},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")).contains("max_tokens").contains("budget_tokens");
    }

    @Test
    void metadataAndThinkingMustBeObjects() {
        String rest = ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"metadata\":\"sim:output_tokens=3\"" + rest))
                .isEqualTo("metadata: Input should be a valid dictionary");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"metadata\":[]" + rest)).isEqualTo("metadata: Input should be a valid dictionary");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5000,\"thinking\":\"enabled\"" + rest))
                .isEqualTo("thinking: Input should be a valid dictionary");
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5000,\"thinking\":true" + rest)).isEqualTo("thinking: Input should be a valid dictionary");
    }

    @Test
    void onlyAFinalAssistantMessageMayBeEmpty() throws Exception {
        String rule = ": all messages must have non-empty content except for the optional final assistant message";
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}"))
                .isEqualTo("messages.0" + rule);
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[]}]}"))
                .isEqualTo("messages.0" + rule);
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"assistant\",\"content\":[]},{\"role\":\"user\",\"content\":\"b\"}]}")).isEqualTo("messages.1" + rule);
        assertThat(parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"assistant\",\"content\":\"\"}]}").inputTokens()).as("a final assistant prefill may be empty").isPositive();
    }

    @Test
    void aCountTokensBodyRefusesFieldsItDoesNotTake() throws Exception {
        JsonNode withMax = Json.MAPPER.readTree("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThatThrownBy(() -> MessageRequest.checkCountTokensFields(withMax, false)).isInstanceOf(MessageRequest.Invalid.class)
                .hasMessage("max_tokens: Extra inputs are not permitted");
        JsonNode beta = Json.MAPPER.readTree("{\"model\":\"m\",\"mcp_servers\":[],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThatThrownBy(() -> MessageRequest.checkCountTokensFields(beta, false)).hasMessage("mcp_servers: Extra inputs are not permitted");
        MessageRequest.checkCountTokensFields(beta, true);
        MessageRequest.checkCountTokensFields(Json.MAPPER.readTree("{\"model\":\"m\",\"system\":\"s\",\"tools\":[],\"tool_choice\":{},"
                + "\"thinking\":{},\"cache_control\":{},\"output_config\":{},\"speed\":\"fast\",\"messages\":[]}"), false);
    }

    @Test
    void aMaxTokensBeyondSixtyFourBitsIsReadByItsValueNotWrapped() throws Exception {
        // 2^64 + 1 and -(2^64) + 1 both wrap to 1 in a long.
        assertThat(invalid("{\"model\":\"m\",\"max_tokens\":-18446744073709551615,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
                .isEqualTo("max_tokens: Input should be greater than or equal to 1");
        assertThat(parse("{\"model\":\"m\",\"max_tokens\":18446744073709551617,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .maxTokens()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void toolDefinitionsAndTheToolPromptAreCounted() throws Exception {
        MessageRequest plain = parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather?\"}]}");
        MessageRequest tools = parse("{\"model\":\"m\",\"max_tokens\":5,\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather now\","
                + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather?\"}]}");
        assertThat(tools.inputTokens() - plain.inputTokens()).isGreaterThan(MessageRequest.TOOL_PROMPT_TOKENS + 10);
    }

    @Test
    void cacheBreakpointsMarkThePrefixAndItsHashIgnoresWhatFollows() throws Exception {
        String system = "{\"type\":\"text\",\"text\":\"" + "rules ".repeat(1500) + "\",\"cache_control\":{\"type\":\"ephemeral\"}}";
        MessageRequest a = parse("{\"model\":\"m\",\"max_tokens\":5,\"system\":[" + system + "],\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}");
        MessageRequest b = parse("{\"model\":\"m\",\"max_tokens\":5,\"system\":[" + system + "],\"messages\":[{\"role\":\"user\",\"content\":\"two more words\"}]}");
        assertThat(a.breakpoints()).hasSize(1);
        assertThat(a.breakpoints().get(0).tokens()).isGreaterThan(1_400);
        assertThat(a.breakpoints().get(0)).isEqualTo(b.breakpoints().get(0));
        assertThat(b.inputTokens()).isGreaterThan(a.inputTokens());
    }

    @Test
    void anImageCostsItsPixelsOver750AfterResizing() throws Exception {
        assertThat(ImageTokens.ofPixels(1000, 1000)).isEqualTo(1334);
        assertThat(ImageTokens.ofPixels(200, 200)).isEqualTo(54);
        assertThat(ImageTokens.ofPixels(4000, 3000)).isBetween(1_500, 1_540);
        String png = Base64.getEncoder().encodeToString(pngHeader(1000, 500));
        JsonNode body = Json.MAPPER.readTree("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\","
                + "\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"" + png + "\"}}]}]}");
        MessageRequest r = MessageRequest.parse(body, false, tokenizer);
        assertThat(r.inputTokens()).isBetween(667, 680);
    }

    @Test
    void aCountTokensBodyNeedsNoMaxTokens() throws Exception {
        MessageRequest r = MessageRequest.parse(Json.MAPPER.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                true, tokenizer);
        assertThat(r.inputTokens()).isPositive();
        assertThatThrownBy(() -> MessageRequest.parse(Json.MAPPER.readTree("[]"), true, tokenizer)).isInstanceOf(MessageRequest.Invalid.class);
    }

    private static byte[] pngHeader(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
        out.writeBytes(ByteBuffer.allocate(8).putInt(width).putInt(height).array());
        out.writeBytes(new byte[] {8, 2, 0, 0, 0, 0, 0, 0, 0});
        return out.toByteArray();
    }
}
