package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.SimServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Bodies the API refuses are refused over HTTP with its status, type and a message naming the field. */
class ValidationTest {

    private static void refused(HttpResponse<String> r, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(r).path("error").path("message").asText()).isEqualTo(message);
    }

    @Test
    void countTokensRefusesAWholeMessagesBodyButTheBetaVariantTakesItsOwnFields() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            Client c = new Client(sim, "sk-count-extra");
            String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
            refused(c.post("/v1/messages/count_tokens", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":10," + messages + "}"),
                    "max_tokens: Extra inputs are not permitted");
            refused(c.post("/v1/messages/count_tokens", "{\"model\":\"claude-sonnet-4-5\",\"stream\":true," + messages + "}"),
                    "stream: Extra inputs are not permitted");
            String beta = "{\"model\":\"claude-sonnet-4-5\",\"context_management\":{\"edits\":[]}," + messages + "}";
            refused(c.post("/v1/messages/count_tokens", beta), "context_management: Extra inputs are not permitted");
            assertThat(c.post("/v1/messages/count_tokens?beta=true", beta).statusCode()).isEqualTo(200);
            refused(c.post("/v1/messages/count_tokens", "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":[]}]}"),
                    "messages.0: all messages must have non-empty content except for the optional final assistant message");
        }
    }

    @Test
    void messagesRefuseEmptyContentAndMetadataOrThinkingThatAreNotObjects() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            Client c = new Client(sim, "sk-messages-shape");
            refused(c.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}"),
                    "messages.0: all messages must have non-empty content except for the optional final assistant message");
            refused(c.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"metadata\":\"u-1\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "metadata: Input should be a valid dictionary");
            refused(c.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"thinking\":1,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "thinking: Input should be a valid dictionary");
        }
    }

    @Test
    void aBatchWhoseRequestsAreNotAListIsToldSo() throws Exception {
        try (SimServer sim = SimServer.builder().start()) {
            Client c = new Client(sim, "sk-batch-shape");
            refused(c.post("/v1/messages/batches", "{\"requests\":{\"custom_id\":\"a\"}}"), "requests: Input should be a valid list");
            refused(c.post("/v1/messages/batches", "{\"requests\":\"a\"}"), "requests: Input should be a valid list");
            refused(c.post("/v1/messages/batches", "{}"), "requests: Field required");
            refused(c.post("/v1/messages/batches", "{\"requests\":null}"), "requests: Field required");
        }
    }
}
