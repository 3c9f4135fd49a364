package dev.pacer.batch.functional;

import java.nio.file.Path;

/** Where a run keeps its sidecar state (RESULTS.jsonl.pacer.json). */
final class RunStateFiles {

    private RunStateFiles() {
    }

    static Path sidecar(Path results) {
        return results.resolveSibling(results.getFileName() + ".pacer.json");
    }
}
