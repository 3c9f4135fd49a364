package dev.pacer.sim.internal;

import dev.pacer.sim.OtpmMode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The limits one request draws on: its organization's pool and, when the key's workspace narrows a
 * limit of the class, the workspace's pool too. A request must fit both, as at the API: admission
 * checks both and charges both or neither, holding the organization's lock and then the workspace's
 * (always in that order, so two requests cannot deadlock); output is charged to both as it is
 * generated. The rate-limit headers describe, per dimension, whichever of the two has less left
 * (the limit that binds now), so a client calibrating from them aims at the tighter one.
 */
final class Limiter {

    private static final String[] GROUPS = {"requests", "tokens", "input-tokens", "output-tokens"};

    final Pool organization;
    /** The workspace's pool, or null when the workspace does not narrow this class's limits. */
    final Pool workspace;
    final Identity identity;

    Limiter(Pool organization, Pool workspace, Identity identity) {
        this.organization = organization;
        this.workspace = workspace;
        this.identity = identity;
    }

    Admission admit(double now, long inputTokens, int maxTokens, OtpmMode mode) {
        if (workspace == null) {
            return organization.admit(now, inputTokens, maxTokens, mode);
        }
        synchronized (organization) {
            synchronized (workspace) {
                Admission refused = organization.check(now, inputTokens, maxTokens, mode);
                if (refused != null) {
                    return refused;
                }
                refused = workspace.check(now, inputTokens, maxTokens, mode);
                if (refused != null) {
                    return refused.inWorkspace();
                }
                organization.charge(now, inputTokens, maxTokens, mode);
                return workspace.charge(now, inputTokens, maxTokens, mode);
            }
        }
    }

    boolean generated(double now, long tokens, boolean cut) {
        if (workspace == null) {
            return organization.generated(now, tokens, cut);
        }
        synchronized (organization) {
            synchronized (workspace) {
                if (cut && !(organization.hasOutput(now, tokens) && workspace.hasOutput(now, tokens))) {
                    return false;
                }
                organization.generated(now, tokens, false);
                workspace.generated(now, tokens, false);
                return true;
            }
        }
    }

    void cut(double now, long demand) {
        organization.cut(now, demand);
        if (workspace != null) {
            workspace.cut(now, demand);
        }
    }

    void settle(double now, Admission admission, long actual) {
        organization.settle(now, admission, actual);
        if (workspace != null) {
            workspace.settle(now, admission, actual);
        }
    }

    double outputWait(double now) {
        double wait = organization.outputWait(now);
        return workspace == null ? wait : Math.max(wait, workspace.outputWait(now));
    }

    /** The output limit that binds: the workspace's when it is lower. */
    long otpm() {
        return workspace == null ? organization.otpm() : Math.min(organization.otpm(), workspace.otpm());
    }

    void overloaded() {
        organization.overloaded();
    }

    void serverError() {
        organization.serverError();
    }

    /** The 429 message's "for your ..." part for a refusal. */
    String scopeWords(Admission refused) {
        return refused.workspace() ? "workspace (" + identity.workspaceId() + ")" : "organization (" + identity.organizationId() + ")";
    }

    Map<String, String> headers(double now, Instant at) {
        Map<String, String> org = organization.headers(now, at);
        if (workspace == null) {
            return org;
        }
        Map<String, String> ws = workspace.headers(now, at);
        Map<String, String> out = new LinkedHashMap<>();
        for (String g : GROUPS) {
            String prefix = "anthropic-ratelimit-" + g + "-";
            if (!org.containsKey(prefix + "limit")) {
                continue;
            }
            Map<String, String> from = tighter(ws, org, prefix) ? ws : org;
            for (String part : new String[] {"limit", "remaining", "reset"}) {
                out.put(prefix + part, from.get(prefix + part));
            }
        }
        return out;
    }

    /** Whether {@code a} has less left than {@code b} in a group (or as much, under a lower limit). */
    private static boolean tighter(Map<String, String> a, Map<String, String> b, String prefix) {
        long ar = Long.parseLong(a.get(prefix + "remaining"));
        long br = Long.parseLong(b.get(prefix + "remaining"));
        return ar < br || (ar == br && Long.parseLong(a.get(prefix + "limit")) < Long.parseLong(b.get(prefix + "limit")));
    }
}
