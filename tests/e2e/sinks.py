#!/usr/bin/env python3
"""sinks.py - receivers for the monitor's notices, written for the test
suite (tests/e2e/monitor.sh), each on 127.0.0.1 at a free port that it
writes to PORTFILE once it listens:

  sinks.py smtp PORTFILE OUTDIR        an SMTP server (RFC 5321's commands
                                       a client needs): each message as
                                       OUTDIR/N.eml, its envelope in N.env
  sinks.py syslog PORTFILE OUTFILE     UDP: each datagram as one line
  sinks.py webhook PORTFILE OUTFILE SECRETFILE
                                       HTTP: each POST as a JSON line with
                                       its event, delivery id, body and
                                       whether X-Cloudward-Signature holds
                                       with the secret in SECRETFILE

Nothing here trusts what it receives: it records it for the test to
judge.
"""
import hashlib
import hmac
import json
import os
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def announce(portfile, port):
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)


def smtp(portfile, outdir):
    os.makedirs(outdir, exist_ok=True)
    count = [0]
    lock = threading.Lock()

    class H(socketserver.StreamRequestHandler):
        def reply(self, line):
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def handle(self):
            self.reply("220 sink.test ESMTP test sink")
            sender, rcpts = None, []
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                verb = cmd.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.reply("250-sink.test")
                    self.reply("250 8BITMIME")
                elif verb == "MAIL":
                    sender, rcpts = cmd[5:].strip(), []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    rcpts.append(cmd[5:].strip())
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 end with a dot")
                    data = b""
                    while True:
                        l = self.rfile.readline()
                        if not l or l in (b".\r\n", b".\n"):
                            break
                        if l.startswith(b".."):
                            l = l[1:]
                        data += l
                    with lock:
                        count[0] += 1
                        n = count[0]
                    base = os.path.join(outdir, "%d" % n)
                    with open(base + ".env", "w") as f:
                        json.dump({"from": sender, "to": rcpts}, f)
                    with open(base + ".eml.tmp", "wb") as f:
                        f.write(data)
                    os.rename(base + ".eml.tmp", base + ".eml")
                    self.reply("250 queued as %d" % n)
                elif verb == "RSET":
                    sender, rcpts = None, []
                    self.reply("250 OK")
                elif verb == "NOOP":
                    self.reply("250 OK")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    class S(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    srv = S(("127.0.0.1", 0), H)
    announce(portfile, srv.server_address[1])
    srv.serve_forever()


def syslog(portfile, outfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    announce(portfile, s.getsockname()[1])
    with open(outfile, "ab") as f:
        while True:
            data, _ = s.recvfrom(65536)
            f.write(data.replace(b"\n", b"\\n") + b"\n")
            f.flush()


def webhook(portfile, outfile, secretfile):
    lock = threading.Lock()

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            sig = self.headers.get("X-Cloudward-Signature", "")
            ok = False
            try:
                secret = open(secretfile, "rb").read().strip()
                parts = dict(p.split("=", 1) for p in sig.split(","))
                want = hmac.new(secret, parts["t"].encode() + b"." + body,
                                hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(want, parts["v1"])
            except Exception:
                ok = False
            rec = {"event": self.headers.get("X-Cloudward-Event", ""),
                   "delivery": self.headers.get("X-Cloudward-Delivery", ""),
                   "signed": ok, "body": body.decode("utf-8", "replace")}
            with lock, open(outfile, "a") as f:
                f.write(json.dumps(rec) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    announce(portfile, srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "smtp":
        smtp(sys.argv[2], sys.argv[3])
    elif kind == "syslog":
        syslog(sys.argv[2], sys.argv[3])
    elif kind == "webhook":
        webhook(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: sinks.py smtp|syslog|webhook PORTFILE OUT [SECRET]")
