"""A local Kuaidi100 for the client's tests: the subscription (``/poll``) and the electronic
waybill (``/label/order``), checking each request as Kuaidi100 documents it and answering in
its format; ``next("…")`` scripts the next answers."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KEY, SECRET, SALT = "test-key", "test-secret", "test-salt"


class FakeKuaidi100:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.problems: list[str] = []
        self.script: deque[str] = deque()
        self.numbers = iter(f"SF14{n:011d}" for n in range(1, 10_000))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake.answer(urlsplit(self.path).path, self.headers, body)
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def next(self, *answers: str) -> "FakeKuaidi100":
        self.script.extend(answers)
        return self

    def answer(self, path: str, headers, body: bytes):
        if "application/x-www-form-urlencoded" not in headers.get("Content-Type", ""):
            self.problems.append("not a form POST")
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.requests.append((path, form))
        kind = self.script.popleft() if self.script else "ok"
        if path == "/poll":
            return self._poll(form, kind)
        if path == "/label/order":
            return self._label(form, kind)
        return 404, {"message": "no such path"}

    def _poll(self, form, kind):
        param = json.loads(form.get("param", "{}"))
        if form.get("schema") != "json" or not param.get("company") or not param.get("number"):
            self.problems.append(f"bad subscription {form}")
            return 200, {"result": False, "returnCode": "700", "message": "参数错误"}
        if param.get("key") != KEY:
            return 200, {"result": False, "returnCode": "601", "message": "key已过期"}
        params = param.get("parameters", {})
        if not params.get("callbackurl") or params.get("salt") != SALT:
            self.problems.append(f"bad parameters {params}")
        if kind == "busy":
            return 500, {"result": False, "returnCode": "500", "message": "服务器错误"}
        if kind == "again":
            return 200, {"result": False, "returnCode": "501", "message": "重复订阅"}
        return 200, {"result": True, "returnCode": "200", "message": "提交成功"}

    def _label(self, form, kind):
        expected = hashlib.md5(f"{form.get('param')}{form.get('t')}{KEY}{SECRET}".encode()) \
            .hexdigest().upper()
        if form.get("method") != "order" or form.get("key") != KEY:
            self.problems.append(f"bad waybill request {form}")
        if form.get("sign") != expected:
            self.problems.append("bad waybill sign")
            return 200, {"success": False, "code": 30002, "message": "验证签名失败"}
        param = json.loads(form["param"])
        if not param.get("kuaidicom") or not param.get("recMan", {}).get("mobile"):
            self.problems.append(f"bad waybill param {param}")
        if kind == "refuse":
            return 200, {"success": False, "code": 30001, "message": "电子面单余额不足"}
        return 200, {"success": True, "code": 200, "message": "success",
                     "data": {"taskId": "T1", "kuaidinum": next(self.numbers),
                              "kdComOrderNum": "", "label": "https://example.invalid/l.png"}}

    def __enter__(self) -> "FakeKuaidi100":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
