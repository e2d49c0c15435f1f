"""Background passages: everyday topics that no document of the collection is about.

A question about the documents is closer to some chunk than to any of these; a question about
something else usually finds a background passage at least as close. Comparing the two cancels
the pull of the question's language on raw cosine scores (both sides are scored the same way).
They span common subjects of general questions, in Chinese and English.
"""

import numpy as np

BACKGROUND = (
    "今天的天气预报:晴转多云,气温在十到二十度之间,明天可能有小雨。",
    "冬季气温骤降,气象台发布寒潮和大风预警,提醒市民注意保暖。",
    "做红烧肉需要五花肉、酱油、冰糖和料酒,小火慢炖一个小时。",
    "烘焙面包时先把面粉、水、酵母和盐揉成面团,发酵后放入烤箱。",
    "咖啡豆的烘焙程度会影响咖啡的酸度和苦味。",
    "比特币等加密货币的价格波动很大,投资者需要注意风险。",
    "股票市场今天收盘上涨,科技股领涨,成交量明显放大。",
    "房贷利率下调后,首套房的月供有所减少。",
    "足球世界杯每四年举办一次,决赛吸引了数十亿观众。",
    "篮球比赛中,球队在最后一节反超比分赢得冠军。",
    "奥运会的游泳比赛中,运动员打破了世界纪录。",
    "新款智能手机配备了更大的屏幕、更快的处理器和更好的摄像头。",
    "安装 Python 后,可以用 pip 安装第三方软件包。",
    "人工智能模型通过大量数据训练,可以识别图像和理解语言。",
    "电脑运行缓慢时,可以清理磁盘空间或增加内存。",
    "每天步行一万步有助于保持身体健康。",
    "感冒时应多喝水、多休息,发烧不退需要就医。",
    "均衡饮食应包括蔬菜、水果、蛋白质和全谷物。",
    "睡眠不足会影响注意力和免疫力,成年人每晚需要七到九小时睡眠。",
    "法国的首都是巴黎,埃菲尔铁塔是著名的旅游景点。",
    "日本的樱花季通常在三月底到四月初。",
    "长城是中国古代修建的防御工程,全长上万公里。",
    "亚马逊雨林是世界上最大的热带雨林。",
    "太阳系有八大行星,木星是其中最大的一颗。",
    "水在一个标准大气压下一百摄氏度沸腾。",
    "光合作用是植物利用阳光把二氧化碳和水转化为养分的过程。",
    "恐龙大约在六千六百万年前灭绝。",
    "莎士比亚写了《哈姆雷特》和《罗密欧与朱丽叶》等戏剧。",
    "这部电影讲述了一个关于友谊和冒险的故事,票房大获成功。",
    "流行歌手发布了新专辑,并宣布将举行全球巡回演唱会。",
    "学习外语最好的方法是每天练习听说读写。",
    "大学入学考试的成绩决定学生可以申请哪些学校。",
    "乘坐飞机时需要提前两小时到达机场办理登机手续。",
    "火车票可以通过手机应用在线购买。",
    "酒店预订时可以选择含早餐的房型。",
    "汽车需要定期更换机油和检查轮胎气压。",
    "电动汽车的续航里程取决于电池容量。",
    "养猫需要准备猫粮、猫砂和定期接种疫苗。",
    "花园里的番茄需要充足的阳光和定期浇水。",
    "婚礼通常包括仪式、宴会和亲友的祝福。",
    "生日蛋糕上插着蜡烛,大家一起唱生日歌。",
    "失业保险可以在失去工作后提供一段时间的收入。",
    "个人所得税按年度申报,可以扣除部分专项费用。",
    "地震发生时应躲在坚固的桌子下面,远离窗户。",
    "The weather tomorrow will be sunny in the morning with rain expected in the evening.",
    "To bake bread, mix flour, water, yeast and salt, let the dough rise, then bake it.",
    "The price of Bitcoin and other cryptocurrencies changes quickly.",
    "The capital of France is Paris and the capital of Italy is Rome.",
    "The football team won the championship after a penalty shootout.",
    "Install the package with pip and import it in your Python script.",
    "Regular exercise and a balanced diet are good for your health.",
    "The movie was a box-office hit and won several awards.",
    "The Earth orbits the Sun once every 365 days.",
    "Book your flight early and arrive at the airport two hours before departure.",
    "Smartphones now have better cameras and longer battery life.",
    "Plants need sunlight, water and nutrients to grow.",
)

# A background passage this close to a chunk is about something the collection covers: it is dropped.
OVERLAP = 0.90


def unlike_chunks(background: np.ndarray, chunk_vectors: np.ndarray) -> np.ndarray:
    """Which background passages (by their vectors) no chunk of the collection is about."""
    return np.asarray((background @ chunk_vectors.T).max(axis=1) < OVERLAP)
