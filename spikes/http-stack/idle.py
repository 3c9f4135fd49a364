# Opens N idle SSE connections (n=0: a ping every 10 s), keeps them, then checks /json still answers fast.
import socket, sys, time

port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
t0 = time.time()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /sse?n=0 HTTP/1.1\r\nHost: x\r\n\r\n")
    socks.append(s)
ok = 0
for s in socks:
    s.settimeout(10)
    try:
        if b"200" in s.recv(4096):
            ok += 1
    except Exception:
        pass
t1 = time.time()
# responsiveness while holding them
lat = []
for i in range(50):
    a = time.time()
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        d = c.recv(65536)
        if not d:
            break
        data += d
    c.close()
    lat.append((time.time() - a) * 1000)
lat.sort()
print(f"open streams {ok}/{n} in {t1-t0:.1f}s; /json while held: p50 {lat[25]:.2f} ms p99 {lat[49]:.2f} ms")
sys.stdout.flush()
time.sleep(float(sys.argv[3]) if len(sys.argv) > 3 else 3)
