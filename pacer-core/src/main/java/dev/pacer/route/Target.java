package dev.pacer.route;

import dev.pacer.quota.QuotaKey;
import java.util.Objects;

/**
 * One place a call can go: a provider's model, with the credentials (by reference) and the
 * quota pool it draws from.
 *
 * @param provider       e.g. {@code anthropic}
 * @param model          e.g. {@code claude-sonnet-4-5}
 * @param credentialsRef the <em>name</em> of the credentials to use (e.g. {@code default}); never a secret
 * @param quotaKey       the quota pool this target draws from
 */
public record Target(String provider, String model, String credentialsRef, QuotaKey quotaKey) {

    public Target {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(quotaKey, "quotaKey");
        credentialsRef = credentialsRef == null ? "default" : credentialsRef;
    }

    /** A target with the default credentials. */
    public static Target of(String provider, String model, QuotaKey quotaKey) {
        return new Target(provider, model, "default", quotaKey);
    }

    /** {@code provider/model}, for messages and events. */
    public String name() {
        return provider + "/" + model;
    }

    @Override
    public String toString() {
        return name();
    }
}
