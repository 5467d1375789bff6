"""An HTTP/2 (prior knowledge) upstream on a kernel-chosen port, on python3-h2: the same
answers as harness.HttpServer, so the cases read the same either way. GET and HEAD get 200
"hello from <path>\\n" (HEAD without the body), POST and PUT get their body back with its
length in x-received. Threaded, one thread per connection."""

import socket
import threading

import h2.config
import h2.connection
import h2.events
import h2.exceptions


class H2Upstream:
    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.running = False
        self.sock.close()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, sock):
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        conn = h2.connection.H2Connection(config=config)
        conn.initiate_connection()
        requests = {}  # stream id -> [headers, body]
        pending = {}  # stream id -> body bytes still to send (flow control)
        try:
            sock.sendall(conn.data_to_send())
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                for event in conn.receive_data(data):
                    self._handle(conn, event, requests, pending)
                self._flush(conn, pending)
                out = conn.data_to_send()
                if out:
                    sock.sendall(out)
        except (OSError, h2.exceptions.ProtocolError):
            pass
        finally:
            sock.close()

    @staticmethod
    def _handle(conn, event, requests, pending):
        if isinstance(event, h2.events.RequestReceived):
            requests[event.stream_id] = [dict(event.headers), b""]
        elif isinstance(event, h2.events.DataReceived):
            if event.stream_id in requests:
                requests[event.stream_id][1] += event.data
            conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            request = requests.pop(event.stream_id, None)
            if request is None:
                return
            headers, body = request
            method, path = headers.get(":method"), headers.get(":path")
            if method in ("POST", "PUT"):
                answer = body
                fields = [(":status", "200"), ("x-received", str(len(body)))]
            else:
                answer = f"hello from {path}\n".encode()
                fields = [(":status", "200"), ("content-type", "text/plain")]
            fields.append(("content-length", str(len(answer))))
            if method == "HEAD" or not answer:
                conn.send_headers(event.stream_id, fields, end_stream=True)
                return
            conn.send_headers(event.stream_id, fields)
            pending[event.stream_id] = answer
        elif isinstance(event, h2.events.StreamReset):
            requests.pop(event.stream_id, None)
            pending.pop(event.stream_id, None)

    @staticmethod
    def _flush(conn, pending):
        for stream_id in list(pending):
            answer = pending[stream_id]
            try:
                window = min(conn.local_flow_control_window(stream_id),
                             conn.max_outbound_frame_size)
            except h2.exceptions.StreamClosedError:
                del pending[stream_id]
                continue
            while answer and window > 0:
                piece, answer = answer[:window], answer[window:]
                conn.send_data(stream_id, piece, end_stream=not answer)
                window = min(conn.local_flow_control_window(stream_id),
                             conn.max_outbound_frame_size)
            if answer:
                pending[stream_id] = answer
            else:
                del pending[stream_id]
