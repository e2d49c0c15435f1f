"""Shared pieces of the bot tests: users, chats, a small real corpus, and the questions asked of it."""

from __future__ import annotations

from tests.botapi_stub import Chat, User

ADMIN = User(id=1001, first_name="Ada", language_code="en")
ALICE = User(id=2002, first_name="Alice", language_code="en")
BOB = User(id=3003, first_name="Bob", language_code=None)
BATAA = User(id=4004, first_name="Батаа", language_code="mn")
MINJI = User(id=5005, first_name="민지", language_code="ko-KR")
WEI = User(id=6006, first_name="伟", language_code="zh-hans")
GROUP = Chat.group(-1001234567890, "Mongolia readers")

MONGOLIA_DOC = """\
---
title: 蒙古与朝鲜半岛
original_title: "Mongolia and the Korean Peninsula"
publication: Test Gazette
date: 2025-11-04
language: zh
source: "Written for the citebot tests"
---
# 中立桥梁

蒙古长期秉持“中立桥梁”的定位，借助“第三邻国政策”在中国和俄罗斯之间争取自主权。这一政策始于20世纪90年代，最初是为减少对北京和莫斯科的经济依赖。

# 叛逃危机

2024年，一名朝鲜译员在乌兰巴托叛逃，引发了外交危机。朝鲜随后召回了驻蒙古大使，蒙古必须在首尔和平壤之间保持平衡。

# 电影

蒙韩合拍电影《南下之路》讲述朝鲜脱北者经蒙古前往韩国的故事，这部电影在蒙古引发了争议。
"""

GOBI_PROVINCES = ("南戈壁省", "东戈壁省", "戈壁阿尔泰省")


def gobi_doc() -> str:
    """Three paragraphs, each one sentence of about 1,500 characters: answers that need splitting."""
    paragraphs = [
        "，".join(f"在{province}的冬季牧场上第{n}户牧民家庭赶着骆驼和山羊寻找背风的草场" for n in range(1, 46)) + "。"
        for province in GOBI_PROVINCES
    ]
    front = '---\ntitle: 戈壁牧民的四季\nlanguage: zh\nsource: "https://example.org/gobi-herders"\n---\n'
    return front + "# 冬季牧场\n\n" + "\n\n".join(paragraphs) + "\n"


ON_TOPIC_QUESTION = "朝鲜为什么召回大使？"
LONG_ANSWER_QUESTION = "戈壁的冬季牧场上，牧民家庭赶着什么寻找草场？"
OFF_TOPIC_QUESTION = "How do I bake a chocolate cake?"
# The documents are about the defecting interpreter but never name them: the closest passages, no answer.
RELATED_QUESTION = "叛逃的朝鲜译员叫什么名字？"
RELATED_QUESTION_MN = "Оргосон хойд солонгос орчуулагчийн нэр хэн бэ?"
