"""Local fake platforms for the write-back tests: one HTTP server per test on 127.0.0.1 (port 0),
speaking one platform's dialect.

Each fake checks an incoming shipping confirmation the way its platform documents it (path,
method, parameters, and the signature, computed here independently of the adapters' code) and
keeps what a real platform keeps: which orders are shipped. A request that fails a check is
answered with the platform's own signature/parameter error and noted in ``problems`` (tests
assert it stays empty). Tests script the next answers: ``ok`` (the default: ship the order, or
"already shipped" if it is), ``refuse_carrier``, ``already_shipped``, ``credentials``, ``busy``,
``server_error`` (HTTP 502), ``slow`` (answers after ``delay`` seconds, having shipped).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

APP_KEY = "test-app-key"
SECRET = "test-secret-0f9e8d7c"
TOKEN = "test-token-1a2b3c4d5e"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass
class Shipment:
    order_no: str
    carrier: str
    tracking_no: str


@dataclass
class Checked:
    """A request that passed the platform's checks (``shipment``), or why it did not."""

    shipment: Shipment | None = None
    problem: str = ""
    extra: dict = field(default_factory=dict)


def _md5_upper(secret: str, params: dict[str, str]) -> str:
    text = secret + "".join(k + params[k] for k in sorted(params) if k != "sign" and params[k])
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest().upper()


def _form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode("utf-8"),
                                                       keep_blank_values=True).items()}


def _signed_form(method: str, body: bytes, expected: dict[str, str],
                 time_ok) -> tuple[dict[str, str], str]:
    """The form parameters and what is wrong with them: method, system parameters, timestamp,
    then the md5 signature (TOP, JOS and Pinduoduo alike)."""
    p = _form(body)
    wrong = [k for k, v in expected.items() if p.get(k) != v]
    if method != "POST" or wrong or not time_ok(p.get("timestamp", "")):
        return p, f"system parameters wrong: {wrong}"
    if p.get("sign") != _md5_upper(SECRET, p):
        return p, "sign"
    return p, ""


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _valid_time(text: str) -> bool:
    try:
        time.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        return False
    return True


def _unix_now(text: str) -> bool:
    return text.isdigit() and abs(int(text) - time.time()) < 600


# --- dialects ------------------------------------------------------------------------------------
class Top:
    """taobao.logistics.offline.send: form POST, md5 sign, TOP envelopes."""

    path = "/router/rest"

    def check(self, method, path, query, headers, body) -> Checked:
        p, problem = _signed_form(method, body, {
            "method": "taobao.logistics.offline.send", "app_key": APP_KEY, "session": TOKEN,
            "format": "json", "v": "2.0", "sign_method": "md5"}, _valid_time)
        if problem:
            return Checked(problem=problem)
        if not all(p.get(k) for k in ("tid", "out_sid", "company_code")):
            return Checked(problem="business parameters missing")
        return Checked(Shipment(p["tid"], p["company_code"], p["out_sid"]))

    def ok(self):
        return 200, _json({"logistics_offline_send_response": {"shipping": {"is_success": True},
                                                                "request_id": "r1"}})

    def error(self, kind):
        sub = {
            "already_shipped": ("isv.logistics-offline-service-error:B04", "订单已发货，不能重复发货"),
            "refuse_carrier": ("isv.logistics-offline-service-error:B27", "物流公司不支持"),
            "sign": ("isv.invalid-signature", "Invalid signature"),
        }
        if kind == "credentials":
            return 200, _json({"error_response": {"code": 27, "msg": "Invalid session",
                                                  "sub_code": "invalid-sessionkey",
                                                  "sub_msg": f"session {TOKEN} expired"}})
        if kind == "busy":
            return 200, _json({"error_response": {"code": 15, "msg": "Remote service error",
                                                  "sub_code": "isp.remote-service-timeout",
                                                  "sub_msg": "服务超时"}})
        code, message = sub[kind]
        return 200, _json({"error_response": {"code": 15, "msg": "Remote service error",
                                              "sub_code": code, "sub_msg": message,
                                              "request_id": "r2"}})


class Jos:
    """jingdong.pop.order.shipment: form POST, 360buy_param_json, md5 sign, JOS envelopes."""

    path = "/routerjson"

    def check(self, method, path, query, headers, body) -> Checked:
        p, problem = _signed_form(method, body, {
            "method": "jingdong.pop.order.shipment", "app_key": APP_KEY, "access_token": TOKEN,
            "format": "json", "v": "2.0", "sign_method": "md5"}, _valid_time)
        if problem:
            return Checked(problem=problem)
        business = json.loads(p.get("360buy_param_json", "{}"))
        if not isinstance(business.get("orderId"), int) or not business.get("logiCoprId"):
            return Checked(problem=f"360buy_param_json wrong: {business}")
        return Checked(Shipment(str(business["orderId"]), business["logiCoprId"],
                                business.get("logiNo", "")))

    def ok(self):
        return 200, _json({"jingdong_pop_order_shipment_responce": {
            "code": "0", "sopjosshipment_result": {"success": True, "chineseErrCode": "成功",
                                                   "englishErrCode": "success",
                                                   "errorCode": ""}}})

    def error(self, kind):
        if kind in ("credentials", "sign"):
            return 200, _json({"error_response": {"code": "19", "zh_desc": "无效的access_token",
                                                  "en_desc": "Invalid access_token"}})
        if kind == "busy":
            return 200, _json({"error_response": {"code": "1", "zh_desc": "系统繁忙，请稍后重试",
                                                  "en_desc": "system busy"}})
        words = {"already_shipped": ("订单已出库，不能重复发货", "order already shipped"),
                 "refuse_carrier": ("物流公司ID不正确", "invalid logistics company")}[kind]
        return 200, _json({"jingdong_pop_order_shipment_responce": {
            "code": "0", "sopjosshipment_result": {"success": False, "chineseErrCode": words[0],
                                                   "englishErrCode": words[1],
                                                   "errorCode": "10400001"}}})


class Pdd:
    """pdd.logistics.online.send: form POST, md5 sign, Pinduoduo envelopes."""

    path = "/api/router"

    def check(self, method, path, query, headers, body) -> Checked:
        p, problem = _signed_form(method, body, {
            "type": "pdd.logistics.online.send", "client_id": APP_KEY, "access_token": TOKEN,
            "data_type": "JSON", "version": "V1"}, _unix_now)
        if problem:
            return Checked(problem=problem)
        if not all(p.get(k) for k in ("order_sn", "logistics_id", "tracking_number")):
            return Checked(problem="business parameters missing")
        return Checked(Shipment(p["order_sn"], p["logistics_id"], p["tracking_number"]))

    def ok(self):
        return 200, _json({"logistics_online_send_response": {"is_success": True,
                                                               "request_id": "r1"}})

    def error(self, kind):
        words = {
            "already_shipped": (52004, "订单已发货"),
            "refuse_carrier": (52002, "快递公司不存在"),
            "credentials": (10019, "access_token已过期"),
            "sign": (20004, "签名错误"),
            "busy": (50000, "系统繁忙"),
        }[kind]
        return 200, _json({"error_response": {"error_code": words[0], "error_msg": words[1],
                                              "sub_code": "", "sub_msg": "",
                                              "request_id": "r2"}})


class Doudian:
    """order.logisticsAdd: query-string system parameters, param_json body, hmac-sha256."""

    path = "/order/logisticsAdd"

    def check(self, method, path, query, headers, body) -> Checked:
        q = {key: values[0] for key, values in parse_qs(query).items()}
        expected = {"app_key": APP_KEY, "method": "order.logisticsAdd", "access_token": TOKEN,
                    "v": "2", "sign_method": "hmac-sha256"}
        wrong = [k for k, v in expected.items() if q.get(k) != v]
        if method != "POST" or path != self.path or wrong or not _valid_time(
                q.get("timestamp", "")):
            return Checked(problem=f"system parameters wrong: {wrong} {path}")
        text = body.decode("utf-8")
        business = json.loads(text)
        if text != json.dumps(business, ensure_ascii=False, separators=(",", ":"),
                              sort_keys=True):
            return Checked(problem="param_json is not compact with its keys sorted")
        if not all(isinstance(v, str) for v in business.values()):
            return Checked(problem="param_json values must be strings")
        pattern = (f"app_key{APP_KEY}method{q['method']}param_json{text}"
                   f"timestamp{q['timestamp']}v2")
        sign = hmac.new(SECRET.encode(), (SECRET + pattern + SECRET).encode(),
                        hashlib.sha256).hexdigest()
        if q.get("sign") != sign:
            return Checked(problem="sign")
        return Checked(Shipment(business["order_id"], business["company_code"],
                                business["logistics_code"]))

    def ok(self):
        return 200, _json({"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "",
                           "data": {}, "log_id": "l1"})

    def error(self, kind):
        answers = {
            "already_shipped": (50002, "业务处理失败", "isv.business-failed:12", "订单已发货"),
            "refuse_carrier": (50002, "业务处理失败", "isv.business-failed:30",
                               "物流公司编码不存在"),
            "credentials": (40003, "非法的参数", "isv.access-token-expired", "access_token已过期"),
            "sign": (40003, "非法的参数", "isv.signature-invalid", "签名校验失败"),
            "busy": (20000, "服务不可用", "dop.service-error", "服务繁忙"),
        }
        code, msg, sub_code, sub_msg = answers[kind]
        return 200, _json({"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg,
                           "data": {}, "log_id": "l2"})


class ShopifyGraphql:
    """GraphQL Admin API 2025-01: fulfillment orders, then fulfillmentCreate."""

    path = "/admin/api/2025-01/graphql.json"

    def __init__(self) -> None:
        self.closed: set[str] = set()

    def check(self, method, path, query, headers, body) -> Checked:
        if method != "POST" or path != self.path:
            return Checked(problem=f"wrong endpoint {method} {path}")
        if headers.get("X-Shopify-Access-Token") != TOKEN:
            return Checked(problem="token")
        request = json.loads(body)
        variables = request.get("variables") or {}
        if "fulfillmentOrders" in request["query"] and "mutation" not in request["query"]:
            order_gid = variables.get("id", "")
            if not order_gid.startswith("gid://shopify/Order/"):
                return Checked(problem=f"order id {order_gid!r}")
            return Checked(extra={"lookup": order_gid.rsplit("/", 1)[1]})
        if "fulfillmentCreate" in request["query"]:
            fulfillment = variables["fulfillment"]
            [group] = fulfillment["lineItemsByFulfillmentOrder"]
            order_no = group["fulfillmentOrderId"].rsplit("/", 1)[1]
            info = fulfillment["trackingInfo"]
            if fulfillment.get("notifyCustomer") is not True:
                return Checked(problem="notifyCustomer")
            return Checked(Shipment(order_no, info["company"], info["number"]))
        return Checked(problem="unknown query")

    def lookup(self, order_no: str, shipped: bool):
        status = "CLOSED" if shipped else "OPEN"
        return 200, _json({"data": {"order": {"id": f"gid://shopify/Order/{order_no}",
                                              "fulfillmentOrders": {"nodes": [
                                                  {"id": f"gid://shopify/FulfillmentOrder/"
                                                         f"{order_no}", "status": status}]}}}})

    def ok(self):
        return 200, _json({"data": {"fulfillmentCreate": {
            "fulfillment": {"id": "gid://shopify/Fulfillment/1", "status": "SUCCESS"},
            "userErrors": []}}})

    def error(self, kind):
        if kind in ("credentials", "sign"):
            return 401, _json({"errors": "[API] Invalid API key or access token (unrecognized "
                                         "login or wrong password)"})
        if kind == "busy":
            return 200, _json({"errors": [{"message": "Throttled",
                                           "extensions": {"code": "THROTTLED"}}]})
        message = {"already_shipped": "Fulfillment order is already closed",
                   "refuse_carrier": "Tracking company is invalid"}[kind]
        return 200, _json({"data": {"fulfillmentCreate": {"fulfillment": None, "userErrors": [
            {"field": ["fulfillment"], "message": message}]}}})


class Amazon:
    """SP-API: an LWA token, then getOrderItems and confirmShipment, each SigV4-signed."""

    path = ""
    marketplace = "ATVPDKIKX0DER"
    aws_key_id = "AKIDEXAMPLE0CROSSB"
    aws_secret = "aws-secret-9f8e7d6c5b4a"
    region = "us-east-1"
    lwa_token = "Atza|IwEBIFakeAccessToken"

    def check(self, method, path, query, headers, body) -> Checked:
        if path == "/auth/o2/token":
            form = _form(body)
            expected = {"grant_type": "refresh_token", "refresh_token": TOKEN,
                        "client_id": APP_KEY, "client_secret": SECRET}
            if method != "POST" or form != expected:
                return Checked(extra={"reply": (400, _json({
                    "error": "invalid_client", "error_description": "Client authentication "
                                                                    "failed"}))})
            return Checked(extra={"reply": (200, _json({
                "access_token": self.lwa_token, "token_type": "bearer", "expires_in": 3600,
                "refresh_token": TOKEN}))})
        if headers.get("x-amz-access-token") != self.lwa_token:
            return Checked(problem="token")
        if not self._signed(method, path, query, headers, body):
            return Checked(problem="sign")
        parts = path.split("/")  # /orders/v0/orders/{id}/orderItems|shipmentConfirmation
        if len(parts) != 6 or parts[1:4] != ["orders", "v0", "orders"]:
            return Checked(problem=f"wrong path {path}")
        order_no = parts[4]
        if method == "GET" and parts[5] == "orderItems":
            return Checked(extra={"lookup": order_no})
        if method != "POST" or parts[5] != "shipmentConfirmation":
            return Checked(problem=f"wrong call {method} {path}")
        request = json.loads(body)
        package = request.get("packageDetail") or {}
        if request.get("marketplaceId") != self.marketplace or not package.get(
                "packageReferenceId", "").isdigit() or not package.get("orderItems"):
            return Checked(problem=f"confirmShipment body wrong: {request}")
        if package.get("carrierCode") == "Other" and not package.get("carrierName"):
            return Checked(problem="carrierName is required with Other")
        time.strptime(package["shipDate"], "%Y-%m-%dT%H:%M:%SZ")
        return Checked(Shipment(order_no, package.get("carrierName") or package["carrierCode"],
                                package["trackingNumber"]))

    def _signed(self, method, path, query, headers, body) -> bool:
        """SigV4 as AWS documents it, written here without the adapter's code."""
        auth = headers.get("Authorization", "")
        amz_date = headers.get("x-amz-date", "")
        if not auth.startswith("AWS4-HMAC-SHA256 ") or len(amz_date) != 16:
            return False
        fields = dict(part.strip().split("=", 1) for part in auth[17:].split(","))
        names = fields["SignedHeaders"].split(";")
        values = {"host": headers.get("Host", ""), "x-amz-date": amz_date,
                  "x-amz-access-token": headers.get("x-amz-access-token", "")}
        canonical = (f"{method}\n{path}\n{query}\n"
                     + "".join(f"{n}:{values[n]}\n" for n in names)
                     + f"\n{';'.join(names)}\n{hashlib.sha256(body).hexdigest()}")
        scope = f"{amz_date[:8]}/{self.region}/execute-api/aws4_request"
        string = (f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n"
                  f"{hashlib.sha256(canonical.encode()).hexdigest()}")
        key = ("AWS4" + self.aws_secret).encode()
        for piece in (amz_date[:8], self.region, "execute-api", "aws4_request"):
            key = hmac.new(key, piece.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, string.encode(), hashlib.sha256).hexdigest()
        return (fields["Credential"] == f"{self.aws_key_id}/{scope}"
                and set(names) == {"host", "x-amz-date", "x-amz-access-token"}
                and hmac.compare_digest(fields["Signature"], expected))

    def lookup(self, order_no: str, shipped: bool):
        return 200, _json({"payload": {"AmazonOrderId": order_no, "OrderItems": [
            {"OrderItemId": "68828574383266", "SellerSKU": "KIDS-TEE-RED-110",
             "QuantityOrdered": 2, "QuantityShipped": 2 if shipped else 0}]}})

    def ok(self):
        return 204, b""

    def error(self, kind):
        if kind in ("credentials", "sign"):
            return 403, _json({"errors": [{"code": "Unauthorized", "message": "Access to "
                               "requested resource is denied.", "details": ""}]})
        if kind == "busy":
            return 429, _json({"errors": [{"code": "QuotaExceeded",
                                           "message": "You exceeded your quota"}]})
        message = {"already_shipped": "The order is already shipped",
                   "refuse_carrier": "Invalid carrier code for the marketplace"}[kind]
        return 400, _json({"errors": [{"code": "InvalidInput", "message": message}]})


class Shopee:
    """v2.logistics.ship_order: query-string common parameters, HMAC-SHA256 sign."""

    path = "/api/v2/logistics/ship_order"
    shop_id = "226178945"

    def check(self, method, path, query, headers, body) -> Checked:
        q = {key: values[0] for key, values in parse_qs(query).items()}
        if method != "POST" or path != self.path or q.get("partner_id") != APP_KEY or \
                q.get("access_token") != TOKEN or q.get("shop_id") != self.shop_id or \
                not _unix_now(q.get("timestamp", "")):
            return Checked(problem=f"common parameters wrong: {q} {path}")
        base = f"{APP_KEY}{self.path}{q['timestamp']}{TOKEN}{self.shop_id}"
        if q.get("sign") != hmac.new(SECRET.encode(), base.encode(),
                                     hashlib.sha256).hexdigest():
            return Checked(problem="sign")
        request = json.loads(body)
        tracking = (request.get("non_integrated") or {}).get("tracking_number")
        if not request.get("order_sn") or not tracking:
            return Checked(problem=f"body wrong: {request}")
        return Checked(Shipment(request["order_sn"], "", tracking))

    def ok(self):
        return 200, _json({"request_id": "r1", "error": "", "message": "", "response": {}})

    def error(self, kind):
        error, message = {
            "already_shipped": ("logistics.ship_order_invalid_status",
                                "The order is already shipped."),
            "refuse_carrier": ("logistics.invalid_carrier", "The logistics carrier does not "
                                                            "support this order."),
            "credentials": ("error_auth", f"Invalid access_token {TOKEN}."),
            "sign": ("error_sign", "Wrong sign."),
            "busy": ("error_server", "Something wrong. Please try later."),
        }[kind]
        return 200, _json({"request_id": "r2", "error": error, "message": message,
                           "response": {}})


class Lazada:
    """/order/items/get then /order/rts: system parameters, upper-case HMAC-SHA256 sign."""

    path = "/rest"

    def check(self, method, path, query, headers, body) -> Checked:
        api = path.removeprefix(self.path)
        p = _form(query.encode() if method == "GET" else body)
        text = api + "".join(k + p[k] for k in sorted(p) if k != "sign")
        sign = hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
        stamp = p.get("timestamp", "")
        if p.get("app_key") != APP_KEY or p.get("access_token") != TOKEN or \
                p.get("sign_method") != "sha256" or not stamp.isdigit() or \
                abs(int(stamp) / 1000 - time.time()) > 600:
            return Checked(problem=f"system parameters wrong: {p}")
        if p.get("sign") != sign:
            return Checked(problem="sign")
        if method == "GET" and api == "/order/items/get":
            return Checked(extra={"lookup": p["order_id"]})
        if method != "POST" or api != "/order/rts" or p.get("delivery_type") != "dropship":
            return Checked(problem=f"wrong call {method} {api} {p}")
        ids = json.loads(p["order_item_ids"])
        if ids != [473208811250713, 473208811350713]:
            return Checked(problem=f"order_item_ids {ids}")
        return Checked(Shipment("473208811150713", p["shipment_provider"],
                                p["tracking_number"]))

    def lookup(self, order_no: str, shipped: bool):
        status = "ready_to_ship" if shipped else "pending"
        return 200, _json({"code": "0", "request_id": "r0", "data": [
            {"order_item_id": 473208811250713, "order_id": int(order_no), "status": status},
            {"order_item_id": 473208811350713, "order_id": int(order_no), "status": status},
            {"order_item_id": 473208811450713, "order_id": int(order_no),
             "status": "canceled"}]})

    def ok(self):
        return 200, _json({"code": "0", "request_id": "r1", "data": {"order_items": [
            {"order_item_id": 473208811250713, "tracking_number": "JT1"}]}})

    def error(self, kind):
        code, message = {
            "already_shipped": ("E0063", "Order item is already shipped"),
            "refuse_carrier": ("E0062", "Invalid shipment provider: carrier not found"),
            "credentials": ("IllegalAccessToken", "The specified access token is invalid or "
                                                  "expired"),
            "sign": ("IncompleteSignature", "The request signature does not conform to "
                                            "platform standards"),
            "busy": ("ServiceTimeout", "The request has failed due to a temporary failure"),
        }[kind]
        return 200, _json({"code": code, "type": "ISV", "message": message,
                           "request_id": "r2"})


DIALECTS = {"taobao": Top, "tmall": Top, "jd": Jos, "pdd": Pdd, "douyin": Doudian,
            "shopify": ShopifyGraphql, "amazon": Amazon, "shopee": Shopee, "lazada": Lazada}


# --- the server ----------------------------------------------------------------------------------
class FakePlatform:
    """``with FakePlatform("jd") as fake: …``: a platform at ``fake.base_url``."""

    def __init__(self, platform: str, *, delay: float = 1.0) -> None:
        self.platform = platform
        self.dialect = DIALECTS[platform]()
        self.delay = delay
        self.script: deque[str] = deque()
        self.requests: list[Checked] = []
        self.problems: list[str] = []
        self.shipped: Counter[str] = Counter()  # order number -> confirmations accepted
        self.raw: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                self.do_POST(method="GET")

            def do_POST(self, method="POST"):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                status, answer = fake.answer(method, url.path, url.query, self.headers, body,
                                             self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status < 500
                                 else "text/html")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                try:
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped waiting (a timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        root = f"http://{host}:{port}"
        return root if self.platform in ("douyin", "shopify", "amazon", "shopee") \
            else root + self.dialect.path

    def next(self, *answers: str) -> "FakePlatform":
        """Script the next answers (then ``ok`` again)."""
        self.script.extend(answers)
        return self

    def answer(self, method, path, query, headers, body, raw_path):
        with self._lock:
            self.raw.append((raw_path, body))
            checked = self.dialect.check(method, path, query, headers, body)
            self.requests.append(checked)
            if checked.problem:
                self.problems.append(checked.problem)
                return self.dialect.error("sign")
            if "reply" in checked.extra:  # Amazon's LWA token: answered, never scripted
                return checked.extra["reply"]
            if "lookup" in checked.extra:  # a read first (Shopify, Amazon, Lazada): never scripted
                order_no = checked.extra["lookup"]
                return self.dialect.lookup(order_no, self.shipped[order_no] > 0)
            kind = self.script.popleft() if self.script else "ok"
        if kind == "server_error":
            return 502, b"<html><body>502 Bad Gateway</body></html>"
        if kind == "slow":
            time.sleep(self.delay)
            kind = "ok"
        if kind != "ok":
            return self.dialect.error(kind)
        with self._lock:
            order_no = checked.shipment.order_no
            if self.shipped[order_no]:
                return self.dialect.error("already_shipped")
            self.shipped[order_no] += 1
        return self.dialect.ok()

    @property
    def shipments(self) -> list[Shipment]:
        return [checked.shipment for checked in self.requests if checked.shipment]

    def __enter__(self) -> "FakePlatform":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
