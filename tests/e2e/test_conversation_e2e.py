"""A conversation through the real bot over the Bot API emulator: follow-ups, several questions, groups (issue 17)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.emulator import running
from tests.e2e.test_bot_e2e import app, e2e_settings, engine  # noqa: F401 - the same bot, index and engine

pytestmark = pytest.mark.slow


def bold(text: str) -> list[str]:
    return re.findall(r"<b>(.*?)</b>", text)


async def test_follow_ups_inherit_what_they_leave_out(emulator, app):  # noqa: F811
    async with running(app):
        user = emulator.user(app.bot_data["token"], user_id=31)
        turns = [
            ("株洲累计确诊多少", None, "累计确诊78例"),
            ("那出院呢", "「株洲 · 累计出院」", "累计出院46人"),
            ("醴陵呢", "「醴陵市 · 累计出院」", "醴陵市累计出院5例"),
            ("确诊呢", "「醴陵市 · 累计确诊」", "醴陵市累计确诊8例"),
            ("2月19日新增出院几例", None, "新增出院3例"),
            ("那新增确诊呢", "「2月19日 · 株洲 · 新增确诊」", "新增确诊0例（2020年2月19日0—24时）"),
        ]
        for question, reading, answer in turns:
            await user.send_message(question)
            reply = await user.wait_reply(timeout=60)
            assert answer in bold(reply.text)[0], (question, reply.text)
            assert (reading is None and not reply.text.startswith("「")) or reply.text.startswith(reading)
        await user.send_command("start")
        await user.wait_reply(timeout=30)
        await user.send_message("醴陵呢")  # /start cleared the context: no measure to carry over
        reply = await user.wait_reply(timeout=60)
        assert not reply.text.startswith("「") and "醴陵市累计" not in reply.text


async def test_a_follow_up_naming_another_list_item_asks_of_it(emulator, app):  # noqa: F811
    async with running(app):
        user = emulator.user(app.bot_data["token"], user_id=35)
        await user.send_message("春运期间城区公交客运量多少")
        reply = await user.wait_reply(timeout=60)
        assert "城区公交736.44万人次" in bold(reply.text)[0]
        await user.send_message("那铁路呢")  # the report lists 铁路 beside 城区公交
        reply = await user.wait_reply(timeout=60)
        assert reply.text.startswith("「春运期间铁路客运量多少」") and "铁路7622万人次" in bold(reply.text)[0], reply.text


async def test_several_questions_in_one_message_each_answered(emulator, app):  # noqa: F811
    async with running(app):
        user = emulator.user(app.bot_data["token"], user_id=32)
        await user.send_message("醴陵有几个确诊，出院了几个")
        text = (await user.wait_reply(timeout=60)).text
        assert bold(text)[:2] == ["醴陵市累计确诊8例（截至2020年2月16日24时）", "醴陵市累计出院5例（截至2020年2月16日24时）"]
        await user.send_message("确诊多少 出院多少 重症多少 在院多少")
        text = (await user.wait_reply(timeout=60)).text
        assert [b.split("（")[0] for b in bold(text)] == ["累计确诊78例", "累计出院46人", "重症6例", "在院治疗38例"]
        assert text.index("「株洲 · 累计出院」") < text.index("「株洲 · 重症」")


async def test_group_answers_thread_on_the_question_and_replies_inherit(emulator, app):  # noqa: F811
    async with running(app):
        member = emulator.group_member(app.bot_data["token"])
        await member.mention_bot("荷塘区有多少确诊病例")
        answer = await member.wait_reply(timeout=60)
        assert answer.reply_to_message_id is not None and "荷塘区累计确诊21例" in answer.text
        await member.reply_to(answer, "那出院呢")
        follow = await member.wait_reply(timeout=60)
        assert follow.text.startswith("「荷塘区 · 累计出院」") and follow.reply_to_message_id is not None


async def test_english_labels_thanks_and_admin_commands_in_groups(emulator, app):  # noqa: F811
    async with running(app):
        user = emulator.user(app.bot_data["token"], user_id=33)
        await user.send_message("How many people recovered?")
        assert bold((await user.wait_reply(timeout=60)).text)[0].startswith("Zhuzhou total discharged: 46 (as of")
        await user.send_message("谢谢你啊")
        assert (await user.wait_reply(timeout=30)).text.startswith("不客气！")
        member = emulator.group_member(app.bot_data["token"])
        await member.send_command("stats")
        await member.expect_no_reply(within=3.0)


async def test_a_burst_of_thirty_gets_thirty_answers_in_order(emulator, app):  # noqa: F811
    asked = [("株洲累计确诊多少", "累计确诊78例"), ("荷塘区有多少确诊病例", "荷塘区累计确诊21例"), ("醴陵有几个确诊", "醴陵市累计确诊8例")]
    async with running(app):
        user = emulator.user(app.bot_data["token"], user_id=34)
        for n in range(30):  # past the 20 a minute: 10 wait their turn
            await user.send_message(asked[n % 3][0])
        replies = await user.wait_replies(30, timeout=300)
        assert [bold(r.text)[0].split("（")[0] for r in replies] == [asked[n % 3][1] for n in range(30)]


async def test_a_place_asked_after_a_question_with_no_figure_asks_that_question_again(emulator, app):  # noqa: F811
    async with running(app):
        user = emulator.user(app.bot_data["token"], user_id=37)
        await user.send_message("攸县还有病人吗")
        first = (await user.wait_reply(timeout=60)).text
        assert "攸县" in first and not bold(first), first  # passages (攸县's patients were all discharged)
        await user.send_message("那醴玲市呢")  # 醴陵 misspelt, and nothing but a place: the last question, of 醴陵市
        follow = (await user.wait_reply(timeout=60)).text
        assert follow.startswith("「醴陵市还有病人吗」"), follow
        assert not bold(follow) or "醴陵" in bold(follow)[0], follow  # never a clause that answers nothing
