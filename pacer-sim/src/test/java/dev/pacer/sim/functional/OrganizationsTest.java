package dev.pacer.sim.functional;

import static dev.pacer.sim.functional.Client.json;
import static dev.pacer.sim.functional.Client.message;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pacer.sim.LimitScope;
import dev.pacer.sim.SimConfigFile;
import dev.pacer.sim.SimServer;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Keys of one organization share its limits, a workspace narrows them, and every answer says whose
 * limits it counted against ({@code anthropic-organization-id}, {@code anthropic-workspace-id}).
 */
class OrganizationsTest {

    private static final String YAML = """
            limits: {rpm: 5, itpm: 30000, otpm: 8000}
            organizations:
              acme:
                id: 11111111-2222-4333-a444-555555555555
                keys: [sk-acme-a, sk-acme-b]
                workspaces:
                  research:
                    id: wrkspc_research
                    keys: [sk-acme-research]
                    limits: {rpm: 2}
              other:
                keys: [sk-other]
            """;

    private static SimServer start(String yaml) throws Exception {
        SimSettings settings = SimConfigFile.parse("sim.yaml", yaml, SimSettings.builder().latency(0, 1e6, 0)).build();
        return SimServer.builder().settings(settings).start();
    }

    private static HttpResponse<String> send(SimServer sim, String key) throws Exception {
        return new Client(sim, key).post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString());
    }

    @Test
    void twoKeysOfOneOrganizationShareOneQuota() throws Exception {
        try (SimServer sim = start(YAML)) {
            for (int i = 0; i < 5; i++) {
                assertThat(send(sim, "sk-acme-a").statusCode()).as("request %d of the first key", i + 1).isEqualTo(200);
            }
            HttpResponse<String> second = send(sim, "sk-acme-b");
            assertThat(second.statusCode()).as("the first key spent the organization's 5 requests").isEqualTo(429);
            assertThat(json(second).path("error").path("message").asText())
                    .contains("for your organization (11111111-2222-4333-a444-555555555555) of 5 requests per minute");
            assertThat(second.headers().firstValue("anthropic-organization-id")).contains("11111111-2222-4333-a444-555555555555");
            assertThat(second.headers().firstValue("anthropic-ratelimit-requests-remaining")).contains("0");
            assertThat(send(sim, "sk-other").statusCode()).as("another organization has its own limits").isEqualTo(200);
            SimStats stats = sim.snapshot();
            assertThat(stats.organizationPool("acme", "sonnet-4").requests().admitted()).isEqualTo(5);
            assertThat(stats.organizationPool("acme", "sonnet-4").requests().rateLimited()).isEqualTo(1);
            assertThat(stats.pool("sk-acme-a", "sonnet-4")).as("no pool of the key's own").isNull();
            assertThat(stats.maxWindowOveradmission()).isZero();
        }
    }

    @Test
    void aRequestMustFitItsWorkspaceAndItsOrganization() throws Exception {
        try (SimServer sim = start(YAML)) {
            HttpResponse<String> first = send(sim, "sk-acme-research");
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("anthropic-workspace-id")).contains("wrkspc_research");
            assertThat(first.headers().firstValue("anthropic-ratelimit-requests-limit")).as("the workspace's limit binds").contains("2");
            assertThat(send(sim, "sk-acme-research").statusCode()).isEqualTo(200);
            HttpResponse<String> third = send(sim, "sk-acme-research");
            assertThat(third.statusCode()).as("the workspace allows 2 of the organization's 5").isEqualTo(429);
            assertThat(json(third).path("error").path("message").asText()).contains("for your workspace (wrkspc_research) of 2 requests per minute");
            assertThat(third.headers().firstValue("retry-after")).isPresent();
            // The workspace's requests count against the organization: 3 are left for its other keys.
            for (int i = 0; i < 3; i++) {
                assertThat(send(sim, "sk-acme-a").statusCode()).isEqualTo(200);
            }
            HttpResponse<String> over = send(sim, "sk-acme-a");
            assertThat(over.statusCode()).isEqualTo(429);
            assertThat(json(over).path("error").path("message").asText()).contains("organization");
            SimStats stats = sim.snapshot();
            assertThat(stats.workspacePool("acme", "research", "sonnet-4").requests().admitted()).isEqualTo(2);
            assertThat(stats.organizationPool("acme", "sonnet-4").requests().admitted()).isEqualTo(5);
            assertThat(stats.maxWindowOveradmission()).isZero();
        }
    }

    @Test
    void aWorkspaceRequestIsRefusedWhenItsOrganizationIsSpent() throws Exception {
        try (SimServer sim = start(YAML.replace("limits: {rpm: 2}", "limits: {rpm: 4}"))) {
            for (int i = 0; i < 5; i++) {
                assertThat(send(sim, "sk-acme-a").statusCode()).isEqualTo(200);
            }
            HttpResponse<String> r = send(sim, "sk-acme-research");
            assertThat(r.statusCode()).as("the workspace has room, its organization has none").isEqualTo(429);
            assertThat(json(r).path("error").path("message").asText()).contains("for your organization (11111111-2222-4333-a444-555555555555)");
            assertThat(r.headers().firstValue("anthropic-ratelimit-requests-remaining")).as("the tighter of the two").contains("0");
            assertThat(sim.snapshot().workspacePool("acme", "research", "sonnet-4").requests().admitted()).isZero();
        }
    }

    @Test
    void everyAnswerOfAKnownKeyNamesItsOrganizationAndWorkspace() throws Exception {
        try (SimServer sim = start(YAML)) {
            HttpResponse<String> ok = send(sim, "sk-acme-a");
            String defaultWorkspace = ok.headers().firstValue("anthropic-workspace-id").orElseThrow();
            assertThat(defaultWorkspace).startsWith("wrkspc_").isNotEqualTo("wrkspc_research");
            HttpResponse<String> bad = new Client(sim, "sk-acme-b").post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.headers().firstValue("anthropic-organization-id")).contains("11111111-2222-4333-a444-555555555555");
            assertThat(bad.headers().firstValue("anthropic-workspace-id")).contains(defaultWorkspace);
            HttpResponse<String> noKey = new Client(sim, null).post("/v1/messages", message("claude-sonnet-4-5", 5, 2, false, 0).toString());
            assertThat(noKey.statusCode()).isEqualTo(401);
            assertThat(noKey.headers().firstValue("anthropic-organization-id")).as("no key, no organization").isEmpty();
            HttpResponse<String> count = new Client(sim, "sk-acme-research").post("/v1/messages/count_tokens",
                    "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(count.headers().firstValue("anthropic-workspace-id")).contains("wrkspc_research");
        }
        try (SimServer sim = start(YAML + "identity-headers-on-errors: false\n")) {
            HttpResponse<String> bad = new Client(sim, "sk-acme-b").post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.headers().firstValue("anthropic-organization-id")).isEmpty();
            assertThat(send(sim, "sk-acme-b").headers().firstValue("anthropic-organization-id")).isPresent();
        }
    }

    @Test
    void keysNoOrganizationListsArePlacedByTheLimitScope() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start()) {
            String a = send(sim, "sk-unlisted-a").headers().firstValue("anthropic-organization-id").orElseThrow();
            String b = send(sim, "sk-unlisted-b").headers().firstValue("anthropic-organization-id").orElseThrow();
            assertThat(a).as("by default each key is an organization of its own").isNotEqualTo(b)
                    .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}");
            assertThat(send(sim, "sk-unlisted-a").headers().firstValue("anthropic-organization-id")).contains(a);
        }
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0).limitScope(LimitScope.ORGANIZATION)).start()) {
            String a = send(sim, "sk-unlisted-a").headers().firstValue("anthropic-organization-id").orElseThrow();
            assertThat(send(sim, "sk-unlisted-b").headers().firstValue("anthropic-organization-id")).contains(a);
        }
    }

    @Test
    void keysOfOrganizationsAreAcceptedBesideTheApiKeysList() throws Exception {
        try (SimServer sim = start(YAML + "api-keys: [sk-listed]\n")) {
            assertThat(send(sim, "sk-listed").statusCode()).isEqualTo(200);
            assertThat(send(sim, "sk-acme-b").statusCode()).isEqualTo(200);
            assertThat(send(sim, "sk-stranger").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void organizationsCanBeGivenAtRunTimeAndAreShownWithoutTheirKeys() throws Exception {
        try (SimServer sim = SimServer.builder().configure(s -> s.latency(0, 1e6, 0)).start()) {
            Client admin = new Client(sim, null);
            HttpResponse<String> put = admin.send(admin.request("/_sim/config").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                    "limits: {rpm: 1, itpm: 30000, otpm: 8000}\norganizations: {acme: {keys: [sk-run-x, sk-run-y]}}\n")));
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(send(sim, "sk-run-x").statusCode()).isEqualTo(200);
            assertThat(send(sim, "sk-run-y").statusCode()).as("one organization: its one request is spent").isEqualTo(429);
            String shown = admin.get("/_sim/config").body();
            assertThat(shown).doesNotContain("sk-run-x").contains(SimStats.keyId("sk-run-x")).contains("\"acme\"");
        }
    }
}
