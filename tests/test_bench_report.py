"""docs/benchmarks.md bookkeeping: a run replaces only its own blocks, keeps the hand-written sections, and the
summary of targets is recomputed from every block's data (pure functions, no benchmark is run)."""

from __future__ import annotations

from bench import report


def test_a_run_replaces_its_blocks_and_keeps_the_rest(tmp_path):
    doc = tmp_path / "benchmarks.md"
    old = {
        "build": report.block("build", "old build", {"ratio": 0.5, "unchanged_s": 0.1, "unchanged_process_s": 0.4}),
        "vectors-100000": report.block("vectors-100000", "vectors table", {"n": 100000, "results": []}),
    }
    doc.write_text(report.render(doc, old, "# Benchmarks", "## Summary"), encoding="utf-8")
    text = doc.read_text(encoding="utf-8")
    text = text.replace(report.PLACEHOLDER["## What the figures show"], "Hand-written reading of the figures.")
    text += "\n## A later issue's measurements\n\nTheir own table.\n"
    doc.write_text(text, encoding="utf-8")

    new = {"build": report.block("build", "new build", {"ratio": 0.95, "unchanged_s": 0.1,
                                                        "unchanged_process_s": 0.4})}
    out = report.render(doc, new, "# Benchmarks", "## Summary")
    assert "new build" in out and "old build" not in out  # this run's block replaced the old one
    assert "vectors table" in out  # a block this run did not measure is kept
    assert "Hand-written reading of the figures." in out  # kept verbatim
    assert out.endswith("## A later issue's measurements\n\nTheir own table.\n")  # any section no run writes
    assert out.index("## 2. Index build") < out.index("new build") < out.index("## 3.")

    data = report.all_data(doc, new)
    rows = {r[0]: r for r in report.targets(data)}
    assert rows["build throughput / bare encode ≥ 0.9 (seed)"][1:3] == [0.95, "✅ met"]


def test_targets_mark_what_is_not_met():
    data = {
        "bot": {"rows": [{"limiter": "production", "chats": 50, "vs_concurrent": 0.33, "vs_sequential": 0.7,
                          "per_second": 15.6, "concurrent": 47.2},
                         {"limiter": "off", "chats": 50, "vs_concurrent": 0.9, "vs_sequential": 1.4,
                          "per_second": 40.0, "concurrent": 47.2}]},
        "e2e-1000000": {"rows": 1_000_000, "runs": [{"kind": "ivf_fp16", "nprobe": 32,
                                                      "latency": {"total": {"p50": 39.8, "p95": 52.0}}}]},
    }
    rows = report.targets(data)
    bot = [r for r in rows if r[0].startswith("bot ÷ bare engine")]
    assert len(bot) == 1 and bot[0][2] == "❌ not met" and "0.33" in bot[0][1]  # production limiter only
    e2e = [r for r in rows if r[0].startswith("≤ 50 ms per answer")]
    assert e2e[0][2] == "✅ met" and "nprobe 32" in e2e[0][0]


def test_serving_rss_target_is_the_index_part_after_answering():
    serving = {"replica": {"rows": 1_000_000},
               "now": {"rss_model_mb": 1000, "rss_answered_mb": 3200, "latency": {"total": {"p50": 31.0, "p95": 60.0}}}}
    rows = {r[0]: r for r in report.targets({"e2e-serving-1000000": serving})}
    rss = rows["serving RSS, index part, at 1,000,000 chunks ≤ half of 4.2 GB (2,097 MB)"]
    assert rss[2] == "❌ not met" and rss[1].startswith("2,200 MB")  # 3,200 - 1,000, over 2,097
    assert rows["≤ 50 ms per answer at 1,000,000 chunks served from disk"][2] == "✅ met"
    serving["now"]["rss_answered_mb"] = 2900
    rows = {r[0]: r for r in report.targets({"e2e-serving-1000000": serving})}
    assert rows["serving RSS, index part, at 1,000,000 chunks ≤ half of 4.2 GB (2,097 MB)"][2] == "✅ met"
