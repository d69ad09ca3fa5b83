"""Administrative region codes (医保区划, 6 digits) that gongji knows, with their names.

One list for the whole system: enrollments, accounts, rules and reports name regions by these codes. A city
(``130100`` Shijiazhuang) belongs to the province whose code shares its first two digits (``130000`` Hebei);
``100000`` stands for the national level. Municipalities (Beijing ``110000``, Shanghai ``310000``, Tianjin,
Chongqing) are province and pooling region at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.wording import Text

__all__ = ["NATIONAL", "Region", "all_regions", "parse_region", "province_of", "region_name", "region_term"]

NATIONAL = "100000"


@dataclass(frozen=True)
class Region:
    """A region code with its Chinese and English names."""

    code: str
    zh: str
    en: str

    @property
    def is_province(self) -> bool:
        """Province-level codes end in ``0000`` (the national code too)."""
        return self.code.endswith("0000")


_REGIONS: dict[str, tuple[str, str]] = {
    NATIONAL: ("全国", "National"),
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
    "130100": ("石家庄市", "Shijiazhuang"),
    "130200": ("唐山市", "Tangshan"),
    "130300": ("秦皇岛市", "Qinhuangdao"),
    "131000": ("廊坊市", "Langfang"),
    "131100": ("衡水市", "Hengshui"),
    "140000": ("山西省", "Shanxi"),
    "150000": ("内蒙古自治区", "Inner Mongolia"),
    "210000": ("辽宁省", "Liaoning"),
    "220000": ("吉林省", "Jilin"),
    "220100": ("长春市", "Changchun"),
    "230000": ("黑龙江省", "Heilongjiang"),
    "310000": ("上海市", "Shanghai"),
    "320000": ("江苏省", "Jiangsu"),
    "320300": ("徐州市", "Xuzhou"),
    "321100": ("镇江市", "Zhenjiang"),
    "330000": ("浙江省", "Zhejiang"),
    "330100": ("杭州市", "Hangzhou"),
    "330500": ("湖州市", "Huzhou"),
    "330800": ("衢州市", "Quzhou"),
    "340000": ("安徽省", "Anhui"),
    "350000": ("福建省", "Fujian"),
    "350200": ("厦门市", "Xiamen"),
    "360000": ("江西省", "Jiangxi"),
    "370000": ("山东省", "Shandong"),
    "370100": ("济南市", "Jinan"),
    "370900": ("泰安市", "Tai'an"),
    "410000": ("河南省", "Henan"),
    "420000": ("湖北省", "Hubei"),
    "420700": ("鄂州市", "Ezhou"),
    "421200": ("咸宁市", "Xianning"),
    "429021": ("神农架林区", "Shennongjia"),
    "430000": ("湖南省", "Hunan"),
    "440000": ("广东省", "Guangdong"),
    "440100": ("广州市", "Guangzhou"),
    "440300": ("深圳市", "Shenzhen"),
    "441900": ("东莞市", "Dongguan"),
    "450000": ("广西壮族自治区", "Guangxi"),
    "460000": ("海南省", "Hainan"),
    "500000": ("重庆市", "Chongqing"),
    "510000": ("四川省", "Sichuan"),
    "510100": ("成都市", "Chengdu"),
    "520000": ("贵州省", "Guizhou"),
    "530000": ("云南省", "Yunnan"),
    "540000": ("西藏自治区", "Tibet"),
    "610000": ("陕西省", "Shaanxi"),
    "610100": ("西安市", "Xi'an"),
    "620000": ("甘肃省", "Gansu"),
    "630000": ("青海省", "Qinghai"),
    "640000": ("宁夏回族自治区", "Ningxia"),
    "650000": ("新疆维吾尔自治区", "Xinjiang"),
}


def parse_region(code: str | int) -> Region:
    """Return the region for a 6-digit code, or raise ``CODE_UNKNOWN`` naming the code."""
    text = str(code).strip()
    if text not in _REGIONS:
        raise InvalidInput(ErrorCode.CODE_UNKNOWN, code_list_zh="医保区划", code_list_en="region (admdvs)", value=text)
    zh, en = _REGIONS[text]
    return Region(text, zh, en)


def region_term(code: str) -> Text:
    """A known region as a term for messages, named with its code in either language (``130100 石家庄市`` /
    ``130100 Shijiazhuang``); the code is the term's code."""
    region = parse_region(code)
    return Text(f"{region.code} {region.zh}", f"{region.code} {region.en}", region.code)


def region_name(code: str) -> str:
    """The Chinese name of a known region code, or the code itself when it is not known."""
    return _REGIONS.get(code, (code, code))[0]


def province_of(code: str) -> str:
    """The province code of a region (``130100`` → ``130000``); the national code is its own province."""
    if code == NATIONAL:
        return NATIONAL
    return code[:2] + "0000"


def all_regions() -> list[Region]:
    """Every known region, in code order."""
    return [Region(code, zh, en) for code, (zh, en) in sorted(_REGIONS.items())]
