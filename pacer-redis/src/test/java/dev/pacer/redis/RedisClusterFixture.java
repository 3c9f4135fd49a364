package dev.pacer.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster of three masters on loopback: three {@code redis-server --cluster-enabled yes}
 * joined by {@code redis-cli --cluster create}, each slot served once. Ports are chosen so that the
 * cluster bus (port + 10000) is free too.
 */
final class RedisClusterFixture implements AutoCloseable {

    private final List<RedisServer> nodes = new ArrayList<>();

    RedisClusterFixture() throws Exception {
        for (int i = 0; i < 3; i++) {
            nodes.add(RedisServer.startOn(freeClusterPort(), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "5000"));
        }
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (RedisServer n : nodes) {
            cmd.add("127.0.0.1:" + n.port());
        }
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process create = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(create.getInputStream().readAllBytes());
        if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
            close();
            throw new IllegalStateException("redis-cli --cluster create failed: " + output);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!allOk()) {
            if (System.nanoTime() > until) {
                close();
                throw new IllegalStateException("the cluster did not reach cluster_state:ok within 30 s");
            }
            Thread.sleep(50);
        }
    }

    String uri() {
        return nodes.get(0).uri();
    }

    List<RedisServer> nodes() {
        return nodes;
    }

    private boolean allOk() {
        for (RedisServer n : nodes) {
            // CLUSTER INFO is a bulk reply; its first line is the length, so ask for one field instead.
            if (!n.command("CLUSTER COUNTKEYSINSLOT 0").startsWith(":") || !clusterOk(n)) {
                return false;
            }
        }
        return true;
    }

    private static boolean clusterOk(RedisServer n) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", n.port())) {
            s.setSoTimeout(2000);
            s.getOutputStream().write("CLUSTER INFO\r\n".getBytes());
            s.getOutputStream().flush();
            byte[] buf = new byte[4096];
            int len = s.getInputStream().read(buf);
            return len > 0 && new String(buf, 0, len).contains("cluster_state:ok");
        } catch (IOException e) {
            return false;
        }
    }

    private static int freeClusterPort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (free(port) && free(port + 10_000)) {
                return port;
            }
        }
        throw new IOException("no free port pair for a cluster node");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        for (RedisServer n : nodes) {
            n.close();
        }
    }
}
