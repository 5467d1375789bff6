"""The applications of the e2e pods, run inside a network namespace with
`ip netns exec NS python3 apps.py ...`. Standard library only, but for the gRPC
modes (Debian's python3-grpcio).

  serve PORT MODE [ADDRESSES]
                    listen on [::]:PORT (dual stack, so loopback and the pod's addresses
                    of both families reach it), or only on ADDRESSES (comma-separated;
                    "::" alone is IPv6-only then), and print one line per event on stdout:
                      listening <port>
                      accepted <peer-ip>           (IPv4-mapped addresses shown as IPv4)
                    MODE echo:  read until the client half-closes, then send everything
                                back and close. The reply is only sent after the FIN
                                arrived, so a reply proves that the half-close passed.
                    MODE reset: read once, then close with SO_LINGER 0 (a TCP reset).
                    MODE smtp:  server speaks first, SMTP style: "220 wasmesh-e2e ESMTP"
                                on accept, "250 ..." to EHLO/HELO, "221 bye" to QUIT
                                (then close), "500 ..." to anything else.
                    MODE http:  an HTTP/1 server (http.server): GET answers 200 with
                                "hello from <path>\n".
                    MODE h2:    HTTP/2 with prior knowledge, the least nghttp accepts,
                                and strictly client-first: nothing is sent before the
                                client's connection preface (nghttpd sends its SETTINGS
                                at accept). Each request is answered 200 with H2_BODY.
  client HOST PORT SIZE
                    connect, send SIZE deterministic bytes, shut down writing, read until
                    EOF or an error; print one JSON object: connected, sent, received,
                    intact (reply equals what was sent), eof, error (errno name or
                    "timeout"), elapsed.
  smtp HOST PORT    an SMTP-style client that never speaks first: read the greeting
                    (SMTP_TIMEOUT, 2 s, per read), send EHLO, read 250, send QUIT, read
                    221; print JSON: connected, greeting, ehlo, quit (the reply lines),
                    error (null, errno name, "timeout" or what was wrong), elapsed.
  http METHOD URL   one HTTP request without any proxy from the environment; print JSON
                    {"status": ..., "body": ...} (status 0 and "error" when it failed).
  idle HOST PORT    connect, send "ping", read the echo (a "chat" server), print "ready",
                    then wait without sending until the connection ends; print
                    "closed <errno name or eof> <seconds>".
  http-many URL N   N GET requests at once, each on its own connection; print the JSON list
                    of {"status", "body"} (status 0 and "error" when one failed).
  grpc-serve PORT   a gRPC server (Debian's python3-grpcio) on [::]:PORT with raw-bytes
                    methods: /test.Service/Echo answers "echo:" + its request,
                    /test.Service/Fail fails with the status code its request names.
  grpc TARGET METHOD REQUEST
                    one unary call; print JSON {"code": status name, "reply": text}.
"""

import errno
import hashlib
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request

CLIENT_TIMEOUT = 5.0
# The SMTP-style client's own timeout per read: well under the proxy's 10 s protocol
# detection timeout, so a greeting held back until detection gives up fails the client.
SMTP_TIMEOUT = 2.0


def payload(size):
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(counter.to_bytes(8, "big")).digest()
        counter += 1
    return bytes(out[:size])


def plain_ip(address):
    return address[7:] if address.startswith("::ffff:") else address


def smtp_session(conn):
    """The server side of an SMTP-style exchange: the greeting goes out before the client
    has said anything."""
    conn.sendall(b"220 wasmesh-e2e ESMTP\r\n")
    reader = conn.makefile("rb")
    for line in reader:
        verb = line.strip().split(b" ")[0].upper()
        if verb in (b"EHLO", b"HELO"):
            conn.sendall(b"250 wasmesh-e2e greets you\r\n")
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"500 unrecognized command\r\n")


H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
H2_BODY = b"hello over h2 from pod b\n"


def h2_frame(kind, flags, stream, payload=b""):
    return (len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big")
            + payload)


def h2_session(conn):
    """Reads the client's preface, then answers: an empty SETTINGS, an ACK of the client's,
    and for each request (a HEADERS frame with END_HEADERS) HEADERS ":status: 200" (HPACK
    static index 8) and one DATA frame with END_STREAM. Ends at the client's GOAWAY."""
    reader = conn.makefile("rb")
    if reader.read(len(H2_PREFACE)) != H2_PREFACE:
        return
    conn.sendall(h2_frame(0x4, 0, 0))
    while True:
        header = reader.read(9)
        if len(header) < 9:
            return
        length, kind, flags = int.from_bytes(header[:3], "big"), header[3], header[4]
        stream = int.from_bytes(header[5:9], "big") & 0x7FFFFFFF
        reader.read(length)
        if kind == 0x4 and not flags & 0x1:  # SETTINGS, not an ACK
            conn.sendall(h2_frame(0x4, 0x1, 0))
        elif kind == 0x1 and flags & 0x4 and stream:  # HEADERS, END_HEADERS
            conn.sendall(h2_frame(0x1, 0x4, stream, b"\x88") + h2_frame(0x0, 0x1, stream, H2_BODY))
        elif kind == 0x7:  # GOAWAY
            return


class HelloHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        # /status/NNN answers NNN: failures on demand, for the success-rate checks.
        status = 200
        if self.path.startswith("/status/") and self.path[8:].isdigit():
            status = int(self.path[8:])
        body = f"hello from {self.path}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # stdout carries only the serve() event lines


def listening_sockets(port, addresses):
    if not addresses:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        bound = [(sock, "::")]
    else:
        bound = []
        for address in addresses.split(","):
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            bound.append((sock, address))
    for sock, address in bound:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
    return [sock for sock, _ in bound]


def serve(port, mode, addresses=""):
    sockets = listening_sockets(port, addresses)
    lock = threading.Lock()

    def say(line):
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def handle(conn):
        try:
            if mode == "smtp":
                smtp_session(conn)
                return
            if mode == "h2":
                h2_session(conn)
                return
            if mode == "http":
                HelloHandler(conn, conn.getpeername(), None)
                return
            if mode == "chat":  # echoes each read at once, for long-lived conversations
                while data := conn.recv(65536):
                    conn.sendall(data)
                return
            if mode == "reset":
                conn.recv(65536)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            chunks = []
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                chunks.append(data)
            conn.sendall(b"".join(chunks))
            conn.shutdown(socket.SHUT_WR)
            # Wait for the client's close so that ours is a clean FIN, never a reset.
            conn.settimeout(CLIENT_TIMEOUT)
            while conn.recv(65536):
                pass
        except OSError:
            pass
        finally:
            conn.close()

    def accept_loop(sock):
        while True:
            conn, peer = sock.accept()
            say(f"accepted {plain_ip(peer[0])}")
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    for sock in sockets[1:]:
        threading.Thread(target=accept_loop, args=(sock,), daemon=True).start()
    say(f"listening {port}")
    accept_loop(sockets[0])


def client(host, port, size):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    data = payload(size)
    result = {"connected": False, "sent": 0, "received": 0, "intact": False, "eof": False,
              "error": None}
    started = time.monotonic()
    received = []
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(CLIENT_TIMEOUT)
        try:
            s.connect((host, port))
            result["connected"] = True
            s.sendall(data)
            result["sent"] = len(data)
            s.shutdown(socket.SHUT_WR)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    result["eof"] = True
                    break
                received.append(chunk)
        except socket.timeout:
            result["error"] = "timeout"
        except OSError as error:
            result["error"] = errno.errorcode.get(error.errno, str(error))
    reply = b"".join(received)
    result["received"] = len(reply)
    result["intact"] = reply == data
    result["elapsed"] = round(time.monotonic() - started, 3)
    print(json.dumps(result))


def smtp(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    result = {"connected": False, "greeting": None, "ehlo": None, "quit": None, "error": None}
    started = time.monotonic()
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(SMTP_TIMEOUT)
        try:
            s.connect((host, port))
            result["connected"] = True
            reader = s.makefile("rb")

            def reply(key, code):
                line = reader.readline().decode("utf-8", "replace").rstrip("\r\n")
                result[key] = line
                if not line.startswith(code + " "):
                    raise ValueError(f"{key}: expected {code}, got {line!r}")

            reply("greeting", "220")
            s.sendall(b"EHLO pod-a\r\n")
            reply("ehlo", "250")
            s.sendall(b"QUIT\r\n")
            reply("quit", "221")
        except socket.timeout:
            result["error"] = "timeout"
        except OSError as error:
            result["error"] = errno.errorcode.get(error.errno, str(error))
        except ValueError as error:
            result["error"] = str(error)
    result["elapsed"] = round(time.monotonic() - started, 3)
    print(json.dumps(result))


def http(method, url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with opener.open(request, timeout=CLIENT_TIMEOUT) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError as error:
        print(json.dumps({"status": 0, "body": "", "error": str(error)}))
        return
    print(json.dumps({"status": status, "body": body.decode("utf-8", "replace")}))


def hold(host, port, trigger):
    """A long-lived connection: one exchange now, another once the file `trigger` exists,
    each printed as a line ("reply <text>" or "error <why>")."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(CLIENT_TIMEOUT)
        try:
            s.connect((host, port))
            for word in (b"before", b"after"):
                if word == b"after":
                    deadline = time.monotonic() + 60
                    while not os.path.exists(trigger) and time.monotonic() < deadline:
                        time.sleep(0.05)
                s.sendall(word)
                print("reply " + s.recv(1024).decode("ascii", "replace"), flush=True)
        except OSError as error:
            print(f"error {error}", flush=True)


def idle(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(CLIENT_TIMEOUT)
        try:
            s.connect((host, port))
            s.sendall(b"ping")
            if s.recv(16) != b"ping":
                print("closed no-echo 0", flush=True)
                return
        except OSError as error:
            print(f"closed {errno.errorcode.get(error.errno, str(error))} 0", flush=True)
            return
        print("ready", flush=True)
        started = time.monotonic()
        s.settimeout(None)
        try:
            data = s.recv(16)
            outcome = "eof" if not data else "data"
        except OSError as error:
            outcome = errno.errorcode.get(error.errno, str(error))
        print(f"closed {outcome} {time.monotonic() - started:.1f}", flush=True)


def tls(host, port, ca, cert_dir, sni, max_version, header_hex):
    """A TLS client with the mesh ALPN, as a misbehaving peer would be: `cert_dir` "-" for
    no client certificate, `max_version` "1.2" for a TLS 1.2-only client. Sends the header
    (hex) and "ping"; prints what came back."""
    import ssl
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(ca)
    context.check_hostname = False
    if cert_dir != "-":
        context.load_cert_chain(os.path.join(cert_dir, "tls.crt"), os.path.join(cert_dir, "tls.key"))
    context.set_alpn_protocols(["wasmesh.io/transport/1"])
    if max_version == "1.2":
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    result = {"handshake": False, "received": 0, "error": None}
    try:
        with socket.create_connection((host, port), timeout=CLIENT_TIMEOUT) as raw:
            with context.wrap_socket(raw, server_hostname=sni) as conn:
                result["handshake"] = True
                conn.sendall(bytes.fromhex(header_hex) + b"ping")
                result["received"] = len(conn.recv(1024))
    except (OSError, ssl.SSLError) as error:
        result["error"] = str(error)
    print(json.dumps(result))


def http_many(url, count):
    results = [None] * count

    def one(index):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=CLIENT_TIMEOUT) as response:
                results[index] = {"status": response.status,
                                  "body": response.read().decode("utf-8", "replace")}
        except urllib.error.HTTPError as error:
            results[index] = {"status": error.code, "body": ""}
        except OSError as error:
            results[index] = {"status": 0, "body": "", "error": str(error)}

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(results))


def grpc_serve(port):
    import grpc  # python3-grpcio: only the gRPC modes need it
    from concurrent import futures

    def echo(request, context):
        return b"echo:" + request

    def fail(request, context):
        context.abort(getattr(grpc.StatusCode, request.decode()), "asked to fail")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Service", {
        "Echo": grpc.unary_unary_rpc_method_handler(echo),
        "Fail": grpc.unary_unary_rpc_method_handler(fail)}),))
    server.add_insecure_port(f"[::]:{port}")
    server.start()
    print(f"listening {port}", flush=True)
    server.wait_for_termination()


def grpc_call(target, method, request):
    import grpc
    with grpc.insecure_channel(target) as channel:
        try:
            reply = channel.unary_unary(f"/test.Service/{method}")(request.encode(),
                                                                   timeout=CLIENT_TIMEOUT)
            print(json.dumps({"code": "OK", "reply": reply.decode()}))
        except grpc.RpcError as error:
            print(json.dumps({"code": error.code().name, "reply": error.details()}))


def main(argv):
    command = argv[1]
    if command == "serve":
        serve(int(argv[2]), argv[3], argv[4] if len(argv) > 4 else "")
    elif command == "client":
        client(argv[2], int(argv[3]), int(argv[4]))
    elif command == "tls":
        tls(argv[2], int(argv[3]), argv[4], argv[5], argv[6], argv[7], argv[8])
    elif command == "hold":
        hold(argv[2], int(argv[3]), argv[4])
    elif command == "smtp":
        smtp(argv[2], int(argv[3]))
    elif command == "http":
        http(argv[2], argv[3])
    elif command == "idle":
        idle(argv[2], int(argv[3]))
    elif command == "http-many":
        http_many(argv[2], int(argv[3]))
    elif command == "grpc-serve":
        grpc_serve(int(argv[2]))
    elif command == "grpc":
        grpc_call(argv[2], argv[3], argv[4])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
