"""The monthly digest (issue 17, deliver 5): per department head and for leadership, in the
reader's language, HTML (names escaped) and plain text; mailed over SMTP and posted to a
group chat's robot in the JSON it accepts. Everything is sent to 127.0.0.1 only: an
aiosmtpd server and an http.server sink started by the test."""

from __future__ import annotations

import datetime
import email
import html
import json
import socket
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
from aiosmtpd.controller import Controller

from kpi_engine import store
from kpi_engine.auth import users
from kpi_engine.auth.roles import ADMIN, ANALYST, APPROVER, MANAGER, VIEWER, Actor
from kpi_engine.cli import digest as command
from kpi_engine.cli.main import main
from kpi_engine.i18n import LANGUAGES, period_label, t
from kpi_engine.notify import SendError, smtp, webhook
from kpi_engine.reports.digest import DigestContent, Recipient, compose, file_stem
from tests.store_files import fresh_store, monthly

PASSWORD = "correct horse battery"
HOSTILE = "<script>alert('x')</script>部"


def content(department: str = "市场部") -> DigestContent:
    """October 2026: `department` late, 财务部 missing, one red KPI of each without a note,
    an overdue action and one due, and KPIs that moved."""
    return DigestContent(
        period="2026-10",
        deadline=pd.Timestamp("2026-11-06 23:59:59", tz="Asia/Shanghai"),
        submissions=pd.DataFrame(
            {
                "department": [department, "财务部"],
                "status": ["late", "missing"],
                "uploader": ["王磊", None],
                "uploaded_at": [pd.Timestamp("2026-11-09 02:30", tz="UTC"), None],
            }
        ),
        unexplained=pd.DataFrame(
            {"department": [department, "财务部"], "kpi": ["渠道满意度", "应收账款周转"]}
        ),
        actions=pd.DataFrame(
            {
                "department": [department, None],
                "kpi": ["渠道满意度", None],
                "what": ["走访前十大客户", "复盘预算执行"],
                "owner": ["王磊", "周总"],
                "due": [datetime.date(2026, 10, 20), datetime.date(2026, 11, 6)],
            }
        ),
        changes=pd.DataFrame(
            {
                "department": [department, department, "财务部"],
                "kpi_id": ["M-1", "M-2", "F-1"],
                "kpi_name": ["渠道满意度", "新客户数", "应收账款周转"],
                "perspective": ["客户", "客户", "财务"],
                "score": [62.0, 95.0, 70.0],
                "previous_score": [80.0, 85.0, 90.0],
                "change": [-18.0, 10.0, -20.0],
            }
        ),
    )


HEAD = Recipient("王磊", "wang@example.com", "zh-Hans", ("市场部",))
LEADER = Recipient("周总", "zhou@example.com", "en", None)


# --- composing --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_department_head_reads_their_departments_in_their_language(lang):
    head = Recipient("王磊", "wang@example.com", lang, ("市场部",))
    digest = compose(content(), head)
    assert period_label("2026-10", lang) in digest.subject
    for key in ("digest.submissions", "digest.unexplained", "digest.actions", "digest.movers"):
        assert t(key, lang) in digest.text and html.escape(t(key, lang)) in digest.html
    market = "市場部" if lang == "zh-Hant" else "市场部"  # names in the reader's script
    assert market in digest.subject
    for part, said in ((digest.text, str), (digest.html, html.escape)):
        assert "渠道满意度" in part or "渠道滿意度" in part
        assert said(t("board.status_late", lang)) in part
        assert said(t("digest.overdue", lang)) in part  # the action due 10-20, before the deadline
        assert "财务部" not in part and "財務部" not in part  # not theirs
        assert "复盘预算执行" not in part  # the organisation's action is leadership's
    assert "80.0 → 62.0 (-18.0)" in digest.text and "85.0 → 95.0 (+10.0)" in digest.text
    assert "2026-11-09 10:30" in digest.text  # the upload on the organisation's clock


def test_leadership_reads_the_whole_organisation():
    digest = compose(content(), LEADER)
    assert digest.subject == t("digest.subject_org", "en", period="2026-10")
    for name in (
        "市场部",
        "财务部",
        "应收账款周转",
        "复盘预算执行",
        t("board.status_missing", "en"),
    ):
        assert name in digest.text
    assert digest.text.index("90.0 → 70.0 (-20.0)") > digest.text.index("85.0 → 95.0 (+10.0)")


def test_nothing_to_report_says_so():
    empty = content()
    quiet = DigestContent(
        period=empty.period,
        deadline=empty.deadline,
        submissions=empty.submissions.iloc[:0],
        unexplained=empty.unexplained.iloc[:0],
        actions=empty.actions.iloc[:0],
        changes=empty.changes.iloc[:0],
    )
    digest = compose(quiet, HEAD)
    for key in ("submissions", "unexplained", "actions", "movers"):
        assert t(f"digest.{key}_none", "zh-Hans") in digest.text
    assert "None" not in digest.text and "nan" not in digest.text


def test_html_escapes_every_name():
    reader = Recipient("<img src=x onerror=alert(1)>", "x@example.com", "en", (HOSTILE,))
    digest = compose(content(HOSTILE), reader)
    assert "<script" not in digest.html and "<img" not in digest.html
    assert "&lt;script&gt;" in digest.html and "&lt;img src=x" in digest.html
    assert HOSTILE in digest.text  # plain text shows the name as written
    assert "\n" not in digest.subject
    assert r"\<script\>" in digest.markdown  # a robot's Markdown shows it as text too


def test_file_stems_are_safe():
    assert file_stem("王磊") == "王磊"
    for hostile in ("../../etc/passwd", "a/b", "..", "..\\..\\y"):
        stem = file_stem(hostile)
        assert "/" not in stem and "\\" not in stem and not stem.startswith(".")


# --- recipients -------------------------------------------------------------------------


def test_recipients_are_heads_and_leadership_with_an_email(tmp_path):
    path = tmp_path / "users.json"
    users.add("张伟", PASSWORD, ADMIN, email="zhang@example.com", path=path)
    users.add("王磊", PASSWORD, MANAGER, ["市场部"], email="wang@example.com", path=path)
    users.add("李娜", PASSWORD, APPROVER, ["财务部"], language="en", path=path)  # no e-mail
    users.add("陈静", PASSWORD, ANALYST, email="chen@example.com", path=path)
    users.add("周总", PASSWORD, VIEWER, email="zhou@example.com", language="en", path=path)
    found = {r.name: r for r in command.recipients(users.describe(path))}
    assert set(found) == {"张伟", "王磊", "周总"}
    assert found["王磊"].departments == ("市场部",) and found["张伟"].departments is None
    assert found["周总"].language == "en" and found["张伟"].language == "zh-Hans"


# --- SMTP -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: keeps what arrives."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def parts(mail: Message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode(p.get_content_charset())
        for p in mail.walk()
        if not p.is_multipart()
    }


def test_smtp_sends_one_message_per_recipient_with_html_and_text(inbox):
    handler, port = inbox
    server = smtp.parse_url(f"smtp://127.0.0.1:{port}?from=kpi@example.com")
    digests = [compose(content(), HEAD), compose(content(), LEADER)]
    assert smtp.send(digests, server) == 2
    assert [to for to, _ in handler.mails] == [["wang@example.com"], ["zhou@example.com"]]
    for (_, mail), digest in zip(handler.mails, digests, strict=True):
        assert mail["From"] == "kpi@example.com"
        assert str(email.header.make_header(email.header.decode_header(mail["Subject"]))) == (
            digest.subject
        )
        found = parts(mail)
        assert set(found) == {"text/plain", "text/html"}
        assert found["text/plain"].replace("\r\n", "\n").strip() == digest.text.strip()
        assert "<h2" in found["text/html"] and "市场部" in found["text/html"]


def test_smtp_urls():
    server = smtp.parse_url("smtps://kpi%40example.com:p%40ss@mail.example.com?starttls=0")
    assert (server.host, server.port, server.ssl, server.starttls) == (
        "mail.example.com",
        465,
        True,
        False,
    )
    assert (server.user, server.password, server.sender) == (
        "kpi@example.com",
        "p@ss",
        "kpi@example.com",
    )
    tls = smtp.parse_url("smtp://u:p@mail.example.com:587?starttls=1&from=a@b.cn")
    assert tls.starttls and tls.port == 587 and tls.sender == "a@b.cn"
    for bad in ("http://mail.example.com", "smtp://", "smtp://host:port"):
        with pytest.raises(ValueError, match="KPI_SMTP_URL"):
            smtp.parse_url(bad)


def test_an_unreachable_mail_server_is_a_clear_error():
    server = smtp.parse_url(f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(SendError, match=r"cannot reach the mail server 127\.0\.0\.1"):
        smtp.send([compose(content(), HEAD)], server, timeout=5)


# --- the command, on frames of our own --------------------------------------------------


@pytest.fixture
def company(tmp_path, monkeypatch) -> Path:
    """A data directory whose users have e-mails; `gather` replaced by our frames (the
    store's side is tested where the cycle's modules are, see test_gather_from_the_store)."""
    monkeypatch.setenv("KPI_DATA_DIR", str(tmp_path))
    for name in ("KPI_USERS_FILE", "DATABASE_URL", "KPI_SMTP_URL", "KPI_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("KPI_WEBHOOK_KIND", raising=False)
    users.add("张伟", PASSWORD, ADMIN, email="zhang@example.com", language="en")
    users.add("王磊", PASSWORD, MANAGER, ["市场部"], email="wang@example.com")
    users.add("../evil", PASSWORD, VIEWER, email="evil@example.com")
    monkeypatch.setattr(command, "gather", lambda engine, period, settings: content())
    return tmp_path


def test_cli_writes_html_and_text_per_recipient(company, capsys):
    out = company / "out"
    assert main(["digest", "--period", "2026-10", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "_evil.html",
        "_evil.txt",
        "张伟.html",
        "张伟.txt",
        "王磊.html",
        "王磊.txt",
    ]
    assert t("digest.submissions", "en") in (out / "张伟.html").read_text(encoding="utf-8")
    assert "财务部" not in (out / "王磊.txt").read_text(encoding="utf-8")


def test_cli_sends_through_smtp(company, inbox, monkeypatch, capsys):
    handler, port = inbox
    monkeypatch.setenv("KPI_SMTP_URL", f"smtp://127.0.0.1:{port}")
    assert main(["digest", "--period", "2026-10", "--send"]) == 0
    assert sorted(to[0] for to, _ in handler.mails) == [
        "evil@example.com",
        "wang@example.com",
        "zhang@example.com",
    ]
    assert "sent 3 digest(s)" in capsys.readouterr().err


def test_cli_unreachable_smtp_exits_1_with_the_reason(company, monkeypatch, capsys):
    monkeypatch.setenv("KPI_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    assert main(["digest", "--period", "2026-10", "--send"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the mail server 127.0.0.1")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("environment", "says"),
    [
        ({}, "--send needs KPI_SMTP_URL or KPI_WEBHOOK_URL"),
        ({"KPI_SMTP_URL": "smtp//oops"}, "KPI_SMTP_URL must look like"),
        ({"KPI_WEBHOOK_URL": "https://chat.example.com/hook"}, "set KPI_WEBHOOK_KIND"),
    ],
)
def test_cli_bad_send_settings_exit_1(company, monkeypatch, capsys, environment, says):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["digest", "--period", "2026-10", "--send"]) == 1
    assert says in capsys.readouterr().err


# --- group chats ------------------------------------------------------------------------


class Sink(BaseHTTPRequestHandler):
    """A robot's stand-in: keeps each POST's JSON, answers as the robots do."""

    received: ClassVar[list[tuple[str, dict]]] = []
    answer: ClassVar[dict] = {"errcode": 0, "errmsg": "ok"}

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], json.loads(body)))
        data = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sink():
    Sink.received, Sink.answer = [], {"errcode": 0, "errmsg": "ok"}
    server = HTTPServer(("127.0.0.1", 0), Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/robot/send?key=k"
    server.shutdown()
    server.server_close()


def test_each_robot_gets_the_json_it_accepts(sink):
    digest = compose(content(), Recipient("全公司", None, "zh-Hans", None))
    for kind in webhook.KINDS:
        assert webhook.post(digest, sink, kind) == kind
    (wecom_type, wecom), (_, dingtalk), (_, feishu) = Sink.received
    assert wecom_type.startswith("application/json")
    assert wecom == {"msgtype": "markdown", "markdown": {"content": digest.markdown}}
    assert dingtalk == {
        "msgtype": "markdown",
        "markdown": {"title": digest.subject, "text": digest.markdown},
    }
    assert feishu == {"msg_type": "text", "content": {"text": f"{digest.subject}\n\n{digest.text}"}}
    assert "市场部" in digest.markdown and t("digest.movers", "zh-Hans") in digest.markdown


def test_a_long_digest_fits_the_wecom_limit():
    many = content()
    changes = pd.concat([many.changes] * 3, ignore_index=True)
    big = DigestContent(
        period=many.period,
        deadline=many.deadline,
        submissions=pd.concat([many.submissions] * 200, ignore_index=True),
        unexplained=many.unexplained,
        actions=many.actions,
        changes=changes,
    )
    digest = compose(big, LEADER)
    assert t("digest.more", "en", n=400 - 30) in digest.text
    sent = webhook.payload(digest, webhook.WECOM)["markdown"]["content"]
    assert len(sent.encode("utf-8")) <= 4096


def test_robot_kind_from_the_host_or_the_setting():
    assert webhook.kind_of("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x") == "wecom"
    assert webhook.kind_of("https://oapi.dingtalk.com/robot/send?access_token=x") == "dingtalk"
    assert webhook.kind_of("https://open.feishu.cn/open-apis/bot/v2/hook/x") == "feishu"
    assert webhook.kind_of("https://open.larksuite.com/open-apis/bot/v2/hook/x") == "feishu"
    assert webhook.kind_of("http://127.0.0.1:9/x", "dingtalk") == "dingtalk"
    with pytest.raises(ValueError, match="KPI_WEBHOOK_KIND must be one of"):
        webhook.kind_of("http://127.0.0.1:9/x", "slack")


def test_a_robot_refusing_or_unreachable_is_a_clear_error(sink):
    Sink.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    digest = compose(content(), LEADER)
    with pytest.raises(SendError, match="refused the message: 93000 invalid webhook url"):
        webhook.post(digest, sink, "wecom")
    with pytest.raises(SendError, match=r"cannot reach the feishu robot at 127\.0\.0\.1"):
        webhook.post(digest, f"http://127.0.0.1:{free_port()}/x", "feishu", timeout=5)


def test_cli_posts_the_leadership_digest(company, sink, monkeypatch, capsys):
    monkeypatch.setenv("KPI_WEBHOOK_URL", sink)
    monkeypatch.setenv("KPI_WEBHOOK_KIND", "dingtalk")
    assert main(["digest", "--period", "2026-10", "--send"]) == 0
    ((_, posted),) = Sink.received
    assert posted["msgtype"] == "markdown"
    assert "财务部" in posted["markdown"]["text"]  # the whole organisation
    assert "posted the leadership digest to the dingtalk robot" in capsys.readouterr().err


# --- from the store ------------------------------------------------------------------


@pytest.mark.slow
def test_gather_from_the_store_and_the_command_end_to_end(tmp_path, monkeypatch, inbox):
    """A store where 市场部 sent October late with a red KPI and no note, 财务部 sent only
    September, and an action is overdue: each head and leadership get theirs by mail."""
    handler, port = inbox
    monkeypatch.setenv("KPI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KPI_SMTP_URL", f"smtp://127.0.0.1:{port}")
    for name in ("KPI_USERS_FILE", "DATABASE_URL", "KPI_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    engine = fresh_store(tmp_path)
    admin = Actor("张伟", ADMIN)
    monthly("市场部", 9, actual=95.0).save(engine, admin)
    monthly("财务部", 9, actual=95.0).save(engine, admin)
    monthly("市场部", 10, actual=20.0).save(engine, admin)  # now: after the deadline, red
    store.add_action(
        engine,
        period="2026-09",
        department="市场部",
        kpi_key=None,
        kpi=None,
        what="走访前十大客户",
        owner="王磊",
        due=datetime.date(2026, 10, 15),
        user=admin,
    )
    users.add("张伟", PASSWORD, ADMIN, email="zhang@example.com", language="en")
    users.add("王磊", PASSWORD, MANAGER, ["市场部"], email="wang@example.com")
    users.add("钱进", PASSWORD, APPROVER, ["财务部"], email="qian@example.com", language="zh-Hant")

    content = command.gather(engine, "2026-10", store.load_settings(engine))
    assert set(content.submissions["department"]) == {"市场部", "财务部"}
    assert dict(
        zip(content.submissions["department"], content.submissions["status"], strict=True)
    ) == {
        "市场部": "late",
        "财务部": "missing",
    }
    assert set(content.unexplained["department"]) == {"市场部"}
    assert list(content.actions["what"]) == ["走访前十大客户"]
    assert (content.changes["change"] < 0).all() and len(content.changes) == 3

    out = tmp_path / "out"
    assert main(["digest", "--period", "2026-10", "--out", str(out), "--send"]) == 0
    mails = {to[0]: mail for to, mail in handler.mails}
    assert set(mails) == {"zhang@example.com", "wang@example.com", "qian@example.com"}
    head = parts(mails["wang@example.com"])["text/plain"]
    assert t("board.status_late", "zh-Hans") in head and "指标1" in head
    assert "走访前十大客户" in head and "财务部" not in head
    finance = parts(mails["qian@example.com"])["text/plain"]
    assert t("board.status_missing", "zh-Hant") in finance and "市场部" not in finance
    leader = (out / "张伟.html").read_text(encoding="utf-8")
    assert (
        "市场部" in leader
        and "财务部" in leader
        and t("digest.movers", "en") in leader.replace("&#x27;", "'")
    )
