"""Reading the platforms' units exactly: ids, money, times, quantities and phone numbers.

Every reader takes the value and where it was found (``where``, e.g. ``"orders.order[1].num"``)
and raises :class:`FieldProblem` with a sentence that names both. Bodies are parsed with
``parse_float=Decimal``, so a JSON number such as ``59.8`` arrives as an exact ``Decimal`` and a
19-digit id as an exact ``int``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_BEIJING_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d")
_MAINLAND_MOBILE = re.compile(r"^1\d{10}$")
_PLAIN_AMOUNT = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")
_BEIJING_PLAIN = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-()]")


class FieldProblem(ValueError):
    """Fields of one order could not be read; each problem is a sentence naming the field."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = f"'{value}'"
    else:
        text = str(value) if isinstance(value, (int, Decimal)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def get(obj: Any, key: str, where: str) -> Any:
    """``obj[key]`` of a JSON object, or a problem if ``obj`` is not one."""
    # A parsed body's objects are plain dicts: checked first, as isinstance(…, Mapping) costs
    # about a microsecond, and this runs for every field of a peak day's orders.
    if type(obj) is not dict and not isinstance(obj, Mapping):
        raise FieldProblem(f"{where}: expected an object, got {_shown(obj)}")
    return obj.get(key)


def required(obj: Any, key: str, where: str) -> Any:
    value = get(obj, key, where)
    if value is None or value == "":
        raise FieldProblem(f"{where}.{key}: missing")
    return value


def text(value: Any, where: str = "") -> str:
    """A string field; numbers are accepted as their digits, null as empty."""
    if type(value) is str:  # the common case first: a peak day reads a quarter million
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        raise FieldProblem(f"{where}: expected text, got {_shown(value)}")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if not isinstance(value, str):
        raise FieldProblem(f"{where}: expected text, got {_shown(value)}")
    return value.strip()


def id_str(value: Any, where: str) -> str:
    """An identifier kept as a string: 19-digit ids must never pass through a float."""
    if isinstance(value, bool) or value is None:
        raise FieldProblem(f"{where}: missing or not an id ({_shown(value)})")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        # 1.2345678901234567e18 has lost its last digits already: refuse rather than guess.
        raise FieldProblem(
            f"{where}: ids must be strings or whole numbers, not {_shown(value)} "
            f"(a decimal number loses the last digits of long ids)"
        )
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise FieldProblem(f"{where}: missing or not an id ({_shown(value)})")


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool):
        raise FieldProblem(f"{where}: expected an amount, got {_shown(value)}")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise FieldProblem(f"{where}: expected an amount, got {_shown(value)}") from None
    if not number.is_finite():
        raise FieldProblem(f"{where}: expected an amount, got {_shown(value)}")
    return number


def yuan(value: Any, where: str, *, default: Decimal | None = None) -> Decimal | None:
    """An amount in yuan (a decimal string or JSON number), exact to the fen."""
    if value is None or value == "":
        return default
    if type(value) is str and _PLAIN_AMOUNT.match(value):
        return Decimal(value).quantize(CENT)  # the common case, "199.00": no checks needed
    number = _decimal(value, where)
    # The range first: quantizing a number of 28 digits or more raises InvalidOperation.
    if abs(number) >= Decimal("1e12"):
        raise FieldProblem(f"{where}: {_shown(value)} is out of range")
    if number != number.quantize(CENT):
        raise FieldProblem(f"{where}: {_shown(value)} has more than two decimal places")
    return number.quantize(CENT)


def fen(value: Any, where: str, *, default: Decimal | None = None) -> Decimal | None:
    """An amount in fen (a whole number), converted to yuan exactly: 12990 → 129.90."""
    if value is None or value == "":
        return default
    number = _decimal(value, where)
    if number != number.to_integral_value():
        raise FieldProblem(f"{where}: amounts in fen are whole numbers, got {_shown(value)}")
    return yuan(number / 100, where)


# Far above any real order line, far below the database column's limit (2^31 - 1).
MAX_QUANTITY = 1_000_000


def quantity(value: Any, where: str) -> int:
    """A positive whole number of items (JSON number or digit string)."""
    try:
        number = _decimal(value, where)
    except FieldProblem:
        raise FieldProblem(f"{where}: expected a quantity, got {_shown(value)}") from None
    if number != number.to_integral_value() or number <= 0:
        raise FieldProblem(f"{where}: quantity must be a positive whole number, got "
                           f"{_shown(value)}")
    if number > MAX_QUANTITY:
        raise FieldProblem(f"{where}: quantity {_shown(value)} is out of range "
                           f"(at most {MAX_QUANTITY:,} per line)")
    return int(number)


def beijing_time(value: Any, where: str) -> dt.datetime | None:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time (TOP, JOS, Pinduoduo) → an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):  # a spreadsheet cell
        return value if value.tzinfo else value.replace(tzinfo=BEIJING)
    if not isinstance(value, str):
        raise FieldProblem(f"{where}: expected 'yyyy-MM-dd HH:mm:ss', got {_shown(value)}")
    plain = _BEIJING_PLAIN.match(value)
    if plain:  # the documented format, read without strptime (slow at peak-day volumes)
        try:
            return dt.datetime(*map(int, plain.groups()), tzinfo=BEIJING)
        except ValueError:
            raise FieldProblem(f"{where}: {_shown(value)} is not a valid time") from None
    for fmt in _BEIJING_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt).replace(tzinfo=BEIJING)
        except ValueError:
            continue
    raise FieldProblem(f"{where}: expected 'yyyy-MM-dd HH:mm:ss', got {_shown(value)}")


def unix_seconds(value: Any, where: str) -> dt.datetime | None:
    """Unix seconds (抖店) → an aware datetime; 0 means "not yet" on that platform."""
    if value is None or value == "" or value == 0 or value == "0":
        return None
    number = _decimal(value, where)
    if number != number.to_integral_value() or number < 0 or number > 10_000_000_000:
        raise FieldProblem(f"{where}: expected Unix seconds, got {_shown(value)}")
    return dt.datetime.fromtimestamp(int(number), tz=dt.timezone.utc)


def iso_time(value: Any, where: str) -> dt.datetime | None:
    """ISO 8601 with an offset (Shopify, our mini-program) → an aware datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldProblem(f"{where}: expected an ISO 8601 time, got {_shown(value)}")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise FieldProblem(f"{where}: expected an ISO 8601 time, got {_shown(value)}") from None
    if parsed.tzinfo is None:
        raise FieldProblem(f"{where}: {_shown(value)} has no UTC offset (e.g. +08:00)")
    return parsed


# --- phones ----------------------------------------------------------------------------------
def phone_is_masked(value: str) -> bool:
    """Masked (``138****5621``) or encrypted by the platform: not a number anyone can dial."""
    if not value:
        return False
    return not re.fullmatch(r"\+?[\d\s\-()]+", value)


def mainland_mobile(value: str) -> str | None:
    """The 11-digit mainland mobile in ``value`` (``+86 138-0013-8000`` → ``13800138000``)."""
    digits = _PHONE_PUNCTUATION.sub("", value or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return digits if _MAINLAND_MOBILE.match(digits) else None


def international_phone(value: str) -> str | None:
    """A dialable foreign number in ``+<digits>`` form (Shopify), or None."""
    digits = _PHONE_PUNCTUATION.sub("", value or "")
    if digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) <= 16:
        return digits
    return None


def offset_time(value: Any, where: str) -> dt.datetime | None:
    """``yyyy-MM-dd HH:mm:ss +0800``, a local time with its UTC offset (Lazada) → an aware
    datetime. The offset is required: a time without one cannot be placed."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldProblem(f"{where}: expected 'yyyy-MM-dd HH:mm:ss +0800', got {_shown(value)}")
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        pass
    parsed = iso_time(value, where)  # the ISO form some of its fields use (sla_time_stamp)
    return parsed


_GROUPED_AMOUNT = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d{1,2})?$")


def grouped_amount(value: Any, where: str, *, default: Decimal | None = None) -> Decimal | None:
    """An amount that may carry thousands separators (Lazada's ``"1,299.00"``), exact."""
    if isinstance(value, str) and _GROUPED_AMOUNT.match(value.strip()):
        value = value.strip().replace(",", "")
    return yuan(value, where, default=default)


def currency_code(value: Any, where: str) -> str:
    """An ISO 4217 code (``USD``), upper-cased; anything else is a problem."""
    code = text(value, where).upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise FieldProblem(f"{where}: expected an ISO 4217 currency code, got {_shown(value)}")
    return code


CALLING_CODES = {"SG": "65", "MY": "60", "TH": "66", "ID": "62", "VN": "84", "PH": "63",
                 "TW": "886", "BR": "55", "MX": "52", "CO": "57", "CL": "56", "AR": "54"}


def with_calling_code(value: str, country: str) -> str:
    """A Southeast Asian marketplace phone as dialable ``+<digits>``: Shopee and Lazada send
    ``6591234567`` (country code, no plus) or a national ``0123456789``. Masked or other text
    is kept as given."""
    digits = _PHONE_PUNCTUATION.sub("", value or "")
    code = CALLING_CODES.get(country, "")
    if not code or not digits.isdigit():
        return value
    if digits.startswith(code):
        return "+" + digits
    if digits.startswith("0"):
        return "+" + code + digits[1:]
    return value
