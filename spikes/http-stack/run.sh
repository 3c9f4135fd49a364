#!/usr/bin/env bash
# Loads each stack the same way with wrk on loopback and holds 5,000 idle SSE streams; prints the numbers.
set -u
cd "$(dirname "$0")"
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP="target/classes:$(ls target/lib/*.jar | tr '\n' ':')"
# needs about 5,100 open files per process (the limit here is 20,000)
for stack in jdk jetty vertx; do
  port=18080
  $JAVA -Xmx512m -cp "$CP" spike.Servers $stack $port > /tmp/spike-$stack.log 2>&1 &
  pid=$!
  sleep 2
  wrk -t2 -c64 -d3s http://127.0.0.1:$port/json > /dev/null 2>&1   # warm-up
  json=$(wrk -t2 -c64 -d10s --latency http://127.0.0.1:$port/json | awk '/Requests\/sec/ {r=$2} /99%/ {p=$2} END {print r " req/s, p99 " p}')
  sse=$(wrk -t2 -c64 -d10s --latency "http://127.0.0.1:$port/sse?n=50" | awk '/Requests\/sec/ {r=$2} /99%/ {p=$2} END {print r " streams/s (50 events each), p99 " p}')
  idle=$(python3 idle.py $port 5000 2 2>&1 | tail -1)
  rss=$(ps -o rss= -p $pid | awk '{printf "%.0f MB", $1/1024}')
  echo "$stack | json: $json | sse: $sse | $idle | RSS with 5000 streams: $rss"
  kill $pid; wait $pid 2>/dev/null
  sleep 1
done
