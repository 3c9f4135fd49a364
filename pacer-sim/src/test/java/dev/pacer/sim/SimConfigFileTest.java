package dev.pacer.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sim.yaml mistakes: one sentence naming the file, the line, the setting and what is allowed. */
class SimConfigFileTest {

    private static String mistake(String yaml) {
        SimConfigFile.Invalid e = catchThrowableOfType(SimConfigFile.Invalid.class,
                () -> SimConfigFile.parse("sim.yaml", yaml, SimSettings.builder()).build());
        assertThat(e).as("expected a mistake in: " + yaml).isNotNull();
        return e.getMessage();
    }

    @Test
    void aModelDrawingOnAClassWithoutLimitsIsNamedWithItsLine() {
        assertThat(mistake("seed: 1\nmodels: {my-alias: sonet-4}\n")).startsWith("sim.yaml line 2: models.my-alias draws on model "
                + "class 'sonet-4', which has no limits; use one of fable-5, ").endsWith(", sonnet-5-5, or add it under classes.");
        assertThat(mistake("default-class: nope")).startsWith("sim.yaml line 1: default-class draws on model class 'nope'");
    }

    @Test
    void aClassDefinedInTheSameFileCanBeUsedByItsModels() throws Exception {
        SimSettings s = SimConfigFile.parse("sim.yaml", "models: {my-model: mine}\nclasses: {mine: {rpm: 3, itpm: 300, otpm: 30}}\n",
                SimSettings.builder()).build();
        assertThat(s.limits().models().classOf("my-model")).isEqualTo("mine");
        assertThat(s.limits().classes().get("mine").rpm()).isEqualTo(3);
    }

    @Test
    void numbersMustBeFinite() {
        assertThat(mistake("latency: {ttft: Infinity}")).isEqualTo("sim.yaml line 1: latency.ttft must be a finite number, not 'Infinity'.");
        assertThat(mistake("window-seconds: NaN")).isEqualTo("sim.yaml line 1: window-seconds must be a finite number, not 'NaN'.");
        assertThat(mistake("faults:\n  stall-seconds: 1e999")).isEqualTo("sim.yaml line 2: faults.stall-seconds must be a finite number, not '1e999'.");
    }

    @Test
    void theUndocumentedBehavioursAreSettingsCheckedLikeTheOthers() throws Exception {
        SimSettings s = SimConfigFile.parse("sim.yaml", "x-should-retry: false\nfaults: {retry-after: 30, mid-stream-error-type: rate_limit_error}\n",
                SimSettings.builder()).build();
        assertThat(s.protocol().shouldRetryHeader()).isFalse();
        assertThat(s.faults().retryAfterSeconds()).isEqualTo(30);
        assertThat(s.faults().midStreamErrorType()).isEqualTo("rate_limit_error");
        assertThat(SimSettings.builder().build().protocol().shouldRetryHeader()).isTrue();
        assertThat(mistake("faults:\n  mid-stream-error-type: boom")).isEqualTo("sim.yaml line 2: faults.mid-stream-error-type must be one "
                + "of overloaded_error, api_error, rate_limit_error, not 'boom'.");
        assertThat(mistake("faults: {retry-after: 100000}")).isEqualTo("sim.yaml line 1: faults.retry-after must be between 0 (none) and "
                + "86400 seconds, not 100000.0.");
    }

    @Test
    void aMaximumOutputIsSetPerClassKeepsTheTiersLimitsAndSurvivesATier() throws Exception {
        SimSettingsBuilder b = SimConfigFile.parse("sim.yaml", "classes:\n  sonnet-4: {max-output-tokens: 64_000}\n"
                + "  haiku-4-5: {max-output-tokens: none}\n  mine: {rpm: 3, itpm: 300, otpm: 30}\n", SimSettings.builder());
        SimSettings s = b.build();
        assertThat(s.limits().classes().get("sonnet-4")).isEqualTo(new ModelClass("sonnet-4", 50, 30_000, 8_000, false, 64_000));
        assertThat(s.limits().classes().get("haiku-4-5").capsOutput()).isFalse();
        assertThat(s.limits().classes().get("mine").capsOutput()).isFalse();
        assertThat(s.limits().classes().get("haiku-3-5").countCacheReads()).isTrue();
        // `--tier tier-2` after the file: the tier's limits, the file's maxima.
        SimSettings t = b.tier(Tier.TIER_2).build();
        assertThat(t.limits().classes().get("sonnet-4").rpm()).isEqualTo(1_000);
        assertThat(t.limits().classes().get("sonnet-4").maxOutputTokens()).isEqualTo(64_000);
        assertThat(t.limits().classes().get("haiku-4-5").capsOutput()).isFalse();
        assertThat(SimSettings.builder().build().limits().classes().get("haiku-4-5").maxOutputTokens()).isEqualTo(64_000);
        assertThat(SimSettings.builder().build().limits().classes().get("opus-4").capsOutput()).as("its pooled models differ").isFalse();
    }

    @Test
    void aMaximumOutputIsAWholeNumberOrNoneAndANewClassStillNeedsItsLimits() {
        assertThat(mistake("classes:\n  sonnet-4: {max-output-tokens: 0}")).isEqualTo("sim.yaml line 2: classes.sonnet-4.max-output-tokens "
                + "must be a whole number of at least 1, or none for no maximum, not '0'.");
        assertThat(mistake("classes: {sonnet-4: {max-output-tokens: lots}}")).endsWith("not 'lots'.");
        assertThat(mistake("classes:\n  mine: {max-output-tokens: 100}")).isEqualTo("sim.yaml line 2: classes.mine.rpm is missing.");
    }

    @Test
    void debugIsTrueOrFalseAndOffByDefault() throws Exception {
        assertThat(SimConfigFile.parse("sim.yaml", "debug: true", SimSettings.builder()).build().diagnostics().debug()).isTrue();
        assertThat(SimSettings.builder().build().diagnostics().debug()).isFalse();
        assertThat(mistake("seed: 1\ndebug: loud")).isEqualTo("sim.yaml line 2: debug must be true or false, not 'loud'.");
    }

    @Test
    void theStreamErrorRequestIdAndTheSuccessHeadersAreSettingsWithTheDocumentedDefaults() throws Exception {
        SimSettings d = SimSettings.builder().build();
        assertThat(d.protocol().streamErrorRequestId()).isFalse();
        assertThat(d.protocol().rateLimitHeadersOnSuccess()).isTrue();
        SimSettings s = SimConfigFile.parse("sim.yaml", "stream-error-request-id: true\nrate-limit-headers-on-success: false\n",
                SimSettings.builder()).build();
        assertThat(s.protocol().streamErrorRequestId()).isTrue();
        assertThat(s.protocol().rateLimitHeadersOnSuccess()).isFalse();
        assertThat(s.toBuilder().build()).isEqualTo(s);
        assertThat(mistake("seed: 1\nstream-error-request-id: maybe")).isEqualTo("sim.yaml line 2: stream-error-request-id must be true or "
                + "false, not 'maybe'.");
        assertThat(mistake("\n\nrate-limit-headers-on-success: 2")).isEqualTo("sim.yaml line 3: rate-limit-headers-on-success must be true "
                + "or false, not '2'.");
    }

    @Test
    void theLimitScopeIsKeyOrOrganization() throws Exception {
        assertThat(SimConfigFile.parse("sim.yaml", "limit-scope: organization", SimSettings.builder()).build().enforcement().scope())
                .isEqualTo(LimitScope.ORGANIZATION);
        assertThat(SimSettings.builder().build().enforcement().scope()).isEqualTo(LimitScope.KEY);
        assertThat(mistake("seed: 3\nlimit-scope: team")).isEqualTo("sim.yaml line 2: limit-scope 'team' is not allowed; use key or organization.");
    }

    @Test
    void aFileThatIsNotUtf8IsSaidToBeSo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sim.yaml");
        Files.write(file, new byte[] {'s', 'e', 'e', 'd', ':', ' ', (byte) 0xff, (byte) 0xfe});
        SimConfigFile.Invalid e = catchThrowableOfType(SimConfigFile.Invalid.class, () -> SimConfigFile.read(file, SimSettings.builder()));
        assertThat(e.getMessage()).isEqualTo("The config file " + file + " is not UTF-8 text; save it as UTF-8.");
    }

    @Test
    void aTierGivenAfterAFileKeepsTheClassesTheFileAdded() throws Exception {
        // What `pacer sim --config sim.yaml --tier tier-2` does: the file first, then the flag.
        SimSettingsBuilder b = SimConfigFile.parse("sim.yaml", "classes: {mine: {rpm: 3, itpm: 300, otpm: 30}}\nmodels: {my-model: mine}\n",
                SimSettings.builder());
        SimSettings s = b.tier(Tier.TIER_2).build();
        assertThat(s.limits().classes().get("mine").rpm()).isEqualTo(3);
        assertThat(s.limits().classes().get("sonnet-4").rpm()).isEqualTo(1_000);
        assertThat(s.limits().models().classOf("my-model")).isEqualTo("mine");
    }

    @Test
    void organizationsAndTheirWorkspacesAreRead() throws Exception {
        SimSettings s = SimConfigFile.parse("sim.yaml", """
                organizations:
                  acme:
                    keys: [sk-a, sk-b]
                    workspaces:
                      research: {keys: [sk-c], limits: {rpm: 10}, classes: {sonnet-4: {itpm: 5000}}}
                """, SimSettings.builder()).build();
        Organizations.Membership c = s.organizations().of("sk-c");
        assertThat(c.organization().name()).isEqualTo("acme");
        assertThat(c.workspace().on("sonnet-4")).isEqualTo(new Organizations.WorkspaceLimits(10, 5000, 0));
        assertThat(c.workspace().on("haiku-4-5")).isEqualTo(new Organizations.WorkspaceLimits(10, 0, 0));
        assertThat(s.organizations().of("sk-a").workspace()).isNull();
        assertThat(c.organization().id()).as("derived from the name, stable").isEqualTo(Organizations.organizationId("acme"));
        assertThat(s.organizations().of("sk-z")).isNull();
    }

    @Test
    void organizationMistakesNameTheirPlace() {
        assertThat(mistake("organizations:\n  a: {keys: [sk-1]}\n  b: {keys: [sk-1]}\n"))
                .isEqualTo("sim.yaml line 2: The key " + SimStats.keyId("sk-1") + " is listed under organizations.a and under "
                        + "organizations.b; a key belongs to one workspace.");
        assertThat(mistake("organizations:\n  a:\n    workspaces:\n      default: {limits: {rpm: 3}}\n"))
                .startsWith("sim.yaml line 3: organizations.a.workspaces.default: the default workspace cannot have limits");
        assertThat(mistake("organizations:\n  a:\n    workspaces:\n      w: {classes: {sonet-4: {rpm: 3}}}\n"))
                .startsWith("sim.yaml line 4: organizations.a.workspaces.w.classes.sonet-4: model class 'sonet-4' has no limits");
        assertThat(mistake("organizations:\n  a:\n    workspaces:\n      w: {limits: {rpm: 0}}\n"))
                .isEqualTo("sim.yaml line 4: organizations.a.workspaces.w.limits.rpm must be at least 1, not 0.");
        assertThat(mistake("organizations:\n  a: {team: x}\n")).startsWith("sim.yaml line 2: 'team' is not a setting of organizations.a;");
    }
}
