"""lsp_client.py: a minimal Language Server Protocol client for the tests that drive `zy lsp`.

Client(zy) starts `zy lsp`; request() sends a request and returns the whole response (the
notifications that arrive meanwhile are kept in `notes`), notify() sends a notification,
diagnostics(uri) waits for the next publishDiagnostics of a document. `timings` prints
each request's time.
"""
import json
import subprocess
import time


class Client:
    def __init__(self, zy, timings=False):
        self.proc = subprocess.Popen([zy, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0
        self.notes = []
        self.timings = timings

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise EOFError("zy lsp closed its output")
            line = line.strip()
            if not line:
                break
            key, _, value = line.partition(b":")
            if key.lower() == b"content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        start = time.perf_counter()
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next_id:
                if self.timings:
                    print(f"  {method}: {1000 * (time.perf_counter() - start):.1f} ms")
                return m
            self.notes.append(m)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri):
        """The next publishDiagnostics for uri."""
        while True:
            for i, m in enumerate(self.notes):
                if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                    del self.notes[i]
                    return m["params"]["diagnostics"]
            self.notes.append(self.read())
