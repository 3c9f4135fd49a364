#!/usr/bin/env bash
# Loads each stack the same way with wrk on loopback and holds 5,000 idle SSE streams; prints the numbers.
# Usage: ./run.sh [jdk jetty vertx]   (build first: ../../mvnw -q -f pom.xml package)
set -u
cd "$(dirname "$0")"
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP="target/classes:$(ls target/lib/*.jar | tr '\n' ':')"
ulimit -n 20000   # 5,000 idle streams need about 5,100 open files per process
stacks=${*:-jdk jetty vertx}
for stack in $stacks; do
  port=18080
  $JAVA -Xmx512m -cp "$CP" spike.Servers $stack $port > /tmp/spike-$stack.log 2>&1 &
  pid=$!
  sleep 2
  wrk -t2 -c64 -d3s http://127.0.0.1:$port/json > /dev/null 2>&1   # warm-up
  json=$(wrk -t2 -c64 -d10s --latency http://127.0.0.1:$port/json | awk '/Requests\/sec/ {r=$2} /99%/ {p=$2} END {print r " req/s, p99 " p}')
  sse=$(wrk -t2 -c64 -d10s --latency "http://127.0.0.1:$port/sse?n=50" | awk '/Requests\/sec/ {r=$2} /99%/ {p=$2} END {print r " streams/s (50 events each), p99 " p}')
  # Paced streams, as the simulator writes them: 1,000 at once, an event every 20 ms (ideal: 1,000 streams/s, each 1 s long).
  paced=$(wrk -t2 -c1000 -d10s --timeout 10s --latency "http://127.0.0.1:$port/sse?n=50&gap=20" | awk '/Requests\/sec/ {r=$2} /99%/ {p=$2} END {print r " paced streams/s (ideal 1000), p99 " p}')
  cpu=$(ps -o times= -p $pid)
  idle=$(python3 idle.py $port 5000 2 2>&1 | tail -1)
  rss=$(ps -o rss= -p $pid | awk '{printf "%.0f MB", $1/1024}')
  echo "$stack | json: $json | sse: $sse | $paced | server CPU so far ${cpu}s | $idle | RSS with 5000 streams: $rss"
  kill $pid; wait $pid 2>/dev/null
  sleep 1
done
