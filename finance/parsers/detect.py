"""Which kind of statement a file is, read from the file itself (the header row each platform
writes), so that finance need not choose; the choice stays as an override.

Only the first lines are read: every supported file names its columns at the top (Alipay bills
after a few ``#`` lines, the WeChat Pay bill on its first line, Amazon's settlement report on
its first line, tab-separated; the generic template in its first row).
"""
from __future__ import annotations

from finance import texts
from finance.models import Source
from finance.parsers.base import StatementRejected, header_name

# Lines of a text file looked at for a header (Alipay's preamble is 4–5 lines).
HEAD_LINES = 12
HEAD_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"

# (source, columns that only its header has), most specific first.
SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Source.AMAZON_SETTLEMENT, ("settlement-id", "total-amount", "amount-type", "amount")),
    (Source.ALIPAY_ACCOUNT, ("账务流水号", "业务流水号", "收入金额(+元)")),
    (Source.ALIPAY_TRADE, ("支付宝交易号", "商家实收(元)", "服务费(元)")),
    (Source.WECHATPAY, ("微信订单号", "交易状态", "应结订单金额")),
    (Source.GENERIC, ("kind", "payment_serial_no", "amount")),
)


def _head_text(content: bytes) -> str:
    head = content[:HEAD_BYTES]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as problem:
            # A multi-byte character cut at the end of the head is not a wrong encoding.
            if problem.start >= len(head) - 4:
                return head[: problem.start].decode(encoding, errors="ignore")
    raise StatementRejected(texts.NOT_TEXT_OR_XLSX.encode())


def _cells(line: str) -> set[str]:
    separator = "\t" if line.count("\t") > line.count(",") else ","
    return {header_name(cell.strip('"')) for cell in line.split(separator)}


def detect_source(content: bytes, *, file_name: str = "") -> str:
    """The statement's source (``finance.models.Source``), or a 400 naming what was looked for."""
    if content.startswith(ZIP_MAGIC) or file_name.lower().endswith(".xlsx"):
        # Only the generic template comes as a workbook.
        return Source.GENERIC
    for line in _head_text(content).splitlines()[:HEAD_LINES]:
        cells = _cells(line)
        for source, columns in SIGNATURES:
            if all(column in cells for column in columns):
                return source
    raise StatementRejected(texts.KIND_UNKNOWN.encode(file=file_name or "?", lines=HEAD_LINES))
