"""A fake Telegram Bot API on loopback: a real HTTP server on a free port that records
every call and answers as Telegram does, or with the failures a test queues (429 with
``retry_after``, 500). Tests never reach the real Telegram."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeBotApi:
    def __init__(self):
        self.calls = []  # (method, token, payload), every call
        self.accepted = []  # the calls answered with success: the posts on the channel
        self.failures = []  # (status, body) answered, in order, before any success
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                _, token, method = self.path.split("/", 2)
                with fake.lock:
                    fake.calls.append((method, token.removeprefix("bot"), payload))
                    if fake.failures:
                        status, body = fake.failures.pop(0)
                    else:
                        status = 200
                        body = {"ok": True, "result": {"message_id": 1000 + len(fake.calls)}}
                        fake.accepted.append(fake.calls[-1])
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer_429(self, retry_after):
        description = f"Too Many Requests: retry after {retry_after}"
        self.failures.append(
            (
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": description,
                    "parameters": {"retry_after": retry_after},
                },
            )
        )

    def answer_500(self):
        self.failures.append(
            (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
        )

    def answer_400(self, description):
        self.failures.append((400, {"ok": False, "error_code": 400, "description": description}))

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
