"""Generates realistic customer-service replies (20-400 characters) for benchmarks.

Written from scratch in the style of the labeled dev corpus (openings, bodies with order numbers,
times and amounts, closings; some with violations). Deterministic for a given seed.
"""

from __future__ import annotations

import random

OPENINGS_ZH = ["您好,", "您好,很高兴为您服务。", "亲,", "早上好,", "", "", "感谢您的耐心等待,", "您好,这里是售后服务中心,"]
BODIES_ZH = [  # compliant sentences, several of them hard negatives
    "您的订单{order}已经发货,预计{day}送达,请注意查收。",
    "关于您反馈的{item}问题,我已经为您提交了售后申请,{hours}小时内会有专人联系您。",
    "为了保证您的账户安全,请勿将验证码告诉任何人。",
    "我理解您的心情,同时我们会尽快为您处理退款{amount}元。",
    "非常抱歉给您带来不便,我马上为您查询物流信息。",
    "您可以在“我的订单”页面点击申请退货,填写原因后提交即可。",
    "您的{item}保修期还有{months}个月,可以免费维修。",
    "套餐每月{amount}元,包含{gb}GB流量和{minutes}分钟通话。",
    "不知道您现在方便接听电话吗?我们的工程师想跟您确认一下上门时间。",
    "您登记的手机号是138****{tail},如需修改请在个人中心操作。",
    "我们会在今天18点前给您回复处理结果。",
    "手续费每笔不过{months}元,到账时间一般为两小时。",
    "这款{item}不但支持七天无理由退货,而且享受一年质保。",
    "如果重启后还是不行,您可以再联系我们,我们安排工程师上门。",
]
VIOLATIONS_ZH = [  # one norm broken per sentence
    "是的,但是这个需要审核,{day}才能给您答复。",
    "这个我们绝对保证{day}到货,您放心。",
    "这个不归我管,您找快递公司吧。",
    "具体什么时候能修好不好说,您先等着吧。",
    "好哒,这就给您改地址~",
    "我都说了三遍了,您自己去官网看。",
    "请把手机上收到的验证码发给我。",
    "这个我也不知道。",
]
CLOSINGS_ZH = ["", "", "还有其他可以帮您的吗?", "感谢您的来电,祝您生活愉快!", "谢谢您的理解与支持。", "再见!"]
ITEMS_ZH = ["空调", "洗衣机", "手机", "耳机", "路由器", "面霜", "座椅套", "宽带"]
DAYS_ZH = ["明天", "后天", "本周五", "三个工作日内", "下周一"]

OPENINGS_EN = ["Hello! ", "Hi there, ", "Good morning, ", "", "Thanks for contacting us. "]
BODIES_EN = [
    "Your order {order} has shipped and should arrive {day_en}. ",
    "I've submitted a refund of ${amount} for you; you'll get an email within {hours} hours. ",
    "Could you confirm the last four digits of the card on file? ",
    "I'm sorry for the trouble. Let me check the tracking details for you right away. ",
    "Not only is shipping free, but you also get a 30-day return window. ",
    "Never hesitate to contact us if anything else comes up. ",
]
VIOLATIONS_EN = [
    "I understand, but that's our policy. ",
    "I guarantee the technician will be there {day_en}. ",
    "As I already told you, the store closes at 9. ",
    "That's not our department. ",
]
CLOSINGS_EN = ["", "Is there anything else I can help with?", "Thank you, have a great day!", "Take care!"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        order=f"{rng.randint(10**11, 10**12 - 1)}",
        day=rng.choice(DAYS_ZH),
        day_en=rng.choice(["tomorrow", "by Friday", "within 3 business days"]),
        item=rng.choice(ITEMS_ZH),
        hours=rng.choice([2, 12, 24, 48]),
        amount=rng.randint(5, 999),
        months=rng.randint(1, 24),
        gb=rng.choice([10, 30, 100]),
        minutes=rng.choice([100, 300, 1000]),
        tail=rng.randint(1000, 9999),
    )


def reply(rng: random.Random, lang: str = "zh", max_chars: int = 400, violation_rate: float = 0.5) -> str:
    """One reply: an opening, one to five body sentences and a closing, capped at max_chars.

    About `violation_rate` of the replies carry one non-compliant sentence, as in dev.jsonl (56%).
    """
    en = lang == "en"
    openings, bodies, bad, closings = (
        (OPENINGS_EN, BODIES_EN, VIOLATIONS_EN, CLOSINGS_EN) if en else (OPENINGS_ZH, BODIES_ZH, VIOLATIONS_ZH, CLOSINGS_ZH)
    )
    middle = [_fill(rng.choice(bodies), rng) for _ in range(rng.randint(1, 4 if en else 5))]
    if rng.random() < violation_rate:
        middle.insert(rng.randrange(len(middle) + 1), _fill(rng.choice(bad), rng))
    text = "".join([rng.choice(openings), *middle, rng.choice(closings)]).strip()
    while len(text) < 20:
        text += _fill(rng.choice(bodies), rng)
    return text[:max_chars]


def corpus(n: int = 10_000, seed: int = 7, en_share: float = 0.2) -> list[str]:
    rng = random.Random(seed)
    return [reply(rng, "en" if rng.random() < en_share else "zh") for _ in range(n)]


def random_terms(n: int, seed: int = 11) -> list[str]:
    """n distinct 2-4 character Chinese terms built from common characters (some will occur in replies)."""
    rng = random.Random(seed)
    alphabet = (
        "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所"
        "民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
        "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
        "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
        "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权"
        "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集"
        "温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支"
        "般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
        "圆包火住调满县局照参红细引听该铁价严"
    )
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(alphabet) for _ in range(rng.randint(2, 4))))
    return sorted(out)
