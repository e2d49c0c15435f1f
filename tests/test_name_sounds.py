"""Transcribed names meet across scripts by their sound skeletons."""

from citebot.index.retrieval.names import keys, question_keys, spellings


def test_cyrillic_and_latin_kh_meet_the_chinese_h_of_a_transcribed_name():
    chinese = {key for spelled in spellings("呼日勒苏赫") for key in keys(spelled)}
    assert set(question_keys("Ерөнхийлөгч Хүрэлсүх юу хэлсэн бэ?")) & chinese
    assert set(question_keys("What did President Khurelsukh say?")) & chinese
    korean = {key for spelled in spellings("太亨哲") for key in keys(spelled)}
    assert set(question_keys("Тэ Хён Чол хэн бэ?")) <= korean
