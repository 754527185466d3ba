"""Generate synthetic contact-centre conversations for `tactful audit` (tests, benchmarks, demos).

    python bench/conversations.py --count 10000 --out /tmp/conversations.jsonl [--seed 7]

One JSON object per line: {"id", "agent_id", "lang", "turns": [{"role", "text", "timestamp"}]}.
80 % Chinese, 20 % English; 40 agents over 14 days; agents differ in how often they forget the
greeting, the apology after a complaint or the closing, repeat a put-off, or answer late, so the
audit has something to rank. Every text is written here (no real transcript is used).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

START = 1_714_521_600  # 2024-05-01T00:00:00Z
ZH = {
    "open_cust": ["在吗", "你好,我想问一下订单的事", "您好,我的快递到哪了", "我要退货", "请问这个商品有货吗", "我想改一下收货地址"],
    "complaint": ["快递显示签收了可我根本没收到!", "收到的裤子有个洞", "都三天了还没发货,太慢了", "客服一直不回消息", "买的草莓烂了一半"],
    "neutral": ["订单号是1234567", "好的", "那要多久", "还有别的办法吗", "地址是阳光小区3栋", "嗯嗯"],
    "greet": ["您好,很高兴为您服务,请问有什么可以帮您?", "您好,欢迎光临,请问有什么可以帮您?"],
    "no_greet": ["请问有什么问题?", "请提供一下订单号。"],
    "apology": ["非常抱歉给您带来不便,我马上为您查询。", "不好意思让您久等了,我这就帮您处理。"],
    "answer": [
        "已为您查到,包裹在派送站,今天18点前送达。",
        "已为您登记退货,快递员明天上午上门取件。",
        "这款目前有货,今天下单明天发货。",
        "地址已为您修改好了。",
    ],
    "stall": ["已经在催了,请您耐心等待。", "正在处理中,请您耐心等待。"],
    "bad": ["是的,但是这个规定改不了。", "我们绝对保证明天到货。", "这个不归我们管,您找快递公司吧。", "亲,这个没办法的。"],
    "close": ["感谢您的耐心等待,祝您生活愉快,再见!", "还有其他可以帮您的吗?感谢您的来电,再见。"],
    "no_close": ["好的。", "就这样。"],
}
EN = {
    "open_cust": ["Hi, is anyone there?", "Hello, where is my parcel?", "I want to return an item", "Can I change my delivery address?"],
    "complaint": [
        "This is ridiculous, my parcel never arrived!",
        "The jacket arrived with a hole in it",
        "Nobody called me back yesterday",
    ],
    "neutral": ["The order number is 1234567", "ok", "How long will it take?", "Fine"],
    "greet": ["Hello, thanks for contacting us. How can I help?", "Hi there, how can I help you today?"],
    "no_greet": ["What's the order number?", "Order number?"],
    "apology": ["I'm so sorry about that, let me check right away.", "I apologise for the trouble, I'm looking at it now."],
    "answer": [
        "I've found it: it will be delivered today by 6 pm.",
        "I've booked the return; the courier comes tomorrow morning.",
        "Done, the address is updated.",
    ],
    "stall": ["We're looking into it, please be patient.", "Still working on it, please be patient."],
    "bad": ["Yes, but that's the policy.", "I guarantee it will arrive tomorrow.", "That's not my department."],
    "close": ["Thanks for your patience, have a great day!", "Is there anything else? Thank you for contacting us, goodbye."],
    "no_close": ["ok.", "Done."],
}


def conversation(rng: random.Random, k: int, agents: list[tuple[str, float]]) -> dict[str, Any]:
    agent_id, sloppiness = agents[rng.randrange(len(agents))]
    zh = rng.random() < 0.8
    words = ZH if zh else EN

    def slip(p: float) -> bool:
        return rng.random() < p * sloppiness

    t = START + rng.randrange(14 * 86400)
    turns: list[dict[str, Any]] = []

    def say(role: str, text: str, gap: tuple[int, int]) -> None:
        nonlocal t
        t += rng.randint(*gap)
        turns.append({"role": role, "text": text, "timestamp": t})

    late = (25, 120) if slip(0.3) else (3, 25)
    complained = rng.random() < 0.35
    say("customer", rng.choice(words["open_cust"]), (0, 0))
    say("agent", rng.choice(words["no_greet"] if slip(0.25) else words["greet"]), late)
    say("customer", rng.choice(words["complaint"] if complained else words["neutral"]), (5, 40))
    if complained and not slip(0.5):
        say("agent", rng.choice(words["apology"]), (3, 20))
    else:
        say("agent", rng.choice(words["no_greet"]), (3, 20))
        say("customer", rng.choice(words["neutral"]), (5, 30))
    for _ in range(rng.randint(0, 2)):
        if slip(0.3):
            stall = rng.choice(words["stall"])
            say("agent", stall, (3, 20))
            say("customer", rng.choice(words["neutral"]), (5, 40))
            say("agent", stall, (3, 25))
        else:
            say("agent", rng.choice(words["bad"] if slip(0.15) else words["answer"]), (3, 25))
        say("customer", rng.choice(words["neutral"]), (5, 40))
    say("agent", rng.choice(words["answer"]), (3, 25) if not slip(0.2) else (35, 90))
    say("agent", rng.choice(words["no_close"] if slip(0.3) else words["close"]), (2, 10))
    return {"id": f"conv-{k:06d}", "agent_id": agent_id, "lang": "zh-Hans" if zh else "en", "turns": turns}


def generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    agents = [(f"agent-{i:03d}", rng.uniform(0.2, 2.0)) for i in range(1, 41)]
    return [conversation(rng, k, agents) for k in range(count)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    with args.out.open("w", encoding="utf-8") as handle:
        for rec in generate(args.count, args.seed):
            handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {args.count} conversations to {args.out}")


if __name__ == "__main__":
    main()
