"""Chinese numerals as Arabic digits, for matching only (ingest.normalize applies it to
documents and questions alike, so "二〇一七年" meets "2017年" and "三十六份" meets "36份").

Only what is unambiguous is converted:
- digit-by-digit numbers written with 〇/零 ("二〇一七" → 2017, "二零二三" → 2023);
- well-formed place-value numbers of two characters or more that start with a digit or
  with 十 ("三十一" → 31, "十三" → 13, "一百零五" → 105, "两千" → 2000, "三万五千" → 35000);
- 十 alone before a counter word ("十条" → "10条").
Everything else stays: a lone 一…九 (一些, 一旦, 三农), runs of bare digits without a
place value ("略知一二一味": 一二 + 一味), numbers that do not parse ("一五一十", "万一",
"千万"), and 十 in words ("十分").
"""

from __future__ import annotations

import re

DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "两": 2}
ZEROS = "〇零"
UNITS = {"十": 10, "百": 100, "千": 1000}
TEN_THOUSAND = "万"
COUNTERS = "条项个份年天人名次件家岁位种届"  # 十 alone is a number before these
_RUN = re.compile(f"[{ZEROS}{''.join(DIGITS)}{''.join(UNITS)}{TEN_THOUSAND}]+")
_PLAIN_DIGITS = {**{k: str(v) for k, v in DIGITS.items() if k != "两"}, "〇": "0", "零": "0"}


def arabic_numerals(text: str) -> str:
    """``text`` with its unambiguous Chinese numerals written in Arabic digits."""
    return _RUN.sub(_convert, text)


def _convert(match: re.Match[str]) -> str:
    run = match.group()
    following = match.string[match.end() : match.end() + 1]
    if run == "十":
        return "10" if following and following in COUNTERS else run
    if len(run) < 2:
        return run
    if any(z in run for z in ZEROS) and all(c in _PLAIN_DIGITS for c in run):
        digits = "".join(_PLAIN_DIGITS[c] for c in run)
        return digits if digits.strip("0") else run
    value = parse_number(run)
    return run if value is None else str(value)


def parse_number(run: str) -> int | None:
    """The value of a well-formed place-value numeral ("三十一" → 31), else None."""
    total = section = 0
    digit: int | None = None
    last_unit = 10**9
    for i, char in enumerate(run):
        if char in DIGITS:
            if digit is not None:
                return None  # two digits in a row: not a place-value numeral
            digit = DIGITS[char]
        elif char in ZEROS:
            if digit is not None or section == 0:
                return None
        elif char in UNITS:
            unit = UNITS[char]
            if digit is None:
                if not (char == "十" and i == 0):
                    return None  # 百, 千 need a digit before them; 十 may lead ("十三")
                digit = 1
            if unit >= last_unit:
                return None
            section += digit * unit
            digit, last_unit = None, unit
        else:  # 万
            section += digit or 0
            if section == 0 or total:
                return None
            total, section, digit, last_unit = section * 10_000, 0, None, 10**9
    if digit is not None and run[-1] == "两":
        return None  # 两 is a number only before a place value ("两千"), not at the end
    return total + section + (digit or 0)


__all__ = ["arabic_numerals", "parse_number"]
