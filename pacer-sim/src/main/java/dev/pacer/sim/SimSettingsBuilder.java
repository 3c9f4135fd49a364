package dev.pacer.sim;

import dev.pacer.sim.SimSettings.Acceleration;
import dev.pacer.sim.SimSettings.Batches;
import dev.pacer.sim.SimSettings.Diagnostics;
import dev.pacer.sim.SimSettings.Enforcement;
import dev.pacer.sim.SimSettings.Latency;
import dev.pacer.sim.SimSettings.Limits;
import dev.pacer.sim.SimSettings.OutputLength;
import dev.pacer.sim.SimSettings.Protocol;
import dev.pacer.sim.SimSettings.SpendCap;
import dev.pacer.sim.SimSettings.Time;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds {@link SimSettings}: Tier 1, time scale 1, seed 42, no faults, unless told otherwise.
 * Each setter makes its group at once, so a bad value fails at that call with the group's
 * sentence (naming the setting and what is allowed); {@link #build()} has nothing left to check.
 */
public final class SimSettingsBuilder {
    private Limits limits;
    private Enforcement enforcement;
    private SpendCap spendCap;
    private Acceleration acceleration;
    private Time time;
    private long seed;
    private Latency latency;
    private OutputLength output;
    private FaultProfile faults;
    private Batches batches;
    private Protocol protocol;
    private Set<String> apiKeys;
    private Diagnostics diagnostics;
    private Organizations organizations;
    private ChatSimSettings chat;

    SimSettingsBuilder() {
        this(new SimSettings(Limits.of(Tier.TIER_1), Enforcement.DEFAULT, SpendCap.OFF, Acceleration.OFF, Time.REAL, 42,
                Latency.DEFAULT, OutputLength.DEFAULT, FaultProfile.NONE,
                new Batches(600, 86_400, 29 * 86_400, Tier.TIER_1.batchQueueLimit()), Protocol.DEFAULT, Set.of(), Diagnostics.DEFAULT,
                Organizations.NONE, ChatSimSettings.DEFAULT));
    }

    SimSettingsBuilder(SimSettings s) {
        limits = s.limits();
        enforcement = s.enforcement();
        spendCap = s.spendCap();
        acceleration = s.acceleration();
        time = s.time();
        seed = s.seed();
        latency = s.latency();
        output = s.output();
        faults = s.faults();
        batches = s.batches();
        protocol = s.protocol();
        apiKeys = s.apiKeys();
        diagnostics = s.diagnostics();
        organizations = s.organizations();
        chat = s.chat();
    }

    /** The OpenAI side: models and limits of {@code POST /v1/chat/completions}, its budget and faults. */
    public SimSettingsBuilder chat(ChatSimSettings settings) {
        this.chat = java.util.Objects.requireNonNull(settings, "openai");
        return this;
    }

    ChatSimSettings chat() {
        return chat;
    }

    /** Limits from a preset (see {@link Limits#withTier}), and its batch queue. Classes the preset does not know keep theirs. */
    public SimSettingsBuilder tier(Tier t) {
        limits = limits.withTier(t);
        batches = batches.withQueueLimit(t.batchQueueLimit());
        return this;
    }

    /** The same RPM, ITPM and OTPM for every model class. */
    public SimSettingsBuilder limits(long rpm, long itpm, long otpm) {
        Map<String, ModelClass> next = new LinkedHashMap<>(limits.classes());
        next.replaceAll((name, c) -> c.withLimits(rpm, itpm, otpm));
        limits = limits.withClasses(next);
        return this;
    }

    /** The limits of one class (added when new). */
    public SimSettingsBuilder modelClass(ModelClass c) {
        Map<String, ModelClass> next = new LinkedHashMap<>(limits.classes());
        next.put(c.name(), c);
        limits = limits.withClasses(next);
        return this;
    }

    /** The model table; every class it names must have limits already. */
    public SimSettingsBuilder models(ModelTable table) {
        limits = new Limits(limits.tier(), limits.classes(), table, limits.countTokensRpm(), limits.batchRpm());
        return this;
    }

    /** count_tokens requests per minute. */
    public SimSettingsBuilder countTokensRpm(long rpm) {
        limits = new Limits(limits.tier(), limits.classes(), limits.models(), rpm, limits.batchRpm());
        return this;
    }

    /** Requests per minute over all batch endpoints. */
    public SimSettingsBuilder batchRpm(long rpm) {
        limits = new Limits(limits.tier(), limits.classes(), limits.models(), limits.countTokensRpm(), rpm);
        return this;
    }

    /** Bucket capacity as a share of the per-minute limit. */
    public SimSettingsBuilder burstRatio(double ratio) {
        enforcement = new Enforcement(ratio, enforcement.otpmMode(), enforcement.otpmOverrun(), enforcement.scope());
        return this;
    }

    /** How output tokens count. */
    public SimSettingsBuilder otpmMode(OtpmMode mode) {
        enforcement = new Enforcement(enforcement.burstRatio(), mode, enforcement.otpmOverrun(), enforcement.scope());
        return this;
    }

    /** What a generation that empties the output bucket does. */
    public SimSettingsBuilder otpmOverrun(OtpmOverrun overrun) {
        enforcement = new Enforcement(enforcement.burstRatio(), enforcement.otpmMode(), overrun, enforcement.scope());
        return this;
    }

    /**
     * Where a key that no organization lists belongs: an organization of its own ({@link LimitScope#KEY}, the default), or one
     * organization shared by every such key ({@link LimitScope#ORGANIZATION}).
     */
    public SimSettingsBuilder limitScope(LimitScope scope) {
        enforcement = new Enforcement(enforcement.burstRatio(), enforcement.otpmMode(), enforcement.otpmOverrun(), scope);
        return this;
    }

    /** Every Messages request hits the spend cap (true), or none (false). */
    public SimSettingsBuilder spendCap(boolean on) {
        return spendCap(new SpendCap(on, 0));
    }

    /** The spend cap. */
    public SimSettingsBuilder spendCap(SpendCap cap) {
        spendCap = Objects.requireNonNull(cap, "spend-cap");
        return this;
    }

    /** The acceleration limiter with its current windows. */
    public SimSettingsBuilder acceleration(boolean on, double factor, boolean legacy529) {
        return acceleration(new Acceleration(on, factor, acceleration.windowSeconds(), acceleration.baselineSeconds(),
                acceleration.floor(), legacy529));
    }

    /** The acceleration limiter. */
    public SimSettingsBuilder acceleration(Acceleration a) {
        acceleration = Objects.requireNonNull(a, "acceleration");
        return this;
    }

    /** Simulated seconds per wall-clock second. */
    public SimSettingsBuilder timeScale(double scale) {
        time = new Time(scale, time.start());
        return this;
    }

    /** The simulated instant at start (default: the wall-clock instant). */
    public SimSettingsBuilder clockStart(Instant start) {
        time = new Time(time.scale(), start);
        return this;
    }

    /** The seed. */
    public SimSettingsBuilder seed(long s) {
        seed = s;
        return this;
    }

    /** The latency model (simulated seconds, tokens per simulated second, relative jitter). */
    public SimSettingsBuilder latency(double ttftSeconds, double tokensPerSecond, double jitter) {
        latency = new Latency(ttftSeconds, tokensPerSecond, jitter);
        return this;
    }

    /** The output length distribution (log-normal, bounded by max_tokens). */
    public SimSettingsBuilder outputLength(int median, double sigma) {
        output = new OutputLength(median, sigma);
        return this;
    }

    /** Injected failures. */
    public SimSettingsBuilder faults(FaultProfile f) {
        faults = Objects.requireNonNull(f, "faults");
        return this;
    }

    /** Batch processing time (simulated seconds) and queue limit; expiry and retention unchanged. */
    public SimSettingsBuilder batches(double processingSeconds, long queueLimit) {
        return batches(new Batches(processingSeconds, batches.expirySeconds(), batches.retentionSeconds(), queueLimit));
    }

    /** Message Batches processing. */
    public SimSettingsBuilder batches(Batches b) {
        batches = Objects.requireNonNull(b, "batches");
        return this;
    }

    /** Also send {@code retry-after-ms} (wall-clock milliseconds). */
    public SimSettingsBuilder retryAfterMs(boolean on) {
        protocol = new Protocol(on, protocol.shouldRetryHeader(), protocol.rateLimitHeadersOnSuccess(), protocol.streamErrorRequestId(), protocol.identityHeadersOnErrors());
        return this;
    }

    /** Send {@code x-should-retry: true} on rate-limit 429s (default), or no such header. */
    public SimSettingsBuilder shouldRetryHeader(boolean on) {
        protocol = new Protocol(protocol.retryAfterMs(), on, protocol.rateLimitHeadersOnSuccess(), protocol.streamErrorRequestId(), protocol.identityHeadersOnErrors());
        return this;
    }

    /** Send the {@code anthropic-ratelimit-*} headers on 200 responses (default), or on 429s only. */
    public SimSettingsBuilder rateLimitHeadersOnSuccess(boolean on) {
        protocol = new Protocol(protocol.retryAfterMs(), protocol.shouldRetryHeader(), on, protocol.streamErrorRequestId(), protocol.identityHeadersOnErrors());
        return this;
    }

    /** Put {@code request_id} in a mid-stream {@code event: error}'s data (default: not, as the documented example). */
    public SimSettingsBuilder streamErrorRequestId(boolean on) {
        protocol = new Protocol(protocol.retryAfterMs(), protocol.shouldRetryHeader(), protocol.rateLimitHeadersOnSuccess(), on, protocol.identityHeadersOnErrors());
        return this;
    }

    /** Send the organization and workspace headers on error answers too (default), or on 2xx only. */
    public SimSettingsBuilder identityHeadersOnErrors(boolean on) {
        protocol = new Protocol(protocol.retryAfterMs(), protocol.shouldRetryHeader(), protocol.rateLimitHeadersOnSuccess(),
                protocol.streamErrorRequestId(), on);
        return this;
    }

    /** Which organization and workspace each listed key belongs to (see {@link Organizations}). */
    public SimSettingsBuilder organizations(Organizations orgs) {
        organizations = Objects.requireNonNull(orgs, "organizations");
        return this;
    }

    /** Accepted API keys (empty: any). */
    public SimSettingsBuilder apiKeys(Set<String> keys) {
        apiKeys = Set.copyOf(keys);
        return this;
    }

    /** The statistics window (simulated seconds). */
    public SimSettingsBuilder windowSeconds(double seconds) {
        diagnostics = new Diagnostics(seconds, diagnostics.debug());
        return this;
    }

    /** Print the stack trace of an internal error on stderr (default: its one line only). */
    public SimSettingsBuilder debug(boolean on) {
        diagnostics = new Diagnostics(diagnostics.windowSeconds(), on);
        return this;
    }

    Limits limits() {
        return limits;
    }

    Latency latency() {
        return latency;
    }

    OutputLength output() {
        return output;
    }

    Acceleration acceleration() {
        return acceleration;
    }

    Batches batches() {
        return batches;
    }

    /** The settings. */
    public SimSettings build() {
        return new SimSettings(limits, enforcement, spendCap, acceleration, time, seed, latency, output, faults, batches, protocol,
                apiKeys, diagnostics, organizations, chat);
    }
}
