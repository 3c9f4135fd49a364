package dev.pacer.sim.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pacer.sim.FaultProfile;
import dev.pacer.sim.ModelClass;
import dev.pacer.sim.Organizations;
import dev.pacer.sim.SimConfigFile;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The simulator's own endpoints, under {@code /_sim/}: statistics, reset, the clock, and run-time
 * changes to the faults and to any other setting (a {@code sim.yaml} fragment, YAML or JSON). Not
 * counted as API requests, and not rate limited.
 */
final class AdminEndpoint {

    private static final long MAX_BODY = 1 << 20;

    private final Simulator sim;

    AdminEndpoint(Simulator sim) {
        this.sim = sim;
    }

    void handle(Exchange ex, String what) throws IOException {
        switch (ex.method() + " " + what) {
            case "GET stats" -> ex.json(200, sim.stats().toJson(), null);
            case "POST reset" -> {
                sim.reset();
                ex.json(200, Json.object().put("reset", true), null);
            }
            case "GET clock" -> ex.json(200, clock(), null);
            case "GET faults" -> ex.json(200, Json.MAPPER.valueToTree(SimConfigFile.describe(sim.faults())), null);
            case "PUT faults", "POST faults" -> faults(ex);
            case "GET config" -> ex.json(200, config(sim.settings()), null);
            case "PUT config", "POST config" -> config(ex);
            default -> ex.json(404, ApiErrors.notFound("There is no /_sim/" + what + " for " + ex.method()
                    + "; see docs/simulator.md for the admin endpoints (stats, reset, clock, faults, config).", ex.requestId), null);
        }
    }

    private ObjectNode clock() {
        double seconds = sim.clock().seconds();
        ObjectNode c = Json.object();
        c.put("now", sim.clock().at(seconds).toString());
        c.put("scale", sim.clock().scale());
        c.put("start", sim.clock().start().toString());
        c.put("seconds", seconds);
        return c;
    }

    private void faults(Exchange ex) throws IOException {
        String text = body(ex);
        if (text == null) {
            return;
        }
        try {
            FaultProfile f = SimConfigFile.parseFaults("the faults body", text);
            sim.faults(f);
            ex.json(200, Json.MAPPER.valueToTree(SimConfigFile.describe(f)), null);
        } catch (SimConfigFile.Invalid e) {
            ex.json(400, ApiErrors.invalidRequest(e.getMessage(), ex.requestId), null);
        }
    }

    private void config(Exchange ex) throws IOException {
        String text = body(ex);
        if (text == null) {
            return;
        }
        try {
            SimSettings next = SimConfigFile.parse("the config body", text, sim.settings().toBuilder()).build();
            sim.update(next);
            ex.json(200, config(next), null);
        } catch (SimConfigFile.Invalid | IllegalArgumentException e) {
            ex.json(400, ApiErrors.invalidRequest(e.getMessage(), ex.requestId), null);
        }
    }

    private String body(Exchange ex) throws IOException {
        try {
            return new String(ex.body(MAX_BODY), StandardCharsets.UTF_8);
        } catch (Exchange.TooLarge e) {
            ex.json(413, ApiErrors.body("request_too_large", "An admin body is at most 1 MB.", ex.requestId), null);
            return null;
        }
    }

    static ObjectNode config(SimSettings s) {
        ObjectNode c = Json.object();
        c.put("tier", s.limits().tier().id());
        c.put("time-scale", s.time().scale());
        c.put("seed", s.seed());
        c.put("otpm-mode", s.enforcement().otpmMode().id());
        c.put("otpm-overrun", s.enforcement().otpmOverrun().id());
        c.put("burst-ratio", s.enforcement().burstRatio());
        c.put("retry-after-ms", s.protocol().retryAfterMs());
        c.put("x-should-retry", s.protocol().shouldRetryHeader());
        c.put("stream-error-request-id", s.protocol().streamErrorRequestId());
        c.put("rate-limit-headers-on-success", s.protocol().rateLimitHeadersOnSuccess());
        c.put("limit-scope", s.enforcement().scope().id());
        c.put("count-tokens-rpm", s.limits().countTokensRpm());
        c.put("batch-rpm", s.limits().batchRpm());
        c.put("window-seconds", s.diagnostics().windowSeconds());
        c.put("debug", s.diagnostics().debug());
        ObjectNode classes = c.putObject("classes");
        for (ModelClass m : s.limits().classes().values()) {
            ObjectNode o = classes.putObject(m.name());
            o.put("rpm", m.rpm());
            o.put("itpm", m.itpm());
            o.put("otpm", m.otpm());
            o.put("count-cache-reads", m.countCacheReads());
            if (m.capsOutput()) {
                o.put("max-output-tokens", m.maxOutputTokens());
            } else {
                o.putNull("max-output-tokens");
            }
        }
        ObjectNode models = c.putObject("models");
        s.limits().models().models().forEach(id -> models.put(id, s.limits().models().classOf(id)));
        if (s.limits().models().defaultClass() != null) {
            c.put("default-class", s.limits().models().defaultClass());
        }
        c.set("faults", Json.MAPPER.valueToTree(SimConfigFile.describe(s.faults())));
        c.put("identity-headers-on-errors", s.protocol().identityHeadersOnErrors());
        c.set("organizations", organizations(s.organizations()));
        return c;
    }

    /** The organizations as {@code sim.yaml} gives them, but with each key as its fingerprint ({@code key-ids}): a key is never shown. */
    private static ObjectNode organizations(Organizations orgs) {
        ObjectNode out = Json.object();
        for (Organizations.Organization o : orgs.list()) {
            ObjectNode org = out.putObject(o.name());
            org.put("id", o.id());
            org.put("default-workspace-id", o.defaultWorkspaceId());
            keyIds(org, o.keys());
            ObjectNode workspaces = org.putObject("workspaces");
            for (Organizations.Workspace w : o.workspaces().values()) {
                ObjectNode ws = workspaces.putObject(w.name());
                ws.put("id", w.id());
                keyIds(ws, w.keys());
                limits(ws.putObject("limits"), w.all());
                ObjectNode classes = ws.putObject("classes");
                w.perClass().forEach((name, l) -> limits(classes.putObject(name), l));
            }
        }
        return out;
    }

    private static void keyIds(ObjectNode out, java.util.Set<String> keys) {
        var ids = out.putArray("key-ids");
        keys.stream().map(SimStats::keyId).sorted().forEach(ids::add);
    }

    private static void limits(ObjectNode out, Organizations.WorkspaceLimits l) {
        if (l.rpm() > 0) {
            out.put("rpm", l.rpm());
        }
        if (l.itpm() > 0) {
            out.put("itpm", l.itpm());
        }
        if (l.otpm() > 0) {
            out.put("otpm", l.otpm());
        }
    }
}
