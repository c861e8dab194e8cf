"""Name material for the synthetic city: fictional places composed from plausible characters,
the city's departments, and people's names.

Every function takes the caller's `random.Random`, so a seed gives the same names every time.
Place names are composed, not copied: no real city's list of counties or townships is reproduced,
and the handful of composed names that coincide with a real prefecture or province are skipped.
"""

import random
from collections.abc import Callable


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- Places -------------------------------------------------------------------------------------

# First and second characters of county, district and city stems (永宁, 临河, 青山 …).
PLACE_FIRST = "永安宁清长新高平临青华德兴隆泰丰昌庆寿武文阳和定乐江河山川源金龙凤云"
PLACE_SECOND = "宁安平阳河山川源乐远丰泽水陵州江明昌兴德和泉原台溪峰林"

# Composed stems that are (or read as) real prefecture or province names: skipped.
REAL_NAMES = frozenset(
    _words(
        "安阳 南阳 信阳 濮阳 洛阳 阜阳 益阳 邵阳 衡阳 贵阳 沈阳 辽阳 朝阳 咸阳 揭阳 德阳 绵阳 庆阳 "
        "安庆 安康 安顺 宁德 南平 南宁 南昌 长沙 长春 长治 永州 清远 河源 新乡 西宁 泰安 泰州 兴安 "
        "丰城 江门 江山 云浮 金华 龙岩 山南 文山 德阳 华阴 平凉 安宁 宁安 兴宁 昌江 清河 丰宁 永安 "
        "定州 平泉 临江 和田 河池 源城 龙泉 庆阳 云和 云阳 金昌 乐山 青阳 凤阳 新余 江阴 武安 "
        "泰和 长兴 兴化 华容 昌乐 平江 永和 定远 和平 宁远 新城 临泉 阳泉 城阳 永川 高安 宁乡 "
        "庆元 乐平 新昌 新源 云城 武川 江城 永平 金川 龙川 高平 新河 云龙 丰台 永城 德兴 长丰 "
        "高阳 清源 文昌 兴和 武陵 江源 凤城 安源 阳城 德江 临泽 清丰 南乐 范县 台前 华龙"
    )
)

# City stems are built from the same characters; the province gets a stem of its own.
PROVINCE_FIRST = "江河湖山云海岳淮汉黔滇湘"
PROVINCE_SECOND = "原东南北西中川岭阳州"
REAL_PROVINCES = frozenset(
    _words("河南 河北 湖南 湖北 山东 山西 云南 海南 江西 陕西 江苏 淮南 淮北 汉中 汉阳")
)

# Township stems (柳泉, 石桥, 白沙 …): a nature or colour word and a landform.
TOWN_FIRST = "青白石柳桃杏梨枣松柏槐杨梅兰龙凤马鹤金玉双三五七高黄红清古长大小东西南北前后沙"
TOWN_SECOND = "山河泉桥沟岭坡湾店庄集营寨堡坪塘口洼湖林峪台岗铺屯关门溪滩园"

# Street offices (街道) in districts and county-level cities.
STREET_NAMES = _words(
    "东风 解放路 人民路 建设路 文化路 和平路 新华 胜利 北关 南关 东关 西关 城东 城西 城南 城北 "
    "朝阳 向阳 红星 光明 振兴 滨河 湖滨 站前 府前 中心路 工业路 新城 古城 育才路 长安路 五一路"
)

# Communities (社区) under street offices and in town seats.
COMMUNITY_NAMES = _words(
    "幸福 和谐 滨河 建设 花园 锦绣 翠苑 阳光 新华 丽景 书香 桂花 和平 团结 友谊 朝阳 金桥 "
    "文昌 育才 康乐 安居 福苑 紫荆 玉兰 梧桐 银杏 碧水 青园 东苑 西苑 南苑 北苑 东湖 西湖 "
    "站前 工业园 兴业 永安 春晖 秀水 明珠 华苑 绿洲 嘉园 长青 建华 胜利 光明 民主 振华 "
    "新村 北门 南门 东门 西门 桥头 河畔 景苑 名都 盛世 天河 龙湾 凤鸣 枫林 柳岸 荷塘"
)

# Village names: surname hamlets (王家庄), bare surname hamlets (张庄), and place words (石桥).
SURNAMES_VILLAGE = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢"
    "蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
HAMLET_AFTER_JIA = "庄村湾营洼沟岭寨店坡楼集堡屯桥"
HAMLET_BARE = "庄营屯寨集店楼湾"
VILLAGE_PLACES = _words(
    "石桥 柳树 杏花 槐树 双河 前进 红旗 桃园 龙泉 青石 白沙 马坊 黄土 清水 松林 柏树 梨园 "
    "枣林 河口 山口 高台 新庄 大营 小营 东岗 西岗 南洼 北洼 前湾 后湾 上河 下河 中和 三合 "
    "五里 七里 十里 沙河 石门 金沟 银河 凤凰 卧龙 云台 长岭 古城 新民 太平 永兴 富民 兴旺 "
    "丰收 团结 联合 东升 红光 胜利 光明 曙光 新华 建新 立新 向阳 河西 河东 岭南 岭北 泉头 "
    "涧沟 杨林 柳沟 桃花 杏园 李园 花园 竹园 莲花 荷花 稻香 麦田 瓦窑 砖井 铁炉 盐店 油坊 "
    "磨坊 官道 驿口 渡口 桥头 堤口 湖滨 塘坊 梅林 兰溪"
)
DIRECTIONS = "东西南北前后上下大小"

# Schools under a township.
SCHOOL_KINDS = ("中心小学", "第一初级中学", "中心幼儿园", "第二初级中学", "中学", "第二小学")
# Schools of a street office carry the street's name alone (东风路小学).
STREET_SCHOOL_KINDS = ("小学", "初级中学", "幼儿园", "实验小学", "中学", "第二小学")

# Enterprises: a brand and a trade.
ENTERPRISE_BRANDS = _words(
    "宏达 恒信 鑫源 华盛 永丰 金穗 瑞丰 利民 兴旺 丰泰 顺发 德润 汇通 盛世 天成 嘉禾 联创 "
    "恒通 新宇 裕丰 润泽 东升 宏图 金鼎 泰和 万隆 福源 康泰 振兴 华鑫 益农 绿源 银河 鼎盛 "
    "长丰 惠民 新禾 安达 宝丰 信达"
)
ENTERPRISE_TRADES = _words(
    "机械 食品 纺织 建材 农业科技 化工 电子 服装 物流 制药 新材料 包装 家具 饲料 面业 果业 "
    "木业 汽车配件 电气 光伏 粮油 畜牧 茶业 印务 陶瓷 钢构"
)
ENTERPRISE_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司")

# --- Departments --------------------------------------------------------------------------------

# The city's departments (市直单位) in the order a roster lists them: party organs, the people's
# congress, government and CPPCC offices, government departments, courts, mass organisations.
# (name, short name). The city office (市委办公室) is the first.
CITY_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("市委办公室", "市委办"),
    ("市纪委监委", ""),
    ("市委组织部", ""),
    ("市委宣传部", ""),
    ("市委统战部", ""),
    ("市委政法委员会", "市委政法委"),
    ("市委政策研究室", "市委政研室"),
    ("市委机构编制委员会办公室", "市委编办"),
    ("市委网络安全和信息化委员会办公室", "市委网信办"),
    ("市委巡察工作领导小组办公室", "市委巡察办"),
    ("市委社会工作部", "市委社工部"),
    ("市委金融委员会办公室", "市委金融办"),
    ("市委老干部局", ""),
    ("市委市直机关工作委员会", "市直机关工委"),
    ("市委党校", ""),
    ("市委党史研究室", "市委党史室"),
    ("市人大常委会办公室", "市人大办"),
    ("市人民政府办公室", "市政府办"),
    ("市政协办公室", "市政协办"),
    ("市发展和改革委员会", "市发改委"),
    ("市教育局", ""),
    ("市科学技术局", "市科技局"),
    ("市工业和信息化局", "市工信局"),
    ("市民族宗教事务局", "市民宗局"),
    ("市公安局", ""),
    ("市民政局", ""),
    ("市司法局", ""),
    ("市财政局", ""),
    ("市人力资源和社会保障局", "市人社局"),
    ("市自然资源和规划局", "市资规局"),
    ("市生态环境局", ""),
    ("市住房和城乡建设局", "市住建局"),
    ("市城市管理局", "市城管局"),
    ("市交通运输局", "市交通局"),
    ("市水利局", ""),
    ("市农业农村局", ""),
    ("市商务局", ""),
    ("市文化和旅游局", "市文旅局"),
    ("市卫生健康委员会", "市卫健委"),
    ("市退役军人事务局", "市退役军人局"),
    ("市应急管理局", "市应急局"),
    ("市审计局", ""),
    ("市人民政府国有资产监督管理委员会", "市国资委"),
    ("市市场监督管理局", "市市场监管局"),
    ("市体育局", ""),
    ("市统计局", ""),
    ("市医疗保障局", "市医保局"),
    ("市林业局", ""),
    ("市信访局", ""),
    ("市政务服务和数据管理局", "市数据局"),
    ("市机关事务管理局", "市机关事务局"),
    ("市人民防空办公室", "市人防办"),
    ("市供销合作社", "市供销社"),
    ("市中级人民法院", "市中院"),
    ("市人民检察院", "市检察院"),
    ("市总工会", ""),
    ("共青团市委员会", "团市委"),
    ("市妇女联合会", "市妇联"),
    ("市科学技术协会", "市科协"),
    ("市残疾人联合会", "市残联"),
)

# A county's own departments (县直部门), as suffixes after the county's name: (suffix, short).
COUNTY_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("委办公室", "委办"),
    ("委组织部", ""),
    ("纪委监委", ""),
    ("发展和改革局", "发改局"),
    ("教育局", ""),
    ("财政局", ""),
    ("人力资源和社会保障局", "人社局"),
    ("农业农村局", ""),
    ("卫生健康局", "卫健局"),
    ("应急管理局", "应急局"),
    ("市场监督管理局", "市场监管局"),
    ("住房和城乡建设局", "住建局"),
    ("自然资源局", ""),
    ("交通运输局", "交通局"),
)

# --- People -------------------------------------------------------------------------------------

# Common surnames, the most frequent repeated so they come up as often as in life.
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
    "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
    "闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤"
)
GIVEN_MALE = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新"
    "利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐"
)
GIVEN_FEMALE = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱霞香"
    "月莺媛艳瑞凡佳嘉琼勤珍贞莉桂叶璐娅琦晶妍茜秋珊莎锦青倩婷婉娴瑾颖露瑶怡雁蓓"
)
# Given names people of working age in an office commonly have.
GIVEN_NAMES_MALE = _words(
    "建国 建军 国强 志强 志刚 海涛 晓东 文博 俊杰 建华 卫东 红军 振华 明辉 永刚 立新 学军 "
    "德胜 长江 海波 宏伟 鹏飞 浩然 子涵 宇航 晨阳 志远 家豪 文杰 国庆 新民 正阳 少华 建平 "
    "云峰 春雷 光明 胜利 天宇 一鸣"
)
GIVEN_NAMES_FEMALE = _words(
    "秀英 丽娟 晓燕 海燕 雅静 婷婷 欣怡 丽华 春梅 桂芳 玉兰 秀兰 淑珍 红霞 晓丽 静怡 雪梅 "
    "慧敏 丹丹 婉清 思雨 梦瑶 佳琪 晓红 艳萍 凤英 素芳 美玲 文静 金凤 翠华 月娥 冬梅 秋菊 "
    "若溪 雨桐 诗涵 晓雯 亚楠 丽萍"
)


def pick(rng: random.Random, chars: str | tuple | list):
    return chars[rng.randrange(len(chars))]


def unique(draw: Callable[[], str], used: set[str], tries: int = 200) -> str:
    """Draw until the name is not yet used among its siblings (or the whole build); then mark it.

    After many collisions (a parent with more children than the pools hold) the name gets an
    ordinal (第二…) so the build never fails and stays deterministic.
    """
    for _ in range(tries):
        name = draw()
        if name not in used:
            used.add(name)
            return name
    base = draw()
    for n in range(2, 1000):
        name = f"{base}{ordinal(n)}"
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("name pools exhausted")  # pragma: no cover


_DIGITS = "零一二三四五六七八九"


def ordinal(n: int) -> str:
    """2 → 二, 12 → 十二, 35 → 三十五 (numbers below 1000 in Chinese)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else ordinal(rest))
    if 10 <= rest < 20:
        tail = "一" + tail
    return _DIGITS[n // 100] + "百" + tail


def place_stem(rng: random.Random) -> str:
    """A two-character stem for a city, county or district (永宁, 临河 …), never a real city's."""
    while True:
        a, b = pick(rng, PLACE_FIRST), pick(rng, PLACE_SECOND)
        stem = a + b
        if a != b and stem not in REAL_NAMES:
            return stem


def province_stem(rng: random.Random) -> str:
    while True:
        stem = pick(rng, PROVINCE_FIRST) + pick(rng, PROVINCE_SECOND)
        if stem not in REAL_PROVINCES and stem[0] != stem[1]:
            return stem


def town_stem(rng: random.Random) -> str:
    """A township stem: 柳泉, 石桥, 白沙 …"""
    while True:
        a, b = pick(rng, TOWN_FIRST), pick(rng, TOWN_SECOND)
        if a != b:
            return a + b


def street_stem(rng: random.Random) -> str:
    return pick(rng, STREET_NAMES)


def community_name(rng: random.Random) -> str:
    return pick(rng, COMMUNITY_NAMES) + "社区"


def village_name(rng: random.Random) -> str:
    """王家庄村, 张庄村, 东李庄村, 石桥村, 前柳树村 …"""
    roll = rng.random()
    if roll < 0.35:
        stem = pick(rng, SURNAMES_VILLAGE) + "家" + pick(rng, HAMLET_AFTER_JIA)
    elif roll < 0.55:
        stem = pick(rng, SURNAMES_VILLAGE) + pick(rng, HAMLET_BARE)
    elif roll < 0.65:
        stem = pick(rng, DIRECTIONS) + pick(rng, SURNAMES_VILLAGE) + pick(rng, HAMLET_BARE)
    elif roll < 0.92:
        stem = pick(rng, VILLAGE_PLACES)
    else:
        stem = pick(rng, DIRECTIONS) + pick(rng, VILLAGE_PLACES)
    return stem if stem.endswith("村") else stem + "村"


def enterprise_name(rng: random.Random, place: str) -> str:
    """临河宏达机械有限公司 …: the county's stem, a brand, a trade and a legal form."""
    return (
        place
        + pick(rng, ENTERPRISE_BRANDS)
        + pick(rng, ENTERPRISE_TRADES)
        + pick(rng, ENTERPRISE_FORMS)
    )


def person_name(rng: random.Random) -> str:
    """A surname and a given name of one sex: 王建国, 李娜, 陈晓燕, 张伟 …"""
    female = rng.random() < 0.45
    roll = rng.random()
    if roll < 0.45:
        given = pick(rng, GIVEN_NAMES_FEMALE if female else GIVEN_NAMES_MALE)
    else:
        chars = GIVEN_FEMALE if female else GIVEN_MALE
        given = pick(rng, chars) + (pick(rng, chars) if roll < 0.8 else "")
    return pick(rng, SURNAMES) + given
