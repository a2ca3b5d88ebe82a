"""Tests for news.asof: as-of keys, labels and dates from the Chinese time words of a sentence."""

from __future__ import annotations

import pytest

from news.asof import AsOf, parse_question_date, resolve_asof


@pytest.mark.parametrize(
    ("sentence", "article_date", "key", "label", "iso"),
    [
        ("截至2月19日24时，我市累计报告新冠肺炎确诊病例78例", "2020-02-20",
         "2020-02-19T24:00", "2020年2月19日24时", "2020-02-19"),
        ("截至16日24时，我市累计出院病例33例，仍有45例在院治疗。", "2020-02-17",
         "2020-02-16T24:00", "2020年2月16日24时", "2020-02-16"),
        ("株洲日报讯 2月17日，记者从市卫健委获悉，2月16日0-24时，我市报告新冠肺炎新增确诊病例0例", "2020-02-17",
         "2020-02-16T24:00", "2020年2月16日0—24时", "2020-02-16"),
        ("株洲日报讯 2月20日，市卫健委官网公布：2月19日0时-24时，我市报告新增确诊病例0例", "2020-02-20",
         "2020-02-19T24:00", "2020年2月19日0—24时", "2020-02-19"),
        ("2月20日下午，我市又有6名新冠肺炎患者治愈出院，至此，治愈出院人数增至46人。", "2020-02-20",
         "2020-02-20T12:00", "2020年2月20日下午", "2020-02-20"),
        ("2月17日上午，市委副书记、市长阳卫国赴醴陵督导", "2020-02-17",
         "2020-02-17T08:00", "2020年2月17日上午", "2020-02-17"),
        ("截至2月20日，全市已恢复道路客运班线170条", "2020-02-18", "2020-02-20", "2020年2月20日", "2020-02-20"),
        ("2月18日，为期40天的2020年春运结束。", "2020-02-18", "2020-02-18", "2020年2月18日", "2020-02-18"),
        ("“目前，我市的确诊患者治愈率已达58.9%。", "2020-02-20", "2020-02-20", "2020年2月20日", "2020-02-20"),
        ("至今，该院已向板杉村捐赠口罩1050个", "2020-02-20", "2020-02-20", "2020年2月20日", "2020-02-20"),
        ("2月15日、16日，我市的疫情通报让人感觉拨云见日：我市连续两日新冠肺炎新增确诊病例0例", "2020-02-17",
         "2020-02-16", "2020年2月16日", "2020-02-16"),
        ("截至２月１９日２４时，全市", "2020-02-20", "2020-02-19T24:00", "2020年2月19日24时", "2020-02-19"),
        ("截至2020年2月19日24时，全市", None, "2020-02-19T24:00", "2020年2月19日24时", "2020-02-19"),
    ],
)
def test_sentence_time_expressions(sentence: str, article_date: str | None, key: str, label: str, iso: str) -> None:
    assert resolve_asof(sentence, article_date) == AsOf(key=key, label=label, date=iso)


def test_context_nearest_first_then_article_date() -> None:
    context = "截至2月19日24时，我市累计报告新冠肺炎确诊病例78例\n株洲日报讯 2月20日，市卫健委官网公布"
    assert resolve_asof("已解除医学观察1419人，尚有379人正在接受医学观察。", "2020-02-20", context).key == (
        "2020-02-19T24:00"
    )
    # the sentence's own 目前 beats a date in the context
    assert resolve_asof("目前，治愈率已达58.9%", "2020-02-20", "2月20日下午，我市又有6名患者治愈出院").key == "2020-02-20"
    fallback = resolve_asof("所有出院患者均按要求回当地进行隔离观察。", "2020-02-20", "没有时间的句子。")
    assert fallback == AsOf(key="2020-02-20", label="2020年2月20日", date="2020-02-20")
    assert resolve_asof("没有时间", None) is None


def test_position_picks_the_time_before_the_fact() -> None:
    sentence = "2月20日0-24时，我市新增确诊病例0例，截至2月20日24时，全市累计确诊病例78例"
    assert resolve_asof(sentence, "2020-02-21", position=sentence.index("0例")).label == "2020年2月20日0—24时"
    assert resolve_asof(sentence, "2020-02-21", position=sentence.index("78例")).label == "2020年2月20日24时"
    # a time written after the fact still counts when none comes before it
    assert resolve_asof("我市累计确诊病例78例（截至2月19日24时）", "2020-02-21", position=8).key == "2020-02-19T24:00"


def test_starting_points_and_bare_days_are_not_as_of() -> None:
    # "自2月10日复工" and "1月27日起" are starts, a bare "16日" is too weak: all fall back to the article date
    assert resolve_asof("这是该企业自2月10日复工复产后完成的第一批订单。", "2020-02-18").key == "2020-02-18"
    assert resolve_asof("1月27日起，该公司提前复工。", "2020-02-17").key == "2020-02-17"
    assert resolve_asof("16日共有3人出院", "2020-02-17").key == "2020-02-17"


def test_year_and_month_inference() -> None:
    assert resolve_asof("截至28日24时，全市", "2020-03-01").key == "2020-02-28T24:00"
    assert resolve_asof("12月31日，全市", "2020-01-02").date == "2019-12-31"
    assert resolve_asof("2月19日，全市", None).date == "2020-02-19"
    assert resolve_asof("昨日，记者获悉", "2020-02-18").date == "2020-02-17"


def test_keys_sort_in_time_order() -> None:
    keys = [
        resolve_asof(s, "2020-02-20").key
        for s in ("截至2月16日24时", "2月19日0时-24时", "截至2月19日24时", "目前", "2月20日下午")
    ]
    assert keys == sorted(keys)
    assert keys[1] == keys[2]  # the day's period ends when the cumulative count is taken


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("截至2月16日株洲累计确诊多少例？", "2020-02-16"),
        ("2月19日新增了几例", "2020-02-19"),
        ("2020年2月16日的出院人数", "2020-02-16"),
        ("2020-02-16 在院治疗多少人", "2020-02-16"),
        ("二月十六日株洲有多少确诊", "2020-02-16"),
        ("从2月16日到2月19日增加了多少", "2020-02-19"),
        ("16日的情况", None),
        ("株洲累计确诊多少", None),
        ("2月30日", None),
    ],
)
def test_parse_question_date(question: str, expected: str | None) -> None:
    assert parse_question_date(question) == expected


def test_parse_question_date_default_year() -> None:
    assert parse_question_date("2月16日", default_year=2021) == "2021-02-16"
