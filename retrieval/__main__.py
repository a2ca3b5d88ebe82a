"""Command line: `python -m retrieval ask|chat|latest|trend|eval`."""

from __future__ import annotations

import argparse
import json
import sys

from config import Settings
from config.logs import setup_logging


def _engine(settings: Settings):
    from news.errors import NewsError
    from retrieval.engine import Engine
    from retrieval.errors import IndexUnavailable

    try:
        return Engine.open(settings)  # with the profile of ``settings``, read once here
    except (IndexUnavailable, NewsError) as err:  # no index, or `make install`'s lexicon missing: say what to run
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from err


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_parser("chat", help="ask questions in a loop (empty line or Ctrl-D quits)")
    latest = sub.add_parser("latest", help="the newest epidemic figures with their change")
    latest.add_argument("--json", action="store_true")
    chart = sub.add_parser("trend", help="a measure over its as-of dates as a PNG line chart")
    chart.add_argument("words", nargs="+", help="the measure and places: 累计确诊 [北京 上海] (default: the home city)")
    chart.add_argument("--out", required=True, help="the PNG file to write")
    ev = sub.add_parser("eval", help="answer quality on a questions.jsonl file")
    ev.add_argument("questions")
    ev.add_argument("--out", help="write one JSON line per question here")
    ev.add_argument("--doc", help="append the summary to this markdown file")
    args = parser.parse_args(argv)

    settings = Settings()
    setup_logging(settings.log_level)
    engine = _engine(settings)
    from retrieval.errors import SearchUnavailable

    try:
        return _run(args, engine)
    except SearchUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, engine) -> int:
    if args.command == "ask":
        answer = engine.ask(args.question)
        if args.json:
            from retrieval.render import answer_json

            print(json.dumps(answer_json(answer), ensure_ascii=False))
        else:
            from retrieval.render import answer_text

            print(answer_text(answer, engine.profile))
        return 0
    if args.command == "latest":
        rows = engine.latest()
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            from retrieval.render import latest_text

            print(latest_text(rows, engine.profile))
        return 0
    if args.command == "trend":
        return _trend(args, engine)
    if args.command == "chat":
        from retrieval.render import answer_text, coverage_line
        from retrieval.service import Service

        service = Service(engine.settings, engine)  # switches to a newer build between questions
        print(f"{coverage_line(engine.coverage)}。输入问题，空行退出。")
        while True:
            try:
                question = input("问> ").strip()
            except EOFError:
                break
            if not question:
                break
            service.refresh()
            print(answer_text(service.answer(question), service.profile), end="\n\n")
        return 0
    from retrieval.evaluate import evaluate_file

    print(evaluate_file(engine, args.questions, out=args.out))
    return 0


def _trend(args: argparse.Namespace, engine) -> int:
    """Write the chart to ``--out`` and print its caption; too few dates: the words, exit status 1."""
    from pathlib import Path

    from retrieval.render import trend_usage
    from retrieval.service import Service

    chart = Service(engine.settings, engine).chart(" ".join(args.words))
    if chart is None:
        print(trend_usage(engine.profile.home_label), file=sys.stderr)
        return 2
    if chart.png is None:
        print(chart.text)
        return 1
    Path(args.out).write_bytes(chart.png)
    print(f"{chart.text}\n→ {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
