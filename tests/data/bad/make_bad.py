"""The bad-input corpus of tests/test_bad_input.py. Every notice here is fictional.

    .venv/bin/python tests/data/bad/make_bad.py            # rewrite the small files beside this script
    .venv/bin/python tests/data/bad/make_bad.py --large DIR  # write the large ones into DIR

The small files are committed; the test copies them and calls :func:`write_large` for the big
ones (a 50 MB text, a 10,000-line notice, a .docx zip bomb …) so that nothing big is committed.
Re-run this script only when a small file has to change. Each file's expected outcome is listed
in tests/test_bad_input.py.

Every notice that should be stored has its own issues (:func:`notice` with its own ``k``), so
the near-duplicate check (indexer/dedup.py) finds only the duplicates made on purpose.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# -- a fictional notice generator: distinct issues per k ------------------------------------------

OBJECTS = (
    "食堂采购台账", "公务用车派车单", "科研经费报销凭证", "临时工劳务合同", "固定资产卡片", "会议室租借收费",
    "药品盘点记录", "值班补助发放表", "培训经费支出", "档案借阅登记", "网络安全检查记录", "廉政谈话记录",
    "专项资金拨付凭证", "工程变更签证", "办公用品领用单", "医疗废物交接单", "设备维修记录", "床位周转统计",
    "家庭医生签约档案", "健康体检报告", "学生资助名单", "校服征订收费", "村级财务公开栏", "惠农补贴发放清册",
    "集体资产出租合同", "安全生产台账", "信访办理记录", "政务公开目录", "差旅审批单", "加班餐费票据",
    "物业服务合同", "食品留样记录", "消防器材巡查表", "保密文件收发簿", "印章使用登记", "志愿服务台账",
    "绩效考核评分表", "科室二次分配方案", "外出进修审批", "捐赠物资台账", "水电费分摊清单", "门禁授权名单",
    "车辆加油卡", "接待用餐清单", "工会福利发放表", "党费收缴台账", "资料印刷合同", "网站信息发布记录",
)
FAULTS = ("登记不全", "审核把关不严", "归档不及时", "管理混乱", "公开不及时", "执行不规范")
DEPTS = ("办公室", "财务科", "总务科", "纪检监察室", "人事科", "党建办")
STATUSES = ("已完成", "正在推进", "已完成整改", "基本完成")
PLACES = ("白鹭县", "青石县", "松溪县", "鹤岭县", "柳塘县", "枫桥县", "石湾县", "栖霞县", "兰溪县", "桃坪县",
          "竹山县", "梅林县", "杏坛县", "泉口县", "沙河县", "银滩县")
UNITS = ("人民医院", "中医医院", "疾病预防控制中心", "妇幼保健院", "第二中学", "卫生健康局", "医疗保障局",
         "镇卫生院", "社区卫生服务中心", "水务局", "文化馆", "职业中学", "林业局", "市场监督管理局", "档案馆",
         "图书馆")
ROUNDS = "一二三四五六七八九"


def institution(k: int) -> str:
    return PLACES[k % len(PLACES)] + UNITS[(k * 7) % len(UNITS)]


def issues(k: int, n: int = 3) -> list[tuple[str, str, list[str]]]:
    """n issues (problem, status, measures), different for every k (k < 16 with n ≤ 3)."""
    out = []
    for j in range(n):
        obj = OBJECTS[(k * 3 + j) % len(OBJECTS)]
        dept = DEPTS[(k + j) % len(DEPTS)]
        problem = f"关于{obj}{FAULTS[(k + 2 * j) % len(FAULTS)]}的问题"
        measures = [
            f"一是由{dept}牵头对{obj}开展全面清查，逐项列出问题清单{k + j + 3}条。",
            f"二是修订{obj}管理规定，明确{dept}负责人的审核责任和办理时限。",
            f"三是每季度抽查{obj}不少于{(k + j) % 5 + 2}次，结果纳入年度考核。",
        ]
        out.append((problem, STATUSES[(k + j) % len(STATUSES)], measures))
    return out


def notice_lines(k: int, n: int = 3, *, round_: int | None = None) -> list[str]:
    inst = institution(k)
    rnd = ROUNDS[(round_ if round_ is not None else k) % len(ROUNDS)]
    lines = [
        f"中共{inst}委员会关于县委第{rnd}巡察组巡察反馈意见整改进展情况的通报",
        f"根据县委统一部署，2024年{k % 9 + 1}月至{k % 9 + 3}月，县委第{rnd}巡察组对{inst}开展了常规巡察，"
        f"并于2024年{k % 9 + 4}月反馈了巡察意见。现将整改进展情况予以公布。",
        "一、党的建设方面",
    ]
    for seq, (problem, status, measures) in enumerate(issues(k, n), start=1):
        lines += [f"{seq}.{problem}", f"整改结果：{status}", "整改情况：" + "".join(measures)]
    lines += ["欢迎广大干部群众对巡察整改落实情况进行监督。", f"中共{inst}委员会", f"2024年{k % 9 + 4}月{k + 10}日"]
    return lines


def notice(k: int, n: int = 3) -> str:
    return "\n".join(notice_lines(k, n)) + "\n"


# -- pages -------------------------------------------------------------------------------------

PORTAL_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>白鹭县人民政府门户网站</title></head>
<body>
<div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/bsfw">办事服务</a><a href="/hdjl">互动交流</a></div>
<div class="banner">白鹭县人民政府</div>
<div class="list">
<ul>
<li><a href="/a/1.html">白鹭县召开春季森林防火工作会议</a><span>2024-03-01</span></li>
<li><a href="/a/2.html">县政府常务会议研究部署城乡供水一体化工作</a><span>2024-02-27</span></li>
<li><a href="/a/3.html">白鹭县二〇二四年公开招聘事业单位工作人员公告</a><span>2024-02-20</span></li>
</ul>
</div>
<div class="footer">主办：白鹭县人民政府办公室　版权所有　网站标识码：0000000001</div>
</body></html>
"""

SCRIPTS_ONLY_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title></title>
<script>window.location.href = "/notice/2024/index.html"; var t = "正在跳转";</script>
<style>body { background: #fff; }</style></head>
<body><script>document.write("请稍候");</script><noscript>请开启浏览器脚本</noscript></body></html>
"""


def notice_page(text: str, charset: str = "utf-8", head: str = "") -> str:
    title, *body = [line for line in text.splitlines() if line.strip()]
    paragraphs = "\n".join(f"<p>{line}</p>" for line in body)
    return (f"{head}<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">"
            f"<title>{title}</title></head>\n<body>\n<div class=\"nav\"><a href=\"/\">首页</a></div>\n"
            f"<div class=\"position\">当前位置：首页 &gt; 通知公告</div>\n<div class=\"article\"><h1>{title}</h1>\n"
            f"<div class=\"info\">发布时间：2024-10-16　访问量：321</div>\n{paragraphs}\n</div>\n"
            f"<div class=\"footer\">版权所有　网站标识码：0000000002</div>\n</body></html>\n")


NEWS_REPORT = """县委第二巡察组进驻桃坪县文化馆开展巡察工作
4月8日，县委第二巡察组进驻桃坪县文化馆开展常规巡察工作动员会召开。巡察组组长就做好巡察工作作了讲话，县文化馆负责人作了表态发言。
巡察组组长强调，要提高政治站位，充分认识巡察工作的重要意义，自觉接受监督，积极配合巡察组开展工作。
会议指出，巡察期间设立专门值班电话和邮政信箱，受理反映县文化馆领导班子及其成员、中层干部的来信来电来访。
巡察组进驻时间约1个月。
"""

NO_ISSUES = """中共竹山县林业局党组关于县委第六巡察组巡察反馈意见整改进展情况的通报
根据县委统一部署，2024年5月至6月，县委第六巡察组对竹山县林业局党组开展了常规巡察。
局党组高度重视巡察反馈意见整改工作，成立整改工作领导小组，制定整改方案，明确责任分工，整改工作正在有序推进。
整改进展情况将另行公布。
欢迎广大干部群众对巡察整改落实情况进行监督。
中共竹山县林业局党组
2024年9月3日
"""

TITLE_ONLY = "中共梅林县档案馆支部委员会关于县委第四巡察组巡察反馈意见整改进展情况的通报\n"

ENGLISH_ONLY = """Progress report on the rectification of inspection findings (translated summary)
The bureau has set up a working group and will publish the details later.
Contact: office@example.org
"""

SYMBOLS_ONLY = "★★★★★★★★\n——————————\n※※※※※※\n"


def skipped_levels(k: int) -> str:
    """Headings that skip a level: 一、 then straight to (1) under it, and a 1. without a section."""
    lines = notice_lines(k, 3)
    out = lines[:2]
    body = lines[3:-3]
    out.append("一、关于整改工作的总体情况")
    # the first issue under a (1) heading with no (一) level between
    out += ["（1）" + body[0].split(".", 1)[1], *body[1:3]]
    out += ["三、具体问题整改情况"]  # 二、 is missing
    out += body[3:]
    out += lines[-3:]
    return "\n".join(out) + "\n"


def with_control_chars(text: str) -> str:
    return text.replace("一是", "\x07一是").replace("二是", "二\x1b是").replace("\n", "\x0c\n", 2)


def with_zero_width(text: str) -> str:
    return text.replace("整改", "整\u200b改").replace("问题", "问\ufeff题").replace("关于", "关\u200d于")


def one_line(text: str) -> str:
    return "".join(text.splitlines())


def big5(text: str) -> bytes:
    from opencc import OpenCC

    return OpenCC("s2t").convert(text).encode("big5", errors="replace")


# -- docx ----------------------------------------------------------------------------------------

def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = dt.datetime(2024, 9, 2)
    document.core_properties.author = "fixture"
    for line in paragraphs:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 9, 2, 0, 0, 0))
            package.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def deep_nesting_page(text: str, depth: int = 300) -> str:
    body = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    return f"<html><head><meta charset=\"utf-8\"></head><body>{'<div>' * depth}{body}{'</div>' * depth}</body></html>"


# -- the files -----------------------------------------------------------------------------------

def small_files() -> dict[str, bytes]:
    rng = random.Random(20241116)
    same = notice(7)
    files = {
        # empty and blank
        "empty.txt": b"",
        "whitespace_only.txt": " \n\t\n\u3000\n \r\n".encode(),
        "bom_only.txt": b"\xef\xbb\xbf",
        "newlines_only.txt": b"\r\n" * 50,
        # binary
        "binary_nul.txt": bytes(rng.randrange(256) for _ in range(2048)),
        "image_named.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(512)),
        "random_high_bytes.txt": bytes(rng.randrange(0x80, 0x100) for _ in range(4096)),
        # broken Word files
        "truncated.docx": docx_bytes(notice_lines(0))[:6000],
        "text_named.docx": notice(1).encode("utf-8"),
        "legacy_word.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),
        "zip_not_docx.docx": zip_bytes({"readme.txt": b"not a word document"}),
        "empty_body.docx": docx_bytes([]),
        # pages without a notice
        "portal_page.html": PORTAL_PAGE.encode("utf-8"),
        "scripts_only.html": SCRIPTS_ONLY_PAGE.encode("utf-8"),
        "deep_nesting.html": deep_nesting_page(notice(2)).encode("utf-8"),
        # texts without issues
        "news_report.txt": NEWS_REPORT.encode("utf-8"),
        "notice_no_issues.txt": NO_ISSUES.encode("utf-8"),
        "title_only.txt": TITLE_ONLY.encode("utf-8"),
        "english_only.txt": ENGLISH_ONLY.encode("utf-8"),
        "symbols_only.txt": SYMBOLS_ONLY.encode("utf-8"),
        # encodings
        "gbk_labelled_utf8.html": notice_page(notice(3), charset="utf-8").encode("gbk"),
        "gbk_with_utf8_bom.txt": b"\xef\xbb\xbf" + notice(4).encode("gbk"),
        "gbk_valid_as_utf8.txt": "医院 一 委 巡 通 施\n医院 巡 通\n".encode("gbk"),
        "mixed_encodings.txt": "".join(notice_lines(5)[:3]).encode("utf-8") + notice(5).encode("gbk"),
        "big5_traditional.txt": big5(notice(6)),
        "utf16_bom.txt": notice(8).encode("utf-16"),
        "gbk_crlf.txt": notice(9).replace("\n", "\r\n").encode("gbk"),
        "gb2312_page.htm": notice_page(notice(10), charset="gb2312").encode("gbk"),
        "xml_declared.html": notice_page(notice(11), head="<?xml version=\"1.0\" encoding=\"utf-8\"?>\n").encode(),
        # the same notice twice, and reposted with an edit on another site
        "same_notice_a.txt": same.encode("utf-8"),
        "same_notice_b.txt": same.encode("utf-8"),
        "same_notice_reposted.html": notice_page(same.replace("逐项列出", "逐条列出")).encode("utf-8"),
        # odd structure and characters
        "skipped_levels.txt": skipped_levels(12).encode("utf-8"),
        "control_chars.txt": with_control_chars(notice(13)).encode("utf-8"),
        "zero_width.txt": with_zero_width(notice(14)).encode("utf-8"),
        "one_line.txt": one_line(notice(15)).encode("utf-8"),
    }
    return files


BIG_MB = 50
LONG_LINES = 10_000
MANY_ISSUES = 900


def long_one_issue(lines: int) -> str:
    """A one-issue notice whose measures run over ``lines`` lines."""
    head = notice_lines(16, 1)[:5]
    measure_lines = [f"第{i}项：对第{i}号{OBJECTS[i % len(OBJECTS)]}逐份复核，清理不规范条款并补齐签字手续。"
                     for i in range(1, lines + 1)]
    return "\n".join([*head[:4], "整改情况：", *measure_lines, "欢迎广大干部群众监督。"])


def write_large(folder: Path) -> dict[str, Path]:
    """The big files, written into ``folder``; returns name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}

    def put(name: str, data: bytes) -> None:
        paths[name] = folder / name
        paths[name].write_bytes(data)

    # 50 MB of notice-like text (a mislabelled dump): refused by the size limit before it is read.
    block = ("".join(notice(k) for k in range(16)) + "\n").encode("utf-8")
    with open(folder / "huge_50mb.txt", "wb") as fh:
        written = 0
        while written < BIG_MB * 1024 * 1024:
            fh.write(block)
            written += len(block)
    paths["huge_50mb.txt"] = folder / "huge_50mb.txt"
    # One issue whose measures run over 10,000 lines.
    put("long_one_issue.txt", long_one_issue(LONG_LINES).encode())
    # 900 short issues (numbered headings go up to 999).
    many = [f"中共{institution(17)}委员会关于巡察整改进展情况的通报", "一、问题整改情况"]
    for i in range(1, MANY_ISSUES + 1):
        many += [f"{i}.关于第{i}号{OBJECTS[i % len(OBJECTS)]}{FAULTS[i % len(FAULTS)]}的问题", "整改结果：已完成",
                 f"整改情况：一是复核第{i}号{OBJECTS[i % len(OBJECTS)]}。二是建立第{i}号整改台账。"]
    put("many_issues.txt", "\n".join(many).encode())
    # A .docx whose document.xml unpacks to 200 MB (a zip bomb): refused before it is unpacked.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"<w:p>" + b" " * (1024 * 1024 - 5)
            for _ in range(200):
                member.write(chunk)
    put("zip_bomb.docx", bomb.getvalue())
    # 300 KB on one single line, no line break at all.
    put("one_line_300kb.txt", ("".join(one_line(notice(k)) for k in range(16)) * 12).encode())
    return paths


def write_small(folder: Path = HERE) -> None:
    for name, data in small_files().items():
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", type=Path, help="write the large files into this folder instead")
    args = parser.parse_args()
    if args.large:
        write_large(args.large)
    else:
        write_small()
