"""The layouts of real notices that broke the parser, one general rule each (issue 11).

Every text here is fictional (青禾县, 云岭市 and their bodies do not exist); the layouts are
those of real public notices: traditional-character mirrors with injected pinyin, dates that lost
their 年/月/日, page furniture, organisational parts with no finding, joint notices and
self-references, totals at several levels, issue wrappers, and very long lists.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict
from pathlib import Path

import opencc
import pytest

from indexer.parsing.normalise import fold
from indexer.parsing.parse import parse_document, parse_text
from indexer.parsing.read import iter_files, read_path
from indexer.parsing.status import Status
from indexer.types import ParsedNotice, RawDocument

SAMPLES = Path(__file__).resolve().parent.parent / "indexer" / "samples"

NOTICE = """中共青禾县人民医院委员会关于县委巡察反馈意见整改进展情况的通报
根据县委统一部署，2024年3月11日至5月17日，县委第二巡察组对青禾县人民医院党委开展了常规巡察。2024年6月20日，县委第二巡察组向医院党委反馈了巡察意见。巡察反馈指出3个方面8个问题，截至目前，已完成整改6个，正在推进整改2个。现将整改进展情况予以公布。
一、整改工作组织情况
医院党委成立整改工作领导小组，逐项制定整改措施。
二、巡察反馈问题整改落实情况
（一）党的建设方面
1.关于“三会一课”制度落实不严格的问题
整改结果：已完成
整改措施：一是修订支部学习制度；二是建立会议记录台账。
2.关于党费收缴不规范的问题
整改结果：正在推进
整改措施：一是全面核查党费基数；二是补缴少缴党费。
（二）作风建设方面
3.关于公务接待超标准的问题
整改结果：已完成
整改措施：一是清退超标准费用；二是修订公务接待办法；三是开展警示教育。
欢迎广大干部群众对巡察整改落实情况进行监督。联系电话：0000-1234567。
中共青禾县人民医院委员会
2024年9月30日
"""

_TONED = itertools.cycle(["tǒng", "guān", "zhěng", "gǎi", "jìn", "qíng", "kuàng", "bào"])
_S2T = opencc.OpenCC("s2t")


def mirror(text: str) -> str:
    """A traditional-character repost with tone-marked pinyin injected after every third character."""
    out, count = [], 0
    for ch in _S2T.convert(text):
        out.append(ch)
        if "\u4e00" <= ch <= "\u9fff":
            count += 1
            if count % 3 == 0:
                out.append(f"({next(_TONED)})")
    return "".join(out)


def record(notice: ParsedNotice) -> dict:
    """What a notice parses to, compared on the simplified fold of every text (a mirror keeps its
    own characters for display)."""

    def folded(value: object) -> object:
        if isinstance(value, str):
            return fold(value)
        if isinstance(value, dict):
            return {k: folded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [folded(v) for v in value]
        return value

    issues = [
        {k: v for k, v in asdict(issue).items() if k != "span"} for issue in notice.issues
    ]
    return folded({"meta": asdict(notice.meta), "issues": issues})


# ------------------------------------------------------------------ 1. traditional mirrors


def test_a_traditional_mirror_with_pinyin_gives_the_metadata_and_issues_of_its_original() -> None:
    original, copy = parse_text(NOTICE), parse_text(mirror(NOTICE))
    assert copy.meta.institution == "青禾县人民医院" and copy.meta.inspection_body == "县委第二巡察组"
    assert copy.meta.feedback_date == "2024-06-20" and copy.meta.level == "county"
    assert record(copy) == record(original)
    assert "醫院" in copy.text and "(tǒng)" not in copy.text  # display keeps its characters, not the pinyin
    assert [i.status for i in copy.issues] == [Status.COMPLETED, Status.IN_PROGRESS, Status.COMPLETED]


@pytest.mark.parametrize("path", list(iter_files([SAMPLES])), ids=lambda p: p.name)
def test_every_bundled_sample_as_a_traditional_mirror_parses_to_the_same_records(path: Path) -> None:
    raw = read_path(path)
    original = parse_document(raw)
    copy = parse_document(RawDocument(raw.source, mirror(raw.text), raw.format, raw.encoding))
    assert original.issues, "a sample without issues would prove nothing"
    assert record(copy) == record(original)


# ------------------------------------------------------------------ 2. dates that lost 年/月/日


def test_dates_that_lost_their_characters_are_read_when_only_one_reading_fits() -> None:
    text = NOTICE.replace("2024年3月11日至5月17日", "2023815日至1020日").replace("2024年6月20日", "1125日")
    meta = parse_text(text).meta
    assert (meta.inspection_period.start, meta.inspection_period.end) == ("2023-08-15", "2023-10-20")
    assert meta.feedback_date == "2023-11-25"


def test_the_other_dates_decide_between_readings() -> None:
    # 125日 is 1-25 or 12-5, 2023112日 is 1-12 or 11-2: only 12-5 then 1-12 keeps the feedback
    # after the inspection and before the publication.
    text = NOTICE.replace("2024年3月11日至5月17日", "2022918日至125日").replace("2024年6月20日", "2023112日")
    text = text.replace("2024年9月30日", "2023年5月20日")
    meta = parse_text(text).meta
    assert (meta.inspection_period.start, meta.inspection_period.end) == ("2022-09-18", "2022-12-05")
    assert meta.feedback_date == "2023-01-12"


def test_an_ambiguous_lost_date_is_left_empty_with_a_warning() -> None:
    text = NOTICE.replace("2024年3月11日至5月17日", "2023年10月11日至12月17日").replace("2024年6月20日", "2024113日")
    notice = parse_text(text.replace("中共青禾县人民医院委员会\n2024年9月30日", ""))
    assert notice.meta.feedback_date is None  # 2024-01-13 and 2024-11-03 both fit, no publish date
    assert notice.meta.inspection_period.start == "2023-10-11"
    assert any("lost 年/月/日" in w for w in notice.quality.warnings)


# ------------------------------------------------------------------ 3. page furniture


def test_page_furniture_stays_out_of_title_and_institution() -> None:
    page = (
        "当前位置：首页 > 信息公开 > 巡察整改\n【大 中 小】\n整改通报.docx\n"
        "索引号：QH-2024-0031\n发布机构：青禾县人民医院\n成文日期：2024-10-08\n文号：青医党〔2024〕12号\n"
        "【巡察整改】" + NOTICE.split("\n", 1)[0] + "\n" + NOTICE.split("\n", 1)[1].rsplit("中共青禾县", 1)[0]
    )
    meta = parse_text(page).meta
    assert meta.title == "中共青禾县人民医院委员会关于县委巡察反馈意见整改进展情况的通报"
    assert (meta.organization, meta.institution) == ("中共青禾县人民医院委员会", "青禾县人民医院")
    assert meta.publish_date == "2024-10-08"


def test_a_repost_line_gives_the_publish_date() -> None:
    body = NOTICE.split("\n", 1)[1].rsplit("中共青禾县", 1)[0]
    meta = parse_text("2024-10-09 08:15:32来源：青禾县人民政府网\n" + body).meta
    assert meta.publish_date == "2024-10-09"


# ------------------------------------------------------------------ 4. organisational parts


ORGANISATION_ONLY = """根据县委统一部署，2024年3月11日至5月17日，县委第二巡察组对县农业农村局党组开展了巡察。
一、组织整改落实情况
局党组把巡察整改作为重大政治任务。
（一）统一思想认识，明确整改方向。反馈会后，局党组当即召开专题会议研究整改工作。
（二）健全工作机制，层层传导压力。成立整改专班，由主要负责人牵头。
二、局党组履行整改主体责任情况
1.压紧压实责任。党组书记带头抓整改，每月听取一次进展汇报。
2.完善工作机制。建立整改台账，实行销号管理。
"""


def test_organisational_parts_are_not_issues() -> None:
    notice = parse_text(ORGANISATION_ONLY)
    assert notice.issues == []
    assert not notice.quality.complete


def test_a_heading_cut_by_the_end_of_the_text_is_flagged_not_emitted() -> None:
    notice = parse_text(ORGANISATION_ONLY + "三、巡察反馈问题整改落实情况\n（一）关于“医疗设备采购管理")
    assert notice.issues == []
    assert notice.quality.truncated and not notice.quality.complete
    assert any("ends inside the heading" in w for w in notice.quality.warnings)
    # The same heading finished, with its measures, is an issue.
    done = parse_text(ORGANISATION_ONLY + "三、巡察反馈问题整改落实情况\n（一）关于“医疗设备采购管理不规范”的问题\n"
                      "整改措施：一是建立学习台账；二是开展专题研讨。")
    assert [i.problem for i in done.issues] == ["医疗设备采购管理不规范"] and not done.quality.truncated


def test_an_aspect_heading_holds_issues_but_is_none() -> None:
    text = ORGANISATION_ONLY + (
        "三、巡察整改任务落实情况\n（一）关于执行上级决策部署方面\n"
        "1.全面推行农资采购比价制度。反馈会后，组织专题培训三次，修订采购办法。\n"
        "2.深入推进高标准农田建设。对照问题清单逐项整改，完成项目验收。\n"
    )
    notice = parse_text(text)
    assert [i.label for i in notice.issues] == ["1.", "2."]
    assert notice.issues[0].section == "关于执行上级决策部署方面"


# ------------------------------------------------------------------ 5. institutions and levels


def test_a_joint_notice_keeps_both_organisations_and_types_the_first() -> None:
    text = ("中共青禾县卫生健康局党组 中共青禾县红十字会党组关于县委巡察反馈意见整改进展情况的通报\n"
            + NOTICE.split("\n", 1)[1])
    meta = parse_text(text).meta
    assert meta.organization == "中共青禾县卫生健康局党组、中共青禾县红十字会党组"
    assert meta.institution == "青禾县卫生健康局"
    assert meta.institution_type == "health_commission"


def test_a_self_reference_is_resolved_to_the_full_name_given_elsewhere() -> None:
    text = ("根据县委统一部署，2024年3月至5月，县委第三巡察组对全县中小学校开展了专项巡察。2024年6月20日，巡察组向我局党组反馈了巡察意见。\n"
            "一、组织落实整改情况\n局党组制定了《中共青禾县教育局党组关于县委巡察反馈意见的整改方案》，明确整改任务。\n")
    meta = parse_text(text).meta
    assert (meta.organization, meta.institution) == ("中共青禾县教育局党组", "青禾县教育局")


def test_a_city_inspected_by_a_provincial_team_is_its_party_committee() -> None:
    text = ("根据省委统一部署，2024年3月11日至5月17日，省委第二巡视组对云岭市进行了巡视。2024年6月20日，省委巡视组向云岭市反馈了巡视意见。\n"
            "一、组织落实整改情况\n云岭市委高度重视巡视整改工作。\n")
    meta = parse_text(text).meta
    assert meta.organization == "云岭市委"
    assert (meta.inspection_body, meta.level, meta.inspection_kind) == ("省委第二巡视组", "province", "巡视")


def test_a_central_organ_inspected_by_a_central_team_is_central_level() -> None:
    text = ("中共青禾总署党组关于中央第六轮巡视整改进展情况的通报\n根据中央统一部署，2024年3月11日至5月17日，"
            "中央第六巡视组对青禾总署党组开展了常规巡视。2024年6月20日，中央巡视组向青禾总署党组反馈了巡视意见。\n")
    meta = parse_text(text).meta
    assert (meta.institution, meta.inspection_body, meta.level) == ("青禾总署", "中央第六巡视组", "central")


# ------------------------------------------------------------------ 6. stated totals


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("县委巡察组反馈了8个方面25个问题93个具体表现，局党组制定64项整改任务。",
         {"sections": 8, "issues": 25, "details": 93, "tasks": 64}),
        ("巡察反馈指出3个方面7类问题。局党组将反馈意见梳理成22个具体问题，提出了86项整改措施。",
         {"sections": 3, "categories": 7, "issues": 22, "measures": 86}),
        # A damaged count (the page lost characters) is never the total: the parts after 其中 are.
        ("局党组把反馈意见梳理为327个方面具体问题，其中11个问题已整改到位，另有4个问题正在推进整改。",
         {"sections": None, "issues": 15, "completed": 11, "in_progress": 4}),
        ("巡察反馈的26个问题，已完成整改20个，基本完成3个，阶段性完成1个，需长期坚持的2个。",
         {"issues": 26, "completed": 20, "basically_completed": 3, "partly_completed": 1, "long_term": 2}),
        # 阶段性完成 is in progress (the status vocabulary); it is also kept apart.
        ("巡察反馈4个方面18个问题，已完成13个，阶段性完成2个，正在推进1个，长期整改2个。",
         {"issues": 18, "completed": 13, "partly_completed": 2, "in_progress": 3, "long_term": 2}),
        # Another count of problems (a previous round's, an audit's, a damaged one) is not the total.
        ("二是对上轮巡察反馈的23个问题逐项回头看。", {"issues": None}),
        ("县委巡察组反馈意见指出4个方面个问题90个具体表现。", {"sections": 4, "issues": None, "details": 90}),
    ],
)
def test_totals_at_several_levels(sentence: str, expected: dict) -> None:
    totals = parse_text("根据县委统一部署，县委第一巡察组对县住建局党组开展了巡察。" + sentence).meta.stated_totals
    assert {k: getattr(totals, k) for k in expected} == expected


# ------------------------------------------------------------------ 7. issue boundaries


def test_issue_wrappers_are_stripped_alike_and_a_quoted_finding_stays_whole() -> None:
    text = (
        "二、巡察反馈问题整改落实情况\n"
        "1.关于“医疗设备采购论证不充分”问题的整改\n整改结果：已完成\n整改措施：一是建立论证制度；二是复核在建项目。\n"
        "2.关于“医疗设备采购论证不充分”的问题\n整改结果：已完成\n整改措施：一是建立论证制度；二是复核在建项目。\n"
        "3.针对医疗设备采购论证不充分问题\n整改结果：已完成\n整改措施：一是建立论证制度；二是复核在建项目。\n"
        "4.关于“部分科室药品管理混乱。账实不符。”的问题\n整改结果：已完成\n整改措施：一是全面盘点；二是建立月度对账。\n"
    )
    issues = parse_text(text).issues
    assert [i.problem for i in issues] == ["医疗设备采购论证不充分"] * 3 + ["部分科室药品管理混乱。账实不符。"]
    assert [len(i.measures) for i in issues] == [2, 2, 2, 2]


def test_a_run_in_quoted_finding_is_not_cut_at_its_first_full_stop() -> None:
    text = (
        "二、巡察反馈问题整改落实情况\n"
        "（一）针对“食堂采购未公开比价。账目由一人经手。”问题，一是建立比价制度。二是实行采购与记账分离。\n"
        "（二）针对“固定资产长期未盘点”问题，一是开展全面盘点。二是建立资产台账。\n"
    )
    issues = parse_text(text).issues
    assert [i.problem for i in issues] == ["食堂采购未公开比价。账目由一人经手。", "固定资产长期未盘点"]
    assert all("账目" not in m for m in issues[0].measures)


# ------------------------------------------------------------------ 8. no silent cap


def test_thousands_of_numbered_items_are_all_issues() -> None:
    lines = ["中共青禾县城市管理局党组关于巡察整改进展情况的通报", "二、巡察反馈问题整改落实情况"]
    for n in range(1, 1201):
        lines += [f"{n}.关于第{n}处占道经营台账不全的问题", "整改结果：已完成", f"整改措施：一是补登台账{n}册；二是建立复核制度。"]
    notice = parse_text("\n".join(lines))
    assert len(notice.issues) == 1200
    assert [i.label for i in notice.issues[998:1001]] == ["999.", "1000.", "1001."]
    assert all(len(i.measures) == 2 for i in notice.issues)
    assert not any(re.search("jumps|repeated", w) for w in notice.quality.warnings)


# ------------------------------------------------------------------ more of the same rules


def test_a_traditional_copy_saved_as_gbk_is_decoded() -> None:
    raw = _S2T.convert(NOTICE).encode("gbk")
    notice = parse_document(RawDocument("mirror.txt", read_path_bytes(raw), "txt"))
    assert notice.meta.institution == "青禾县人民医院" and len(notice.issues) == 3


def read_path_bytes(data: bytes) -> str:
    from indexer.parsing.decode import decode

    decoded = decode(data)
    assert decoded.encoding == "gbk"
    return decoded.text


def test_widgets_glued_to_the_title_and_a_repost_line_above_it() -> None:
    head = ("首页 / 信息公开 / 通知公告\n2024-10-09 08:15:32来源: 青禾县人民医院 【字号 大 中 小】【打印】【关闭】\n"
            "【党务公开】中共青禾县人民医院委员会\n关于县委巡察反馈意见整改进展情况的\n通报【大 中 小】\n")
    meta = parse_text(head + NOTICE.split("\n", 1)[1].rsplit("中共青禾县", 1)[0]).meta
    assert meta.title == "中共青禾县人民医院委员会关于县委巡察反馈意见整改进展情况的通报"
    assert (meta.institution, meta.publish_date) == ("青禾县人民医院", "2024-10-09")


def test_a_signature_without_its_day_yields_to_the_full_date_of_the_info_block() -> None:
    text = "成文日期：2024年09月30日\n发布机构：青禾县人民医院\n" + NOTICE.replace("2024年9月30日", "2024年9月")
    assert parse_text(text).meta.publish_date == "2024-09-30"


def test_a_range_end_that_lost_its_characters_after_a_printed_start() -> None:
    text = NOTICE.replace("2024年3月11日至5月17日", "2024年3月11日至2024517").replace("2024年6月20日", "620日")
    meta = parse_text(text).meta
    assert (meta.inspection_period.end, meta.feedback_date) == ("2024-05-17", "2024-06-20")


def test_an_institution_issuing_under_its_own_name_gets_its_party_organisation() -> None:
    text = ("青禾县人民医院关于县委巡察反馈意见整改进展情况的通报\n根据县委统一部署，县委第二巡察组对我院党委开展了巡察。"
            "我院党委制定印发《中共青禾县人民医院委员会关于落实县委巡察反馈意见的整改方案》。\n")
    meta = parse_text(text).meta
    assert (meta.organization, meta.institution) == ("中共青禾县人民医院委员会", "青禾县人民医院")


def test_a_self_reference_resolves_through_the_notices_own_rectification_plan() -> None:
    text = ("关于巡察整改进展情况的通报\n县委第四巡察组对我局党组开展了巡察，并反馈了巡察意见。我局党组制定印发"
            "《中共青禾县机关事务服务中心党组关于落实县委第四巡察组巡察反馈意见的整改方案》。\n")
    assert parse_text(text).meta.organization == "中共青禾县机关事务服务中心党组"


def test_a_bare_last_heading_is_cut_off_when_its_peers_all_have_content() -> None:
    text = NOTICE.split("欢迎广大")[0] + "4.门诊服务流程"
    notice = parse_text(text)
    assert len(notice.issues) == 3 and notice.quality.truncated


def test_a_municipalitys_inspection_tour_is_provincial_and_its_inspection_city_level() -> None:
    body = "根据市委统一部署，2024年3月11日至5月17日，{}对重庆市青禾水务集团党委开展了巡{}。\n"
    assert parse_text(body.format("市委第四巡视组", "视")).meta.level == "province"
    assert parse_text(body.format("市委第四巡察组", "察")).meta.level == "city"


def test_a_run_together_page_head_is_read_field_by_field() -> None:
    body = NOTICE.split("\n", 1)[1].rsplit("中共青禾县", 1)[0].replace("\n", "")
    page = ("首页 > 信息公开 > 巡察整改索引号：QH-2024-0031 发布机构：青禾县人民医院 成文日期：2024-10-08 "
            "文号：青医党〔2024〕12号中共青禾县人民医院委员会关于整改的通报.docx【党务公开】"
            "中共青禾县人民医院委员会关于县委巡察反馈意见整改进展情况的通报" + body)
    notice = parse_text(page)
    assert notice.meta.title == "中共青禾县人民医院委员会关于县委巡察反馈意见整改进展情况的通报"
    assert (notice.meta.institution, notice.meta.publish_date) == ("青禾县人民医院", "2024-10-08")
    assert len(notice.issues) == 3


def test_a_feedback_day_that_cannot_be_a_day_alone_lost_its_month() -> None:
    assert parse_text(NOTICE.replace("2024年6月20日", "620日")).meta.feedback_date == "2024-06-20"
    assert parse_text(NOTICE.replace("2024年6月20日", "63日")).meta.feedback_date == "2024-06-03"


def test_a_prefecture_committee_and_a_plan_issued_by_a_branch() -> None:
    text = ("中共青禾苗族自治州委员会关于巡视集中整改进展情况的通报\n根据省委统一部署，省委第九巡视组对青禾苗族自治州委开展了巡视。\n")
    assert parse_text(text).meta.institution == "青禾苗族自治州"
    text = ("关于巡察整改进展情况的通报\n市委第二巡察组对我校党支部开展了常规巡察。我校党支部制定印发"
            "《青禾市第三初级中学党支部关于落实市委第二巡察组巡察反馈意见的整改方案》。\n")
    assert parse_text(text).meta.organization == "青禾市第三初级中学党支部"


def test_a_day_that_lost_its_character_before_a_range_joiner() -> None:
    for period in ("2024年3月11至5月17日", "2024311至517日"):
        meta = parse_text(NOTICE.replace("2024年3月11日至5月17日", period)).meta
        assert (meta.inspection_period.start, meta.inspection_period.end) == ("2024-03-11", "2024-05-17"), period


def test_a_breadcrumb_ending_in_the_title_keeps_the_title() -> None:
    body = NOTICE.split("\n", 1)[1]
    meta = parse_text("当前位置：首页 > 党务公开 > " + NOTICE.split("\n", 1)[0] + "\n" + body).meta
    assert meta.title == "中共青禾县人民医院委员会关于县委巡察反馈意见整改进展情况的通报"


def test_a_page_info_glued_after_the_title_and_a_navigation_column_above_it() -> None:
    head = "通知公告\n" + NOTICE.split("\n", 1)[0] + " 发布时间：2024-10-09 来源：青禾县人民医院\n"
    meta = parse_text(head + NOTICE.split("\n", 1)[1].rsplit("中共青禾县", 1)[0]).meta
    assert (meta.title, meta.publish_date) == ("中共青禾县人民医院委员会关于县委巡察反馈意见整改进展情况的通报", "2024-10-09")


def test_work_phrases_are_not_findings() -> None:
    text = ("根据县委统一部署，县委第二巡察组对县水利局党组开展了巡察。\n"
            "（一）坚持问题导向，逐项推进整改。局党组逐条梳理反馈问题，明确整改措施。\n"
            "（二）补齐短板，建立长效机制。修订完善制度12项，巩固整改成果。\n")
    assert parse_text(text).issues == []


def test_a_status_opening_the_measures_paragraph() -> None:
    text = ("二、巡察反馈问题整改落实情况\n（一）关于“安全生产台账不全”的问题\n整改情况：已完成。一是补建隐患台账；二是开展专项检查。\n"
            "（二）关于“公车管理不规范”的问题\n整改情况：正在推进，一是清查车辆；二是完善制度。\n"
            "（三）关于“食堂账目不清”的问题\n整改情况：一是立行立改，重新建账；二是每月公示。\n")
    issues = parse_text(text).issues
    assert [(i.status, i.status_raw) for i in issues] == [
        (Status.COMPLETED, "已完成"), (Status.IN_PROGRESS, "正在推进"), (None, None)]
    assert [len(i.measures) for i in issues] == [2, 2, 2]


def test_a_feedback_date_just_before_the_bare_verb() -> None:
    text = NOTICE.replace("2024年6月20日，县委第二巡察组向医院党委反馈了巡察意见", "巡察组于6月20日反馈意见")
    assert parse_text(text).meta.feedback_date == "2024-06-20"
