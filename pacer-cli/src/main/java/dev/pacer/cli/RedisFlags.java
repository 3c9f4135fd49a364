package dev.pacer.cli;

import picocli.CommandLine.Option;

/** {@code --redis} and {@code --redis-unavailable}, as {@code pacer gateway} and {@code pacer batch run} take them. */
final class RedisFlags {

    @Option(names = "--redis", paramLabel = "URI", description = {"Share the quota with every gateway and batch run using this"
            + " Redis: redis://[:PASSWORD@]HOST[:PORT][/DATABASE], or rediss:// for TLS (pacer batch run: live calls only)."})
    String uri;

    @Option(names = "--redis-unavailable", paramLabel = "MODE", defaultValue = "local-share", description = {"While Redis does not"
            + " answer: local-share (this process's share of the quota, from the fleet size last seen), fail-open or fail-closed."
            + " Default: ${DEFAULT-VALUE}."})
    String unavailable;
}
