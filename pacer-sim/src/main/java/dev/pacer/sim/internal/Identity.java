package dev.pacer.sim.internal;

import dev.pacer.sim.LimitScope;
import dev.pacer.sim.Organizations;
import dev.pacer.sim.SimSettings;
import dev.pacer.sim.SimStats;

/**
 * Whose limits a key draws on, and what the identity headers say about it: its organization (the
 * owner of the buckets every key of the organization shares, the batch queue and the acceleration
 * limiter) and its workspace (the owner of a second set of buckets when the workspace narrows a
 * limit). A request must fit both.
 *
 * @param organization the owner id of the organization's pools: a key's fingerprint (an organization of its own),
 *                     {@link SimStats#ORGANIZATION} (every unlisted key's) or {@code org:<name>}
 * @param organizationId  {@code anthropic-organization-id}
 * @param workspace    the owner id of the workspace's pools ({@code ws:<organization>/<name>}), or null in a default workspace
 * @param workspaceId  {@code anthropic-workspace-id}
 * @param limits       the workspace's figures (null in a default workspace)
 */
record Identity(String organization, String organizationId, String workspace, String workspaceId, Organizations.Workspace limits) {

    /** The identity of {@code apiKey} under {@code settings}. */
    static Identity of(String apiKey, SimSettings settings) {
        Organizations.Membership m = settings.organizations().of(apiKey);
        if (m != null) {
            Organizations.Organization o = m.organization();
            Organizations.Workspace w = m.workspace();
            return w == null
                    ? new Identity("org:" + o.name(), o.id(), null, o.defaultWorkspaceId(), null)
                    : new Identity("org:" + o.name(), o.id(), "ws:" + o.name() + "/" + w.name(), w.id(), w);
        }
        if (settings.enforcement().scope() == LimitScope.ORGANIZATION) {
            return new Identity(SimStats.ORGANIZATION, ApiErrors.ORGANIZATION_ID, null, Organizations.workspaceId("organization/default"), null);
        }
        String keyId = SimStats.keyId(apiKey);
        return new Identity(keyId, Organizations.organizationId("key " + apiKey), null, Organizations.workspaceId("key " + apiKey), null);
    }
}
