"""Notice metadata and per-issue extras on fictional notices, one variant at a time."""

from __future__ import annotations

import pytest

from indexer.parsing import enrich, numerals, regions, totals
from indexer.parsing.enrich import extract_meta
from indexer.parsing.institutions import INSTITUTION_TYPES, institution_type
from indexer.types import DateSpan, Issue, NormalisedText, StatedTotals


def meta_of(text: str, **header: str):
    return extract_meta(NormalisedText(text=text, header=header))


PROVINCIAL = """中共云岭市人民医院委员会关于省委第十巡视组巡视反馈意见整改进展情况的通报
根据省委统一部署，2023年10月9日至12月15日，省委第十巡视组对云岭市人民医院党委开展了机动巡视。2024年1月22日，省委第十巡视组向医院党委反馈了巡视意见。
巡视反馈指出五个方面十九个问题，医院党委制定整改措施48条、建立制度11项，截至目前已完成整改十七个，正在推进整改两个。
一、整改工作情况
中共云岭市人民医院委员会
二〇二四年七月八日"""


def test_provincial_inspection_tour() -> None:
    meta = meta_of(PROVINCIAL)
    assert meta.title == "中共云岭市人民医院委员会关于省委第十巡视组巡视反馈意见整改进展情况的通报"
    assert (meta.organization, meta.institution, meta.institution_type) == (
        "中共云岭市人民医院委员会", "云岭市人民医院", "hospital")
    assert (meta.inspection_body, meta.level, meta.inspection_kind, meta.inspection_type) == (
        "省委第十巡视组", "province", "巡视", "机动")
    assert meta.inspection_period == DateSpan("2023-10-09", "2023-12-15")
    assert (meta.feedback_date, meta.feedback_date_inferred) == ("2024-01-22", False)
    assert meta.publish_date == "2024-07-08"  # signature in Chinese numerals


def test_chinese_numeral_totals_ignore_measure_and_rule_counts() -> None:
    totals = meta_of(PROVINCIAL).stated_totals
    assert (totals.sections, totals.groups, totals.issues, totals.completed, totals.in_progress) == (5, None, 19, 17, 2)
    assert totals.raw == (
        "巡视反馈指出五个方面十九个问题，医院党委制定整改措施48条、建立制度11项，截至目前已完成整改十七个，正在推进整改两个"
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("市委巡察组反馈意见共指出5大方面18个问题（47条具体表现）；现已完成问题整改15个，正在推进整改3个。",
         StatedTotals(5, None, 18, 15, 3, "市委巡察组反馈意见共指出5大方面18个问题（47条具体表现）；现已完成问题整改15个，正在推进整改3个",
                      details=47)),
        ("县委第二巡察组共反馈3个方面、9个大项、24条问题。\n截至目前，在反馈的24项问题中，已完成整改21项，继续整改3项；新建完善制度14项。",
         StatedTotals(3, 9, 24, 21, 3, "县委第二巡察组共反馈3个方面、9个大项、24条问题 / 已完成整改21项，继续整改3项")),
        ("县委巡察组共反馈问题15个。针对反馈问题制定整改措施40条，已完成36条。其中13个问题已整改完成，2个问题正在推进整改。",
         StatedTotals(None, None, 15, 13, 2, "县委巡察组共反馈问题15个 / 其中13个问题已整改完成，2个问题正在推进整改",
                      measures=40)),
        ("一方面加强学习，另一方面完善制度，建立制度8项，完成培训3次。", StatedTotals()),
    ],
)
def test_stated_totals(sentence: str, expected: StatedTotals) -> None:
    assert totals.find_totals(sentence) == expected


TOWNSHIP = """红星镇卫生院
关 于 区 委 巡 察 三 组
提级交叉巡察反馈意见整改情况的
通　报
2024年11月4日至12月20日，区委巡察三组对红星镇卫生院党支部开展了提级交叉巡察。1月14日，区委巡察三组向卫生院党支部反馈了巡察意见。
一、整改情况
红星镇卫生院党支部
2025年6月3日"""


def test_title_over_lines_with_letter_spacing_and_party_signature() -> None:
    meta = meta_of(TOWNSHIP)
    assert meta.title == "红星镇卫生院关于区委巡察三组提级交叉巡察反馈意见整改情况的通报"
    # The title names the unit, the signature its Party branch: the Party organisation issues.
    assert (meta.organization, meta.institution, meta.institution_type) == (
        "红星镇卫生院党支部", "红星镇卫生院", "township_health_centre")
    assert (meta.inspection_body, meta.level, meta.inspection_type) == ("区委巡察三组", "county", "提级交叉")


def test_missing_feedback_year_rolls_over_into_the_next_year() -> None:
    meta = meta_of(TOWNSHIP)
    assert meta.inspection_period == DateSpan("2024-11-04", "2024-12-20")
    assert (meta.feedback_date, meta.feedback_date_inferred) == ("2025-01-14", True)
    assert meta.year == 2025


def test_missing_feedback_year_from_the_publish_date_when_nothing_precedes() -> None:
    text = "县教育局党组关于巡察整改情况的通报\n10月14日，县委第四巡察组向局党组反馈了巡察意见。\n县教育局党组\n2025年3月6日"
    meta = meta_of(text)
    assert (meta.feedback_date, meta.feedback_date_inferred, meta.publish_date) == ("2024-10-14", True, "2025-03-06")


SCHOOL = """- 标 题:鼓楼区第二中学关于巡察整改情况的通报
- 成文时间:2024年05月20日
鼓楼区第二中学关于巡察整改情况的通报
（社会公开稿）
按照区委巡察工作部署，区委第三巡察组于2023年9月5日至11月3日对我校开展了专项巡察，并于12月8日反馈了巡察意见。
联系地址：福州市鼓楼区某某路1号"""


def test_info_block_in_text_and_ambiguous_district_resolved_by_address() -> None:
    meta = meta_of(SCHOOL)
    assert meta.title == "鼓楼区第二中学关于巡察整改情况的通报"
    assert (meta.organization, meta.institution_type) == ("鼓楼区第二中学", "school")
    assert (meta.province, meta.city, meta.county) == ("福建省", "福州市", "鼓楼区")
    assert (meta.inspection_type, meta.inspection_period) == ("专项", DateSpan("2023-09-05", "2023-11-03"))
    assert (meta.feedback_date, meta.feedback_date_inferred) == ("2023-12-08", True)
    assert meta.publish_date == "2024-05-20"  # 成文时间: there is no signature


def test_header_from_normalise_is_used() -> None:
    meta = meta_of("根据县委统一部署，县委第一巡察组对县医保局党组开展了常规巡察。",
                   标题="中共宁远县医疗保障局党组关于巡察整改情况的通报", 发文时间="2024-11-05")
    assert (meta.title, meta.institution, meta.institution_type) == (
        "中共宁远县医疗保障局党组关于巡察整改情况的通报", "宁远县医疗保障局", "medical_insurance_bureau")
    assert (meta.province, meta.city, meta.county, meta.publish_date) == ("湖南省", "永州市", "宁远县", "2024-11-05")
    assert meta.inspection_type == "常规"


@pytest.mark.parametrize(
    ("text", "body", "round_", "level", "kind"),
    [
        ("中共某县人民医院委员会关于第十三届县委第七轮巡察整改情况的通报", None, "第十三届县委第七轮巡察", "county", "巡察"),
        ("某医院党委关于五届区委第二轮巡察集中整改情况的通报\n区委巡察六组对医院党委开展了常规巡察。", "区委巡察六组", "五届区委第二轮巡察", "county", "巡察"),
        ("关于巡察整改情况的通报\n市委2024年第二轮巡察期间，市委第一巡察组对我院开展了巡察。", "市委第一巡察组", "市委2024年第二轮巡察", "city", "巡察"),
        ("关于巡视整改情况的通报\n自治区党委第三巡视组对我厅党组开展了巡视。", "自治区党委第三巡视组", None, "province", "巡视"),
        ("关于巡察整改情况的通报\n州委巡察组对州人民医院党委开展了巡察。", "州委巡察组", None, "city", "巡察"),
        ("关于巡察整改情况的通报\n旗委第一交叉巡察组对旗医院党委开展了交叉巡察。", "旗委第一交叉巡察组", None, "county", "巡察"),
    ],
)
def test_inspecting_body_round_level_and_kind(text: str, body: str | None, round_: str | None, level: str, kind: str) -> None:
    meta = meta_of(text)
    assert (meta.inspection_body, meta.inspection_round, meta.level, meta.inspection_kind) == (body, round_, level, kind)


def test_city_committee_over_a_county_level_city_is_county_level() -> None:
    meta = meta_of("邹城市人民医院党委关于巡察整改情况的通报\n市委第二巡察组对医院党委开展了巡察。")
    assert (meta.city, meta.county, meta.level) == ("济宁市", "邹城市", "county")
    meta = meta_of("潍坊市某医院党委关于巡察整改情况的通报\n市委第二巡察组对医院党委开展了巡察。")
    assert (meta.city, meta.county, meta.level) == ("潍坊市", None, "city")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021年3月上旬至2021年5月中旬，市委第四巡察组对学院党委开展了巡察。", DateSpan("2021-03", "2021-05")),
        ("2023年4月17日至6月30日，县委第五巡察组对学校党委开展了巡察。", DateSpan("2023-04-17", "2023-06-30")),
        ("县委第五巡察组于2023.4.17-2023.6.9对我院开展了巡察。", DateSpan("2023-04-17", "2023-06-09")),
        # The first range is the rectification period: 整改 comes before any 巡察.
        ("2024年8月1日至9月30日，我院对巡察反馈问题进行整改。", DateSpan()),
    ],
)
def test_inspection_period(text: str, expected: DateSpan) -> None:
    assert meta_of("关于巡察整改情况的通报\n" + text).inspection_period == expected


def test_feedback_is_the_inspection_team_not_a_later_review() -> None:
    text = ("关于巡察整改情况的通报\n2023年5月8日至6月20日，县委第一巡察组对局党组开展了巡察，"
            "8月29日，县委第一巡察组向局党组反馈了巡察意见，12月4日，县纪委监委反馈了整改会审意见。")
    assert meta_of(text).feedback_date == "2023-08-29"


def test_feedback_date_after_the_verb() -> None:
    text = "关于巡察整改情况的通报\n巡察情况反馈会于2024年6月5日召开。"
    assert (meta_of(text).feedback_date, meta_of(text).feedback_date_inferred) == ("2024-06-05", False)


def test_organisation_from_signature_when_no_party_body_is_printed() -> None:
    text = "清河社区卫生服务中心关于巡察整改情况的通报\n区委第二巡察组对中心开展了常规巡察。\n某某区清河社区卫生服务中心\n2025年7月15日"
    meta = meta_of(text)
    assert (meta.organization, meta.institution, meta.publish_date) == (
        "某某区清河社区卫生服务中心", "清河社区卫生服务中心", "2025-07-15")


def test_no_title_no_body_no_dates() -> None:
    meta = meta_of("一是加强学习。二是完善制度。")
    assert (meta.title, meta.organization, meta.institution, meta.inspection_body, meta.feedback_date) == (
        None, None, None, None, None)
    assert meta.stated_totals == StatedTotals()


INSTITUTIONS = {
    "青禾县人民医院": "hospital",
    "某县医疗健康集团": "hospital",
    "云岭市中医医院": "tcm_hospital",
    "某县中西医结合医院": "tcm_hospital",
    "某县妇幼保健院": "maternal_child_hospital",
    "某镇中心卫生院": "township_health_centre",
    "清河社区卫生服务中心": "community_health_centre",
    "某县疾病预防控制中心": "cdc",
    "某县医疗保障局": "medical_insurance_bureau",
    "青禾县卫生健康局": "health_commission",
    "某市卫生健康委员会": "health_commission",
    "某县卫生健康综合监督执法局": "health_agency",
    "某县第一中学": "school",
    "某市卫生学校": "school",
    "某县城市投资发展集团有限公司": "soe",
    "某某镇": "township",
    "某某街道": "township",
    "某某村": "village",
    "某县财政局": "government_bureau",
    "某县人民政府办公室": "government_bureau",
    "某县融媒体中心": "public_institution",
    "中共某县委党校": "public_institution",
    "某县总工会": "mass_organisation",
    "某市妇女联合会": "mass_organisation",
    "团县委": "mass_organisation",
    "共青团某县委": "mass_organisation",
    "共青团某市委员会": "mass_organisation",
    "某县残疾人联合会": "mass_organisation",
    "某省某监狱": "government_bureau",
    "某县看守所": "government_bureau",
    "某县红十字会志愿者协会联盟": "other",
}


@pytest.mark.parametrize(("name", "key"), INSTITUTIONS.items())
def test_institution_type(name: str, key: str) -> None:
    assert institution_type(name) == key


def test_every_vocabulary_key_is_tested_and_labelled() -> None:
    assert set(INSTITUTIONS.values()) == set(INSTITUTION_TYPES)
    assert all(INSTITUTION_TYPES.values())


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("宁远县青禾医院",), ("湖南省", "永州市", "宁远县")),
        (("济宁市青禾医院", "济宁市任城区某路8号"), ("山东省", "济宁市", None)),
        (("天津市北辰区青禾医院党委",), ("天津市", "天津市", "北辰区")),
        (("岳池县青禾卫生院",), ("四川省", "广安市", "岳池县")),
        (("萧山区青禾社区卫生服务中心",), ("浙江省", "杭州市", "萧山区")),
        (("仙桃市第一人民医院",), ("湖北省", None, "仙桃市")),
        (("朝阳区卫生健康委员会",), (None, None, "朝阳区")),
        (("朝阳区卫生健康委员会", "吉林省长春市朝阳区某路"), ("吉林省", "长春市", "朝阳区")),
        (("县人民医院",), (None, None, None)),
    ],
)
def test_region(texts: tuple[str, ...], expected: tuple[str | None, ...]) -> None:
    region = regions.resolve(*texts)
    assert (region.province, region.city, region.county) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("二十二", 22), ("十", 10), ("两", 2), ("一百零五", 105), ("３１", 31), ("二〇二四", 2024), ("第", None)],
)
def test_cn_int(text: str, expected: int | None) -> None:
    assert numerals.cn_int(text) == expected


def test_enrich_issue_fills_deadlines_amounts_and_documents() -> None:
    issue = Issue(
        seq=1,
        label="1.",
        problem="违规发放补助3000元",
        measures=[
            "一是追回违规发放资金12.5万元，印发了青医发〔2024〕17号文件。",
            "二是修订《公务用车管理办法》，力争2025年6月底前全面完成整改。",
            "三是长期坚持，已于2023年10月完成整改。",
        ],
        status_raw="已整改完成;持续整改、2026年3月前整改完成",
    )
    enrich.enrich_issue(issue)
    assert issue.deadlines == ["2025年6月底前全面完成整改", "2026年3月前整改完成"]
    assert issue.amounts == ["3000元", "12.5万元"]
    assert issue.documents == ["《公务用车管理办法》", "青医发〔2024〕17号"]


def test_enrich_issue_without_extras_leaves_empty_lists() -> None:
    issue = Issue(seq=1, label="1.", problem="学习不深入", measures=["一是加强学习。"])
    enrich.enrich_issue(issue)
    assert (issue.deadlines, issue.amounts, issue.documents) == ([], [], [])


def test_yearless_period_bare_team_and_level_from_the_deployment() -> None:
    text = ("关于巡察整改情况的通报\n根据县委统一部署，3月12日至5月10日，第二巡察组对我院开展了巡察。"
            "6月5日，巡察组向我院党委反馈了巡察意见。\n某县人民医院\n2024年12月1日")
    meta = meta_of(text)
    assert meta.inspection_period == DateSpan("2024-03-12", "2024-05-10")
    assert (meta.feedback_date, meta.feedback_date_inferred) == ("2024-06-05", True)
    assert (meta.inspection_body, meta.level) == ("第二巡察组", "county")


def test_title_naming_the_party_body_after_guanyu() -> None:
    meta = meta_of("关于对中共某县人民医院委员会巡察整改情况的通报\n2023年11月6日至1月19日，县委第四巡察组对我院开展了巡察。")
    assert (meta.organization, meta.institution) == ("中共某县人民医院委员会", "某县人民医院")
    assert meta.inspection_period == DateSpan("2023-11-06", "2024-01-19")


def test_signature_glued_to_the_last_sentence() -> None:
    text = "中共某市市政设施管理局党组关于巡察整改情况的通报\n欢迎监督。联系电话：0000-0000000。中共某市市政设施管理局党组2019年11月15日"
    meta = meta_of(text)
    assert (meta.organization, meta.publish_date) == ("中共某市市政设施管理局党组", "2019-11-15")


def test_a_sentence_with_a_date_at_the_end_is_not_a_signature() -> None:
    assert meta_of("关于巡察整改情况的通报\n各项整改已于2025年3月31日").publish_date is None


def test_province_level_institution_is_placed_in_its_city_by_the_address() -> None:
    region = regions.resolve("湖南某投资集团有限公司", "长沙市芙蓉区某路1号")
    assert (region.province, region.city, region.county) == ("湖南省", "长沙市", None)
