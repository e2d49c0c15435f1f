"""A question asking for a count is not answered firmly by a sentence whose only digits are a date."""

from citebot.index.answering.evidence import NUMBER, asked_fact, carries


def test_the_digits_of_a_date_are_not_a_count():
    assert asked_fact("《南下之路》的票房收入是多少?") == NUMBER
    assert not carries(NUMBER, "《南下之路》于 2024 年 9 月在乌兰巴托、2025 年 4 月在首尔首映。")
    assert not carries(NUMBER, "It premiered in Seoul on April 12, 2025.")
    assert not carries(NUMBER, "2025 年 7 月 30 日,双方举行正式会谈。")


def test_counts_shares_and_durations_beside_dates_still_count():
    assert carries(NUMBER, "2004 至 2019 年间,乌兰巴托接待了多达 5000 名朝鲜工人。")
    assert carries(NUMBER, "2025 年的经济数据显示,煤炭收入暴跌 41%。")
    assert carries(NUMBER, "这是自 1999 年以来的首次此类举动,结束了吴承浩长达八年的任期。")
    assert carries(NUMBER, "About fifty thousand Mongolians work or study in Korea.")
