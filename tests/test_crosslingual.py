"""The offline cross-lingual levers: CEDICT glosses, hanja readings, CLDR place names, phonetic name keys."""

from citebot.index.retrieval import entities, names
from citebot.index.retrieval.terms import passage_terms, query_terms
from tests.support import REPO


def shared(a: list[str], b: list[str]) -> set[str]:
    return set(a) & set(b)


def test_english_question_meets_chinese_text_through_cedict_glosses():
    text = passage_terms("平壤对此作出报复:召回驻蒙古大使。")["en"]
    assert {"ambassador", "recal"} <= shared(text, query_terms("Why was the ambassador recalled?")["en"])


def test_korean_question_meets_chinese_text_through_hanja_readings():
    text = passage_terms("蒙古当局逮捕了两名韩国国防情报局官员。")["ko"]
    assert {"체포", "한국"} <= shared(text, query_terms("몽골은 왜 한국 관리를 체포했나요?")["ko"])


def test_place_names_in_four_languages_share_ids():
    ids = {
        frozenset(entities.find(t))
        for t in ["朝鲜和乌兰巴托", "North Korea and Ulaanbaatar", "Хойд Солонгос, Улаанбаатар", "북한과 울란바토르"]
    }
    assert ids == {frozenset({"ent:KP", "ent:Asia/Ulaanbaatar"})}


def test_unrelated_words_name_no_place():
    assert entities.find("How do I bake bread?") == []


def test_mongolian_name_in_chinese_matches_latin_and_cyrillic_spellings():
    chinese = names.passage_keys("蒙古国家大呼拉尔主席阿玛尔巴亚斯嘎兰・达什泽格夫举行会谈。")
    assert len(shared(chinese, names.question_keys("What did Amarbayasgalan say?"))) >= 4
    assert len(shared(chinese, names.question_keys("Д.Амарбаясгалан юу хэлсэн бэ?"))) >= 4


def test_korean_name_in_hanja_matches_its_romanisation():
    chinese = names.passage_keys("韩国国防情报局局长文相镐亲自赴乌兰巴托道歉。")
    assert shared(chinese, names.question_keys("Why did Moon Sang-ho travel?"))


def test_question_words_are_not_names():
    assert names.question_keys("What Which When") == []
    assert names.skeleton("Ulaanbaatar").startswith(names.skeleton("Wulanbatuo"))  # 乌兰巴托 in pinyin


def test_english_question_is_read_in_the_collections_chinese_words():
    from citebot.index.retrieval.translation import QueryTranslator

    translator = QueryTranslator.from_vocabulary(["韩国", "南", "召回", "大使", "蒙古", "面包"])
    reading = "".join(translator.words("Why did South Korea recall its ambassador to Mongolia?"))
    assert reading == "韩国召回大使蒙古"


def test_korean_question_is_read_through_hanja_with_particles_dropped():
    from citebot.index.retrieval.translation import QueryTranslator

    translator = QueryTranslator.from_vocabulary(["大使", "逮捕", "韩国"])
    assert "".join(translator.words("한국은 왜 대사를 체포했나요?")) == "韩国大使逮捕"


def test_chinese_and_mongolian_questions_need_no_reading():
    from citebot.index.retrieval.translation import QueryTranslator

    translator = QueryTranslator.from_vocabulary(["大使"])
    assert "".join(translator.words("朝鲜为什么召回大使?")) == ""
    assert "".join(translator.words("Элчин сайдаа яагаад татсан бэ?")) == ""


def test_a_date_in_four_languages_gives_the_same_terms():
    from citebot.index.retrieval.dates import date_terms

    spellings = ["2025 年 7 月 31 日", "July 31, 2025", "2025년 7월 31일", "2025 оны 7 дугаар сарын 31"]
    assert {frozenset(date_terms(s)) for s in spellings} == {frozenset({"y2025", "m7", "y2025m7", "m7d31"})}


def test_words_that_only_look_like_dates_are_not_dates():
    from citebot.index.retrieval.dates import date_terms

    assert date_terms("May I ask about the 1990s?") == []
    assert date_terms("On May 5") == ["m5", "m5d5"]


def test_question_naming_the_day_prefers_the_passage_with_that_day():
    from citebot.index.retrieval.lexical import LexicalIndex

    passages = [passage_terms("2025 年 7 月 30 日,双方举行会谈。"), passage_terms("2025 年 7 月 31 日,双方举行会谈。")]
    scores = LexicalIndex(passages).scores(query_terms("What was discussed on July 31, 2025?"), 2)
    assert scores[1] > scores[0]


def test_the_shipped_place_table_is_what_cldr_gives():
    """places.tsv is generated from Babel's CLDR data (tools/places_table.py); when an upgrade of Babel
    changes that data this fails: regenerate the table."""
    import runpy

    places = runpy.run_path(str(REPO / "tools" / "places_table.py"))["places"]
    shipped = (REPO / "index" / "retrieval" / "places.tsv").read_text(encoding="utf-8").splitlines()
    assert [tuple(line.split("\t")) for line in shipped if not line.startswith("#")] == places()
