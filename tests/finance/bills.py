"""Statement files as the platforms write them, for the matching cases.

- Alipay account bill (账务明细) and trade bill (业务明细): GBK bytes, ``#`` comment lines above
  and below the table, every value padded with a trailing tab, totals in the footer.
- WeChat Pay trade bill (type ALL): UTF-8, every value prefixed with a backtick, refunds as
  rows of their own with a negative fee, five-decimal fees, the summary lines at the end.

The hand-written files in ``tests/finance/files/`` show the same formats whole.
"""
from __future__ import annotations

from dataclasses import dataclass

ACCOUNT_HEADER = (
    "账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,"
    "账户余额（元）,交易渠道,业务类型,备注"
)
TRADE_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
    "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
    "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
    "退款批次号/请求号,服务费（元）,分润（元）,备注"
)
WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
    "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
WECHAT_SUMMARY_HEADER = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
ALIPAY_ID = "20881234567890120156"


def _padded(values: list[str]) -> str:
    # Alipay pads every value with a tab so that Excel keeps long numbers as text.
    return ",".join(f"{value}\t" for value in values)


@dataclass
class AccountRow:
    entry: str
    serial: str
    amount_in: str = ""
    amount_out: str = ""
    merchant_no: str = ""
    item: str = "商品"
    at: str = "2026-01-28 10:15:30"
    counterparty: str = "张**(zha***@163.com)"
    balance: str = "10000.00"
    business_type: str = "交易付款"
    remark: str = ""

    def csv(self) -> str:
        return _padded([
            self.entry, self.serial, self.merchant_no, self.item, self.at, self.counterparty,
            self.amount_in, self.amount_out, self.balance, "支付宝", self.business_type, self.remark,
        ])


def alipay_account_bill(
    rows: list[AccountRow], *, footer: bool = True, income_count: int | None = None
) -> bytes:
    incomes = [row for row in rows if row.amount_in not in ("", "0.00")]
    expenses = [row for row in rows if row.amount_out not in ("", "0.00")]
    lines = [
        "#支付宝账务明细查询",
        f"#账号：[{ALIPAY_ID}]",
        "#起始日期：[2026年01月28日 00:00:00]   终止日期：[2026年01月29日 00:00:00]",
        "#-----------------------------------------账务明细列表----------------------------------------",
        ACCOUNT_HEADER,
        *(row.csv() for row in rows),
        "#-----------------------------------------账务明细列表结束------------------------------------",
    ]
    if footer:
        lines += [
            f"#支出合计：{len(expenses)}笔，共-0.00元",
            f"#收入合计：{len(incomes) if income_count is None else income_count}笔，共0.00元",
            "#导出时间：[2026年01月29日 09:12:11]",
        ]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


@dataclass
class TradeRow:
    trade_no: str
    merchant_no: str
    order_amount: str
    received: str
    fee: str = "0.00"
    business_type: str = "交易"
    batch: str = ""
    created: str = "2026-01-28 11:00:00"
    finished: str = "2026-01-28 11:00:05"
    merchant_discount: str = "0.00"

    def csv(self) -> str:
        values = [
            f"{self.trade_no}\t", f"{self.merchant_no}\t", f"{self.business_type}\t", "保温杯 500ml",
            self.created, self.finished, "\t", "\t", "\t", "\t", "*伟(138****0001)\t",
            self.order_amount, self.received, "0.00", "0.00", "0.00", self.merchant_discount,
            "0.00", "", "0.00\t", "0.00", f"{self.batch}\t", self.fee, "0.00", "",
        ]
        return ",".join(values)


def alipay_trade_bill(rows: list[TradeRow]) -> bytes:
    trades = sum(1 for row in rows if row.business_type == "交易")
    refunds = sum(1 for row in rows if row.business_type == "退款")
    lines = [
        "#支付宝业务明细查询",
        f"#账号：[{ALIPAY_ID}]",
        "#起始日期：[2026年01月28日 00:00:00]   终止日期：[2026年01月29日 00:00:00]",
        "#-----------------------------------------业务明细列表----------------------------------------",
        TRADE_HEADER,
        *(row.csv() for row in rows),
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{trades}笔，商家实收共0.00元，商家优惠共0.00元",
        f"#退款合计：{refunds}笔，商家实收共0.00元，商家优惠共0.00元",
        "#导出时间：[2026年01月29日 09:15:02]",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


@dataclass
class WechatRow:
    transaction_id: str
    merchant_no: str
    settled: str = "0.00"
    fee: str = "0.00000"
    status: str = "SUCCESS"
    coupon: str = "0.00"
    refund_id: str = "0"
    merchant_refund_no: str = "0"
    refund: str = "0.00"
    order_amount: str = ""
    refund_requested: str = "0.00"
    at: str = "2026-01-28 10:15:30"
    rate: str = "0.60%"

    def csv(self) -> str:
        refunding = self.status == "REFUND"
        values = [
            self.at, "wx2421b1c4370ec43b", "1900000109", "0", "", self.transaction_id,
            self.merchant_no, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI", self.status, "CMB_CREDIT",
            "CNY", self.settled, self.coupon, self.refund_id, self.merchant_refund_no, self.refund,
            "0.00", "ORIGINAL" if refunding else "", "SUCCESS" if refunding else "", "纯棉短袖T恤", "",
            self.fee, self.rate, self.order_amount or self.settled, self.refund_requested, "",
        ]
        return ",".join(f"`{value}" for value in values)


def wechat_bill(
    rows: list[WechatRow], *, declared_rows: int | None = None, summary: bool = True
) -> bytes:
    lines = [WECHAT_HEADER, *(row.csv() for row in rows)]
    if summary:
        count = len(rows) if declared_rows is None else declared_rows
        lines += [WECHAT_SUMMARY_HEADER, f"`{count},`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00"]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
