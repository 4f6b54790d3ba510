"""Notice metadata and per-issue extras on fictional notices, one variant at a time."""

from __future__ import annotations

import pytest

from indexer import enrich, regions
from indexer.enrich import INSTITUTION_TYPES, extract_meta
from indexer.institutions import institution_type
from indexer.types import DateSpan, Issue, NormalisedText, StatedTotals


def meta_of(text: str, **header: str):
    return extract_meta(NormalisedText(text=text, header=header))


PROVINCIAL = """中共云岭市人民医院委员会关于省委第十巡视组巡视反馈意见整改进展情况的通报
根据省委统一部署，2023年10月9日至12月15日，省委第十巡视组对云岭市人民医院党委开展了机动巡视。2024年1月22日，省委第十巡视组向医院党委反馈了巡视意见。
巡视反馈指出六个方面二十二个问题，医院党委制定整改措施56条、建立制度12项，截至目前已完成整改二十个，正在推进整改两个。
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
    assert (totals.sections, totals.groups, totals.issues, totals.completed, totals.in_progress) == (6, None, 22, 20, 2)
    assert totals.raw == (
        "巡视反馈指出六个方面二十二个问题，医院党委制定整改措施56条、建立制度12项，截至目前已完成整改二十个，正在推进整改两个"
    )


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("巡察反馈意见中指出6大方面22个问题（65个具体表现）；目前已完成问题整改20个，正在推进整改2个。",
         StatedTotals(6, None, 22, 20, 2, "巡察反馈意见中指出6大方面22个问题（65个具体表现）；目前已完成问题整改20个，正在推进整改2个")),
        ("区委第一巡察组反馈意见中指出4个方面、11个大项、31条问题。\n截至目前，巡察反馈的31项问题中，已完成整改28项，继续整改3项；修订完善制度19项。",
         StatedTotals(4, 11, 31, 28, 3, "区委第一巡察组反馈意见中指出4个方面、11个大项、31条问题 / 已完成整改28项，继续整改3项")),
        ("县委巡察组共反馈问题15个。针对反馈问题制定整改措施40条，已完成36条。其中13个问题已整改完成，2个问题正在推进整改。",
         StatedTotals(None, None, 15, 13, 2, "县委巡察组共反馈问题15个 / 其中13个问题已整改完成，2个问题正在推进整改")),
        ("一方面加强学习，另一方面完善制度，建立制度8项，完成培训3次。", StatedTotals()),
    ],
)
def test_stated_totals(sentence: str, expected: StatedTotals) -> None:
    assert enrich.find_totals(sentence) == expected


TOWNSHIP = """红星镇卫生院
关 于 区 委 巡 察 五 组
提级交叉巡察反馈意见整改情况的
通　报
2024年11月4日至12月20日，区委巡察五组对红星镇卫生院党支部开展了提级交叉巡察。1月10日，区委巡察五组向卫生院党支部反馈了巡察意见。
一、整改情况
红星镇卫生院党支部
2025年6月3日"""


def test_title_over_lines_with_letter_spacing_and_party_signature() -> None:
    meta = meta_of(TOWNSHIP)
    assert meta.title == "红星镇卫生院关于区委巡察五组提级交叉巡察反馈意见整改情况的通报"
    # The title names the unit, the signature its Party branch: the Party organisation issues.
    assert (meta.organization, meta.institution, meta.institution_type) == (
        "红星镇卫生院党支部", "红星镇卫生院", "township_health_centre")
    assert (meta.inspection_body, meta.level, meta.inspection_type) == ("区委巡察五组", "county", "提级交叉")


def test_missing_feedback_year_rolls_over_into_the_next_year() -> None:
    meta = meta_of(TOWNSHIP)
    assert meta.inspection_period == DateSpan("2024-11-04", "2024-12-20")
    assert (meta.feedback_date, meta.feedback_date_inferred) == ("2025-01-10", True)
    assert meta.year == 2025


def test_missing_feedback_year_from_the_publish_date_when_nothing_precedes() -> None:
    text = "县教育局党组关于巡察整改情况的通报\n9月3日，县委第二巡察组向局党组反馈了巡察意见。\n县教育局党组\n2025年2月10日"
    meta = meta_of(text)
    assert (meta.feedback_date, meta.feedback_date_inferred, meta.publish_date) == ("2024-09-03", True, "2025-02-10")


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
                   标题="中共阳山县医疗保障局党组关于巡察整改进展情况的通报", 发文时间="2024-11-05")
    assert (meta.title, meta.institution, meta.institution_type) == (
        "中共阳山县医疗保障局党组关于巡察整改进展情况的通报", "阳山县医疗保障局", "medical_insurance_bureau")
    assert (meta.province, meta.city, meta.county, meta.publish_date) == ("广东省", "清远市", "阳山县", "2024-11-05")
    assert meta.inspection_type == "常规"


@pytest.mark.parametrize(
    ("text", "body", "round_", "level", "kind"),
    [
        ("中共某县人民医院委员会关于第十四届县委第五轮巡察整改进展情况的通报", None, "第十四届县委第五轮巡察", "county", "巡察"),
        ("某医院党委关于四届区委第三轮巡察集中整改进展情况的通报\n区委巡察五组对医院党委开展了常规巡察。", "区委巡察五组", "四届区委第三轮巡察", "county", "巡察"),
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
    meta = meta_of("淄博市某医院党委关于巡察整改情况的通报\n市委第二巡察组对医院党委开展了巡察。")
    assert (meta.city, meta.county, meta.level) == ("淄博市", None, "city")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020年8月上旬至2020年10月上旬，市委第三巡察组对医院党委开展了巡察。", DateSpan("2020-08", "2020-10")),
        ("2024年3月12日至7月31日，县委第二巡察组对医院党委开展了巡察。", DateSpan("2024-03-12", "2024-07-31")),
        ("县委第二巡察组于2024.3.12-2024.5.10对我院开展了巡察。", DateSpan("2024-03-12", "2024-05-10")),
        # The first range is the rectification period: 整改 comes before any 巡察.
        ("2024年9月1日至10月31日，我院对巡察反馈问题进行整改。", DateSpan()),
    ],
)
def test_inspection_period(text: str, expected: DateSpan) -> None:
    assert meta_of("关于巡察整改情况的通报\n" + text).inspection_period == expected


def test_feedback_is_the_inspection_team_not_a_later_review() -> None:
    text = ("关于巡察整改情况的通报\n2024年3月15日至4月30日，县委第三巡察组对局党组开展了巡察，"
            "7月26日，县委第三巡察组向局党组反馈了巡察意见，11月15日，县纪委监委反馈了整改会审意见。")
    assert meta_of(text).feedback_date == "2024-07-26"


def test_feedback_date_after_the_verb() -> None:
    text = "关于巡察整改情况的通报\n巡察情况反馈会于2024年6月5日召开。"
    assert (meta_of(text).feedback_date, meta_of(text).feedback_date_inferred) == ("2024-06-05", False)


def test_organisation_from_signature_when_no_party_body_is_printed() -> None:
    text = "清河社区卫生服务中心关于巡察整改情况的通报\n区委第四巡察组对中心开展了常规巡察。\n某某区清河社区卫生服务中心\n2025年9月26日"
    meta = meta_of(text)
    assert (meta.organization, meta.institution, meta.publish_date) == (
        "某某区清河社区卫生服务中心", "清河社区卫生服务中心", "2025-09-26")


def test_no_title_no_body_no_dates() -> None:
    meta = meta_of("一是加强学习。二是完善制度。")
    assert (meta.title, meta.organization, meta.institution, meta.inspection_body, meta.feedback_date) == (
        None, None, None, None, None)
    assert meta.stated_totals == StatedTotals()


INSTITUTIONS = {
    "阳山县人民医院": "hospital",
    "某县医疗健康集团": "hospital",
    "淄博市中医医院": "tcm_hospital",
    "某县中西医结合医院": "tcm_hospital",
    "某县妇幼保健院": "maternal_child_hospital",
    "某镇中心卫生院": "township_health_centre",
    "兴城社区卫生服务中心": "community_health_centre",
    "某县疾病预防控制中心": "cdc",
    "某县医疗保障局": "medical_insurance_bureau",
    "旺苍县卫生健康局": "health_commission",
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
        (("阳山县人民医院",), ("广东省", "清远市", "阳山县")),
        (("淄博市中医医院", "淄博市周村区某路75号"), ("山东省", "淄博市", None)),
        (("天津市滨海新区大港医院党委",), ("天津市", "天津市", "滨海新区")),
        (("旺苍县卫生健康局",), ("四川省", "广元市", "旺苍县")),
        (("薛城区兴城社区卫生服务中心",), ("山东省", "枣庄市", "薛城区")),
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
    assert enrich.cn_int(text) == expected


def test_enrich_issue_fills_deadlines_amounts_and_documents() -> None:
    issue = Issue(
        seq=1,
        label="1.",
        problem="违规发放补助3000元",
        measures=[
            "一是追回违规发放资金12.5万元，印发了阳人医〔2024〕49号文件。",
            "二是修订《财务报销管理办法》，力争2025年6月底前全面完成整改。",
            "三是长期坚持，已于2024年9月完成整改。",
        ],
        status_raw="已整改完成;继续整改、2025年12月前整改完成",
    )
    enrich.enrich_issue(issue)
    assert issue.deadlines == ["2025年6月底前全面完成整改", "2025年12月前整改完成"]
    assert issue.amounts == ["3000元", "12.5万元"]
    assert issue.documents == ["《财务报销管理办法》", "阳人医〔2024〕49号"]


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
    meta = meta_of("关于对中共某县人民医院委员会巡察整改情况的通报\n2023年11月12日至1月10日，县委第二巡察组对我院开展了巡察。")
    assert (meta.organization, meta.institution) == ("中共某县人民医院委员会", "某县人民医院")
    assert meta.inspection_period == DateSpan("2023-11-12", "2024-01-10")


def test_signature_glued_to_the_last_sentence() -> None:
    text = "中共某市市政设施管理局党组关于巡察整改情况的通报\n欢迎监督。联系电话：0000-0000000。中共某市市政设施管理局党组2019年11月15日"
    meta = meta_of(text)
    assert (meta.organization, meta.publish_date) == ("中共某市市政设施管理局党组", "2019-11-15")


def test_a_sentence_with_a_date_at_the_end_is_not_a_signature() -> None:
    assert meta_of("关于巡察整改情况的通报\n各项整改已于2024年12月31日").publish_date is None


def test_province_level_institution_is_placed_in_its_city_by_the_address() -> None:
    region = regions.resolve("湖南某投资集团有限公司", "长沙市芙蓉区某路1号")
    assert (region.province, region.city, region.county) == ("湖南省", "长沙市", None)


def test_docstring_examples() -> None:
    import doctest

    from indexer import institutions

    for module in (enrich, regions, institutions):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__
