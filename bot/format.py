"""Telegram HTML for answers, figures and articles: pure functions, every text escaped, 4096-char safe."""

from __future__ import annotations

from html import escape

from telegram.constants import MessageLimit

from retrieval.answer import Answer

LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
EXAMPLES = ("株洲累计确诊多少", "截至2月16日，株洲累计出院多少例？", "春运期间株洲客运量是多少", "How many confirmed cases in Zhuzhou?")


def source_line(title: str, date: str | None, source: str) -> str:
    """"title · date · source", escaped."""
    return escape(" · ".join(part for part in (title, date or "日期不详", source) if part))


def answer_blocks(answer: Answer, first: int = 1) -> list[str]:
    """The answer as self-contained HTML blocks (a block never splits a tag)."""
    if not answer.answered:
        return [f"抱歉，{escape(answer.note or '现有报道没有涉及这个问题')}。", "可以试试：" + " / ".join(escape(e) for e in EXAMPLES[:2]) + "，或发送 /latest 查看最新数字。"]
    blocks = []
    if answer.answer:
        head = f"<b>{escape(answer.answer)}</b>"
        if answer.note:
            head += f"\n<i>{escape(answer.note)}</i>"
        blocks.append(head)
    else:
        blocks.append("没有能直接给出的数字，以下是最相关的原文：")
    for i, source in enumerate(answer.sources, start=first):
        blocks.append(
            f"<blockquote>{escape(source.quote)}</blockquote>\n{i}. {source_line(source.title, source.date, source.source)}"
        )
    return blocks


def split_blocks(blocks: list[str], limit: int = LIMIT) -> list[str]:
    """Join blocks into messages of at most ``limit`` characters, breaking only between blocks.

    A single block longer than the limit is cut at line breaks (or hard, as a last resort) after
    being closed: it must then be plain text without tags, which is what long article bodies are.
    """
    pieces = [p for block in blocks for p in ([block] if len(block) <= limit else _cut_plain(block, limit))]
    return _pack(pieces, limit, "\n\n")


def _pack(pieces: list[str], limit: int, sep: str) -> list[str]:
    """Greedily join pieces (each at most ``limit`` long) with ``sep`` into chunks of at most ``limit``."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = piece
    if current:
        out.append(current)
    return out


def _cut_plain(text: str, limit: int) -> list[str]:
    lines = [line[i : i + limit] for line in text.split("\n") for i in range(0, max(len(line), 1), limit)]
    return _pack(lines, limit, "\n")


def format_answer(answer: Answer) -> list[str]:
    """One or more HTML messages for an answer."""
    return split_blocks(answer_blocks(answer))


def format_latest(rows: list[dict], limit_regions: int = 12) -> list[str]:
    """/latest: metric, value, as-of, change since the previous report, source — compact."""
    if not rows:
        return ["索引里还没有疫情数字。"]
    home = [r for r in rows if r["region"] == "株洲"]
    districts = [r for r in rows if r["region"] != "株洲"][:limit_regions]
    lines = ["<b>株洲最新疫情数字</b>"]
    for row in home:
        lines.append(_latest_line(row))
    blocks = ["\n".join(lines)]
    if districts:
        blocks.append("<b>各区县</b>\n" + "\n".join(_latest_line(r, with_region=True) for r in districts))
    sources = {(s["title"], s["date"], s["file"]): None for r in rows if (s := r.get("source"))}
    if sources:
        lines = [f"• {source_line(*key)}" for key in sorted(sources, key=lambda k: k[1] or "", reverse=True)]
        blocks.append("<i>来源（数字均为报道原文）：</i>\n" + "\n".join(lines))
    return split_blocks(blocks)


def _latest_line(row: dict, with_region: bool = False) -> str:
    name = f"{row['region']} {row['metric']}" if with_region else row["metric"]
    when = row["asof_label"] if row["metric"].startswith("新增") else f"截至{row['asof_label']}"
    text = f"• {escape(name)}：<b>{escape(row['value'])}{escape(row['unit'])}</b>（{escape(when)}）"
    previous = row.get("previous")
    if previous and row.get("change_label"):
        text += f"，较{escape(previous['asof_label'])}的{escape(previous['value'])}{escape(previous['unit'])}{escape(row['change_label'])}"
    return text


def format_article(article, max_messages: int = 5) -> list[str]:
    """The whole article (title, date, byline, source, text), split across messages if needed."""
    head = f"<b>{escape(article.title)}</b>\n{source_line('', article.date, article.source)}"
    if article.byline:
        head += f"\n{escape(article.byline)}"
    messages = split_blocks([head, escape(article.text)])
    if len(messages) > max_messages:
        messages = messages[:max_messages]
        messages[-1] += "\n……（全文过长，已截断）"
    return messages


def format_help(info: dict, coverage: str) -> str:
    """/start and /help: what the bot knows and how to ask."""
    examples = "\n".join(f"• {escape(e)}" for e in EXAMPLES)
    return (
        "你好！我回答关于<b>株洲本地新闻</b>的问题，答案都摘自报道原文，并附上出处。\n\n"
        f"{escape(coverage)}。\n\n"
        f"直接发问题即可，例如：\n{examples}\n\n"
        "命令：\n/latest 最新疫情数字及变化\n/ask 问题 —— 在群里提问\n/help 本说明\n\n"
        "问题里写上日期（如“截至2月16日”）会给出那天的数字；不写则给出最新报道的数字。"
    )


def format_stats(info: dict) -> str:
    rows = [
        ("文章", info.get("articles")), ("片段", info.get("chunks")), ("数字", info.get("figures")),
        ("模型", info.get("model")), ("索引", info.get("build_id")), ("建于", info.get("built_at")),
        ("运行", f"{info.get('uptime_s', 0)} 秒"), ("已回答", info.get("questions")),
    ]
    return "<b>状态</b>\n" + "\n".join(f"{escape(k)}：{escape(str(v))}" for k, v in rows)
