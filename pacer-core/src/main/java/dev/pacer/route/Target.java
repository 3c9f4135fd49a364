package dev.pacer.route;

import dev.pacer.quota.QuotaKey;
import dev.pacer.spi.QuotaModel;
import java.util.Objects;

/**
 * One place a call can go: a provider's model, with the credentials (by reference) and the
 * quota pool it draws from.
 *
 * @param provider       e.g. {@code anthropic}
 * @param model          e.g. {@code claude-sonnet-4-5}
 * @param credentialsRef the <em>name</em> of the credentials to use (e.g. {@code default}); never a secret
 * @param quotaKey       the quota pool this target draws from
 * @param quotaModel     how the provider counts that pool (the first target to use a key decides it)
 */
public record Target(String provider, String model, String credentialsRef, QuotaKey quotaKey, QuotaModel quotaModel) {

    public Target {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(quotaKey, "quotaKey");
        credentialsRef = credentialsRef == null ? "default" : credentialsRef;
        quotaModel = quotaModel == null ? QuotaModel.perMinute() : quotaModel;
    }

    /** A target with the default credentials and the {@link QuotaModel#perMinute() per-minute} model. */
    public static Target of(String provider, String model, QuotaKey quotaKey) {
        return new Target(provider, model, "default", quotaKey, QuotaModel.perMinute());
    }

    /** A target with the default credentials, counted by {@code quotaModel}. */
    public static Target of(String provider, String model, QuotaKey quotaKey, QuotaModel quotaModel) {
        return new Target(provider, model, "default", quotaKey, quotaModel);
    }

    /**
     * Targets are equal when provider, model, credentials and quota key are: the quota model is how the
     * key is counted, not which target it is (a breaker looked up by {@code Target.of(p, m, key)} is the
     * engine's, whatever model the call's target carried).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Target t && provider.equals(t.provider) && model.equals(t.model)
                && credentialsRef.equals(t.credentialsRef) && quotaKey.equals(t.quotaKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(provider, model, credentialsRef, quotaKey);
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
