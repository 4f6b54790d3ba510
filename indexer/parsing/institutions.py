"""The institution-type vocabulary: what kind of body a notice's inspected institution is.

A Chinese institution name ends with its head noun (…人民医院, …卫生院, …卫生健康局, …镇), so
the type is decided by the end of the name, first matching row wins; qualifiers inside the
name (中医, 妇幼) only refine a 院. Order matters: 医疗保障局 must be seen before the generic
…局, 乡镇卫生院 before …院.

    >>> institution_type("青禾县人民医院")
    'hospital'
    >>> institution_type("云岭市中医医院")
    'tcm_hospital'
    >>> institution_type("青禾县卫生健康局")
    'health_commission'

| key                      | label            | name ends with (examples)                          |
|--------------------------|------------------|----------------------------------------------------|
| tcm_hospital             | 中医医院         | 中医医院, 中医院, 中西医结合医院, 蒙医医院           |
| maternal_child_hospital  | 妇幼保健机构     | 妇幼保健院, 妇幼保健计划生育服务中心, 儿童医院       |
| hospital                 | 医院             | 医院, 医疗(健康)集团, 医共体, 精神卫生中心           |
| township_health_centre   | 乡镇卫生院       | 卫生院, 中心卫生院                                 |
| community_health_centre  | 社区卫生服务中心 | 社区卫生服务中心, 社区卫生服务站                   |
| cdc                      | 疾病预防控制中心 | 疾病预防控制中心, 疾控中心                         |
| medical_insurance_bureau | 医疗保障局       | 医疗保障局, 医保局, 医疗保障事务中心                 |
| health_commission        | 卫生健康委（局） | 卫生健康委员会, 卫生健康局, 卫健委, 卫生计生委       |
| health_agency            | 其他卫生健康机构 | 卫生监督所, 卫生健康综合监督执法局, 中心血站, 急救中心 |
| school                   | 学校             | 学校, 中学, 小学, 大学, 学院, 幼儿园                 |
| soe                      | 国有企业         | 公司, 集团 (医疗集团 is a hospital), 银行, 信用社    |
| township                 | 乡镇（街道）     | 镇, 乡, 街道, 苏木, 镇人民政府                       |
| village                  | 村（社区）       | 村, 社区, 居委会                                   |
| mass_organisation        | 群团组织         | 总工会, 妇联, 团县委, 共青团…委员会, 残联, 科协, 工商联, 侨联, 文联, 红十字会 |
| government_bureau        | 党政机关         | 局, 委员会, 委, 办公室, 人民政府, 法院, 检察院, 管委会, 监狱, 看守所 |
| public_institution       | 事业单位         | 中心, 院, 所, 站, 馆, 台, 党校 (融媒体中心, 研究院, 图书馆) |
| other                    | 其他             | anything else that is named                        |
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InstitutionType:
    key: str
    label: str
    pattern: re.Pattern[str]  # matched against the whole short name


def _ends(*suffixes: str, inside: str = "") -> re.Pattern[str]:
    prefix = f"(?=.*(?:{inside}))" if inside else ""
    return re.compile(prefix + ".*(?:" + "|".join(suffixes) + ")$")


# The one vocabulary, in decision order. Keys are stable (stored in the index); labels are shown.
TYPES: tuple[InstitutionType, ...] = (
    InstitutionType("tcm_hospital", "中医医院", _ends("医院", inside="中医|中西医|蒙医|藏医|维医|维吾尔医|壮医|民族医")),
    InstitutionType(
        "maternal_child_hospital",
        "妇幼保健机构",
        _ends("妇幼保健院", "妇幼保健所", "妇幼保健站", "妇幼保健计划生育服务中心", "妇幼保健服务中心",
              "妇产医院", "妇女儿童医院", "儿童医院", "妇产科医院"),
    ),
    InstitutionType("hospital", "医院", _ends("医院", "医疗集团", "医疗健康集团", "医疗卫生集团", "医共体", "医疗中心", "精神卫生中心", "康复中心", "疗养院")),
    InstitutionType("township_health_centre", "乡镇卫生院", _ends("卫生院", "卫生分院")),
    InstitutionType("community_health_centre", "社区卫生服务中心", _ends("社区卫生服务中心", "社区卫生服务站", "社区卫生服务中心站")),
    InstitutionType("cdc", "疾病预防控制中心", _ends("疾病预防控制中心", "疾控中心", "疾病预防控制所")),
    InstitutionType(
        "medical_insurance_bureau",
        "医疗保障局",
        _ends("医疗保障局", "医保局", "医疗保障事务中心", "医疗保障服务中心", "医疗保险事业管理局", "医疗保险管理中心"),
    ),
    InstitutionType(
        "health_commission",
        "卫生健康委（局）",
        _ends("卫生健康委员会", "卫生健康委", "卫生健康局", "卫健委", "卫健局", "卫生和计划生育委员会",
              "卫生计生委", "卫生计生局", "卫生局", "卫生健康体育局", "卫生健康和体育局"),
    ),
    InstitutionType(
        "health_agency",
        "其他卫生健康机构",
        _ends("卫生监督所", "卫生监督局", "综合监督执法局", "卫生健康综合执法大队", "血站", "急救中心",
              "健康教育所", "健康教育中心", "卫生健康服务中心", "卫生健康事务中心", "计划生育协会"),
    ),
    InstitutionType(
        "school",
        "学校",
        _ends("学校", "中学", "小学", "大学", "学院", "幼儿园", "附中", "职专", "职业高中", "高级中学", "技校", "教学点"),
    ),
    InstitutionType("soe", "国有企业", _ends("公司", "集团", "银行", "信用社", "厂")),
    InstitutionType("township", "乡镇（街道）", _ends("镇", "乡", "街道", "街道办事处", "苏木", "镇人民政府", "乡人民政府")),
    InstitutionType("village", "村（社区）", _ends("村", "社区", "居委会", "村委会", "嘎查")),
    # 群团组织: the people's organisations a Party committee leads (工会, 共青团, 妇联 …), inspected
    # like its departments but a kind of their own — before 党政机关, whose 委 / 委员会 ends 团县委.
    InstitutionType(
        "mass_organisation",
        "群团组织",
        re.compile(r".*(?:工会|工会委员会|妇联|妇女联合会|残联|残疾人联合会|科协|科学技术协会|工商联|工商业联合会|侨联"
                   r"|归国华侨联合会|文联|文学艺术界联合会|社科联|社会科学界联合会|红十字会|团[省市州县区旗]委)$"
                   r"|(?:中国)?共青团.*(?:委员会|委)$"),
    ),
    InstitutionType(
        "government_bureau",
        "党政机关",
        _ends("局", "委员会", "委", "办公室", "办", "厅", "署", "人民政府", "政府", "法院", "检察院",
              "常委会", "政协", "管委会", "部", "大队", "支队", "机关事务服务中心", "机关事务管理中心",
              "监狱", "看守所", "拘留所", "戒毒所", "戒毒管理所"),  # 政法 bodies, not 事业单位 though they end in 所
    ),
    InstitutionType("public_institution", "事业单位", _ends("中心", "院", "所", "站", "馆", "台", "社", "园", "党校", "行政学院")),
)

INSTITUTION_TYPES: dict[str, str] = {t.key: t.label for t in TYPES} | {"other": "其他"}


def institution_type(name: str | None) -> str | None:
    """Key of :data:`INSTITUTION_TYPES` for a short institution name; None when there is no name.

    >>> institution_type("清河社区卫生服务中心"), institution_type("红旗镇"), institution_type("县融媒体")
    ('community_health_centre', 'township', 'other')
    """
    if not name:
        return None
    for kind in TYPES:
        if kind.pattern.match(name):
            return kind.key
    return "other"
