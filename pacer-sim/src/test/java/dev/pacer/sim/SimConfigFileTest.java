package dev.pacer.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

class SimConfigFileTest {

    private static SimSettings parse(String yaml) throws Exception {
        return SimConfigFile.parse("sim.yaml", new StringReader(yaml), SimSettings.builder()).build();
    }

    @Test
    void aFullFileIsRead() throws Exception {
        SimSettings s = parse("""
                tier: tier-2
                time-scale: 60
                seed: 9
                otpm-mode: reserve-max-tokens
                classes:
                  sonnet: {rpm: 10, itpm: 1000, otpm: 500, count-cache-reads: true}
                models:
                  my-fine-tune: sonnet
                faults:
                  overloaded: 0.1
                  storms:
                    - {from: 60, to: 120, probability: 0.8, class: opus}
                """);
        assertThat(s.tier()).isEqualTo(Tier.TIER_2);
        assertThat(s.timeScale()).isEqualTo(60);
        assertThat(s.otpmMode()).isEqualTo(SimLimits.OtpmMode.RESERVE_MAX_TOKENS);
        assertThat(s.classes().get("sonnet")).isEqualTo(new ModelClass("sonnet", 10, 1000, 500, true));
        assertThat(s.classes().get("opus").rpm()).isEqualTo(1_000);
        assertThat(s.models().classOf("my-fine-tune")).isEqualTo("sonnet");
        assertThat(s.faults().overloaded()).isEqualTo(0.1);
        assertThat(s.faults().storms()).containsExactly(new FaultProfile.Storm(60, 120, 0.8, "opus"));
    }

    @Test
    void mistakesNameTheFileTheLineTheFieldAndWhatIsAllowed() {
        assertThatThrownBy(() -> parse("tier: tier-1\nlimits:\n  rpm: 50\n  itpm: lots\n  otpm: 8000\n"))
                .hasMessage("sim.yaml line 4: limits.itpm must be a whole number, not 'lots'.");
        assertThatThrownBy(() -> parse("time-scale: 10\nfaults:\n  overload: 0.5\n"))
                .hasMessageStartingWith("sim.yaml line 3: 'overload' is not a setting of faults; allowed: api-error,");
        assertThatThrownBy(() -> parse("otpm-mode: sometimes\n"))
                .hasMessage("sim.yaml line 1: otpm-mode 'sometimes' is not allowed; use actual or reserve-max-tokens.");
        assertThatThrownBy(() -> parse("tier: diamond\n"))
                .hasMessageContaining("line 1: tier: Unknown tier 'diamond'; allowed: tier-1,");
        assertThatThrownBy(() -> parse("faults:\n  overloaded: 1.5\n"))
                .hasMessage("sim.yaml line 2: faults.overloaded must be between 0 and 1, not 1.5.");
        assertThatThrownBy(() -> parse("tier: [tier-1\n")).hasMessageStartingWith("sim.yaml line ").hasMessageContaining("not valid YAML");
    }
}
