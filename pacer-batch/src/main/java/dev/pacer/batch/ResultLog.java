package dev.pacer.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The results file: an append-only log of Message Batches result lines, the only record of what
 * is done. Each line is written with one write call and the file is synced to disk in small
 * groups (every {@code syncEvery} lines, and on {@link #sync()} / {@link #close()}), so a crash
 * — {@code kill -9} included — can lose at most the unsynced tail, which is simply redone.
 *
 * <p>On open, an existing file is read back: every complete line's {@code custom_id} counts as
 * done; a torn last line (a write cut by a crash) is cut off, so the file stays valid JSONL and
 * every {@code custom_id} appears exactly once after a resume.
 */
public final class ResultLog implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final Map<String, String> done;
    private final int syncEvery;
    private int unsynced;
    private boolean closed;

    private ResultLog(Path path, FileChannel channel, Map<String, String> done, int syncEvery) {
        this.path = path;
        this.channel = channel;
        this.done = done;
        this.syncEvery = syncEvery;
    }

    /** Opens (creating it if needed) and reads back what is already done. */
    public static ResultLog open(Path path, int syncEvery) {
        Map<String, String> done = new LinkedHashMap<>();
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new BatchException("The output directory " + parent + " does not exist; create it or choose another -o path.");
            }
            FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long validEnd = readBack(channel, done);
            if (validEnd < channel.size()) {
                channel.truncate(validEnd);
                channel.force(true);
            }
            channel.position(validEnd);
            return new ResultLog(path, channel, done, syncEvery);
        } catch (AccessDeniedException e) {
            throw new BatchException("The output file " + path + " cannot be written (permission denied); choose another -o path.");
        } catch (NoSuchFileException e) {
            throw new BatchException("The output file " + path + " cannot be created; check that its directory exists.");
        } catch (IOException e) {
            throw new BatchException("The output file " + path + " cannot be opened: " + e.getMessage() + ".");
        }
    }

    /** Reads complete lines; returns the offset after the last complete, valid line. */
    private static long readBack(FileChannel channel, Map<String, String> done) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return 0;
        }
        ByteBuffer all = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, size));
        channel.read(all, 0);
        byte[] bytes = all.array();
        int n = all.position();
        long validEnd = 0;
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (bytes[i] == '\n') {
                String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                if (!line.isBlank()) {
                    try {
                        JsonNode node = BatchInput.JSON.readTree(line);
                        String id = node.path("custom_id").asText(null);
                        String type = node.path("result").path("type").asText(null);
                        if (id == null || type == null) {
                            break;
                        }
                        done.put(id, type);
                    } catch (IOException e) {
                        break; // a damaged line: everything from here is redone
                    }
                }
                validEnd = i + 1;
                start = i + 1;
            }
        }
        return validEnd;
    }

    /** The ids already in the file, with their result types. */
    public Map<String, String> done() {
        synchronized (this) {
            return new HashMap<>(done);
        }
    }

    /** True when {@code customId} is already recorded. */
    public synchronized boolean isDone(String customId) {
        return done.containsKey(customId);
    }

    /**
     * Appends one result line, once per {@code custom_id} (a second append of the same id is
     * ignored and returns false).
     */
    public synchronized boolean append(String customId, String type, JsonNode line) {
        if (closed || done.containsKey(customId)) {
            return false;
        }
        try {
            byte[] bytes = (BatchInput.JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            done.put(customId, type);
            if (++unsynced >= syncEvery) {
                sync();
            }
            return true;
        } catch (IOException e) {
            throw new BatchException("Writing " + path + " failed: " + e.getMessage() + "; results so far are kept, rerun to resume.");
        }
    }

    /** Forces what is written to disk. */
    public synchronized void sync() {
        if (closed || unsynced == 0) {
            return;
        }
        try {
            channel.force(false);
            unsynced = 0;
        } catch (IOException e) {
            throw new BatchException("Syncing " + path + " failed: " + e.getMessage() + ".");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        sync();
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to save
        }
    }

    /** The file. */
    public Path path() {
        return path;
    }
}
