# The seed tutorial's application-level heartbeat client, run unmodified against forkd by
# JsonFramingIT. start_heartbeat() below is copied verbatim from
# /work/shared/seed/tcp-loop-server-tutorial.txt, section "应用层PING/PONG协议(更灵活)", after
# "客户端定期发送PING:". The tutorial shows it without its imports (json, threading, time): they
# are added here, as is the driver at the bottom, which connects, starts the heartbeat and counts
# the pongs that come back.
import json
import socket
import sys
import threading
import time


# ---- verbatim from the tutorial ----
def start_heartbeat(sock, interval=30):
    def heartbeat_loop():
        while True:
            try:
                sock.send(json.dumps({"type": "ping"}).encode())
                time.sleep(interval)
            except:
                break
    thread = threading.Thread(target=heartbeat_loop, daemon=True)
    thread.start()
# ---- end of the tutorial's code ----


def main():
    port = int(sys.argv[1])
    wanted = int(sys.argv[2])
    interval = float(sys.argv[3])
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    start_heartbeat(sock, interval)
    buf = b""
    pongs = 0
    while pongs < wanted:
        data = sock.recv(1024)
        if not data:
            print("closed after %d pongs" % pongs)
            return 1
        buf += data
        while b"\n" in buf and pongs < wanted:
            line, _, buf = buf.partition(b"\n")
            reply = json.loads(line)
            if reply != {"type": "pong"}:
                print("not a pong: %r" % line)
                return 1
            pongs += 1
    print("pongs %d" % pongs)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
