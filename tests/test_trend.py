"""Trend charts: the history of a measure from the figure table, the chart (font, glyphs, size), words when too few."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import tarfile
import warnings

import pytest
from PIL import Image

from retrieval import chart, font, render, wording
from retrieval.engine import Engine
from retrieval.service import Service
from retrieval.trend import moment, parse_request, trend
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def service(built):
    settings, _, _ = built
    return Service(settings, Engine.open(settings))


def test_history_is_one_point_per_asof_oldest_first(service):
    engine = service._live()
    found = trend(engine.snapshot, "累计出院", ["株洲"], engine.profile)
    points = found.series[0].points
    assert [p.value for p in points] == ["33", "40", "46"]
    assert [p.asof_key for p in points] == ["2020-02-16T24:00", "2020-02-19T24:00", "2020-02-20T12:00"]
    assert found.drawable and not found.period
    assert {s[0] for s in found.sources} == {"株洲日报"}


def test_request_names_measure_and_places(service):
    engine = service._live()
    ask = lambda text: parse_request(text, engine.profile, engine.gazetteer)  # noqa: E731
    assert ask("出院人数的变化趋势") == ask("累计出院") and ask("累计出院").regions == ("株洲",)
    assert ask("累计确诊 株洲 荷塘区").regions == ("株洲", "荷塘区")
    assert ask("累计确诊 北京 上海").regions == ("北京市", "上海市")
    assert ask("荷塘区").metric is None


def test_a_day_is_placed_on_its_own_date():
    assert moment("2020-02-19T24:00").day == 19 and moment("2020-02-19").day == 19
    assert moment("2020-02-19T12:00") < moment("2020-02-19T24:00") < moment("2020-02-20T00:00")


def test_font_is_the_packages_truetype():
    from fontTools.ttLib import TTFont

    path = font.font_path()
    assert path == ROOT / "fonts" / "NotoSansSC-Regular.ttf" and (path.parent / "OFL.txt").is_file()
    assert "SIL Open Font License" in (path.parent / "OFL.txt").read_text(encoding="utf-8")
    ttf = TTFont(path)
    assert ttf.flavor is None and ttf["name"].getDebugName(1) == "Noto Sans SC"
    assert len(ttf.getBestCmap()) == 7946  # the package's simplified-Chinese subset, whole


def test_a_tarball_that_is_not_the_pinned_package_is_refused(tmp_path):
    fake = tmp_path / "fake.tgz"
    with tarfile.open(fake, "w:gz") as pack:
        data = b"not a font"
        info = tarfile.TarInfo(font.WOFF)
        info.size = len(data)
        pack.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match="integrity"):
        font.install(fake, tmp_path / "x.ttf")
    assert not (tmp_path / "x.ttf").exists()


def test_missing_font_says_what_to_run(tmp_path):
    with pytest.raises(font.FontMissing, match="make install"):
        font.font_path(tmp_path / "none.ttf")


def _drawn(service, text: str, caplog) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("always")
        drawn = service.chart(text)
    return drawn, [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]


def test_chart_is_a_png_of_the_expected_size_with_no_missing_glyph(service, caplog):
    drawn, complaints = _drawn(service, "累计出院", caplog)
    assert not [c for c in complaints if "Glyph" in c or "findfont" in c], complaints
    image = Image.open(io.BytesIO(drawn.png))
    assert image.format == "PNG" and image.size == (chart.SIZE[0] * chart.DPI, chart.SIZE[1] * chart.DPI)
    gray = image.convert("L")
    dark = sum(gray.histogram()[:128])
    assert dark > 0.005 * image.size[0] * image.size[1]  # lines and labels, not a blank page
    assert "株洲 累计出院变化" in drawn.text and "最新46人（截至2020年2月20日下午）" in drawn.text


def test_every_chart_word_has_a_glyph_in_the_font(service):
    from fontTools.ttLib import TTFont

    engine = service._live()
    text = wording.chart_text(trend(engine.snapshot, "新增确诊", ["株洲", "荷塘区"], engine.profile))
    cmap = TTFont(font.font_path()).getBestCmap()
    words = "".join([text.title, text.xlabel, text.ylabel, text.caption, *text.newest, *text.names, "0123456789月日"])
    assert [c for c in words if not c.isspace() and ord(c) not in cmap] == []


def test_too_few_dates_are_said_in_words(service):
    drawn = service.chart("累计确诊 荷塘区")
    assert drawn.png is None
    assert drawn.text == "荷塘区累计确诊只有1个日期的数字（画图至少要2个）：21例（截至2020年2月16日24时）"
    assert service.chart("荷塘区") is None  # no measure named
    assert service.trend_question("株洲累计确诊多少") is None  # no trend word: the answer path
    assert service.trend_question("出院人数的变化趋势").png is not None


def test_cli_draws_the_chart(built, tmp_path):
    settings, _, _ = built
    out = tmp_path / "x.png"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INDEX_DIR": str(settings.index_dir), "EMBEDDING_MODEL": "fake"}
    done = subprocess.run([sys.executable, "-m", "retrieval", "trend", "累计确诊", "--out", str(out)], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "株洲：最新78例（截至2020年2月19日24时），共2个日期" in done.stdout
    assert Image.open(out).size == (1200, 750) and "Glyph" not in done.stderr


def test_answer_path_does_not_import_matplotlib():
    code = ("import sys, json; import bot.app, retrieval.engine, retrieval.service, retrieval.render; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PIL'))))")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_since_lists_moved_figures_and_reports_added(service):
    found = service.since("2月18日")
    moved = {(m.region, m.metric): (m.old.value if m.old else None, m.new.value) for m in found.moved}
    assert moved[("株洲", "在院治疗")] == ("45", "38") and moved[("株洲", "重症")] == (None, "6")
    assert all(m.new.asof_date > "2020-02-18" for m in found.moved)
    assert ("荷塘区", "累计确诊") not in moved  # as of 2月16日: it did not move
    assert len(found.added) == 7 and all(r[2] > "2020-02-18" for _, r in found.added)
    blocks = render.since_html(found, "株洲")
    assert "• 株洲 在院治疗：45例 → 38例（截至2020年2月19日24时）" in blocks[0]
    assert blocks[1].startswith("<b>新增报道（7篇）</b>") and ".txt" not in blocks[1]
    narrowed = service.since("2月15日 累计确诊 荷塘区")
    assert [(m.region, m.metric, m.old) for m in narrowed.moved] == [("荷塘区", "累计确诊", None)]
    assert service.since("荷塘区") is None  # no day named
