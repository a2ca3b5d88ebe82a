"""Plain-text rendering of answers and latest figures for the terminal (the bot has its own HTML)."""

from __future__ import annotations

from retrieval.answer import Answer


def source_line(title: str, date: str | None, source: str) -> str:
    return " · ".join(part for part in (title, date or "日期不详", source) if part)


def render_answer(answer: Answer) -> str:
    lines = []
    if not answer.answered:
        lines.append(f"抱歉：{answer.note}")
        return "\n".join(lines)
    lines.append(answer.answer or "没有可以直接给出的数字，以下是相关原文：")
    if answer.note:
        lines.append(answer.note)
    for i, source in enumerate(answer.sources, start=1):
        lines.append("")
        lines.append(f"[{i}] “{source.quote}”")
        lines.append(f"    —— {source_line(source.title, source.date, source.source)}")
    return "\n".join(lines)


def render_latest(rows: list[dict]) -> str:
    if not rows:
        return "索引中没有疫情数字。"
    lines = []
    for row in rows:
        place = "" if row["region"] == "株洲" else f"{row['region']} "
        change = f"，较上次{row['change_label']}" if row.get("change_label") else ""
        when = row["asof_label"] if row["metric"].startswith("新增") else f"截至{row['asof_label']}"
        lines.append(f"{place}{row['metric']}：{row['value']}{row['unit']}（{when}{change}）")
    return "\n".join(lines)
