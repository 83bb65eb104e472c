"""A labelled set of residents' texts for evaluating topic classification, made from the demo corpus.

Every topic gets the same number of texts, spread over its subtopics and the three styles (formal
letters, plain messages, social-media posts with slang and typos) and over the demo district's places.
The same seed always gives the same set; `tests/data/topics_eval.csv` is this with seed 2026.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from pathlib import Path

from otklik.demo import texts

DEMO_FILE = Path(__file__).resolve().parents[1] / "demo" / "data" / "kotelnikovo.json"
KIND_LABEL = {"town": "г.", "khutor": "х.", "stanitsa": "ст-ца", "settlement": "пос.", "village": "с."}


def _places() -> list[tuple[str, str, bool]]:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    out = []
    for s in data["settlements"]:
        for kind, name, *_ in s["localities"]:
            out.append((f"{KIND_LABEL.get(kind, '')} {name}".strip(), s["name"], kind == "town"))
    return out


def generate(per_topic: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    places = _places()
    by_topic: dict[str, list[str]] = defaultdict(list)
    for code in texts.SUBTOPIC_CODES:
        by_topic[code.split(".")[0]].append(code)
    rows = []
    for topic in sorted(by_topic):
        subs = by_topic[topic]
        for i in range(per_topic):
            sub = subs[i % len(subs)]
            style = texts.STYLES[(i // len(subs)) % len(texts.STYLES)]
            label, settlement, town = rng.choice(places)
            streets = texts.STREETS_TOWN if town else texts.STREETS_RURAL
            slots = texts.Slots(label, rng.choice(streets), str(rng.randint(1, 120)), settlement)
            rows.append(
                {
                    "topic": topic,
                    "subtopic": sub,
                    "style": style,
                    "text": texts.message_text(rng, sub, style, slots),
                }
            )
    rng.shuffle(rows)
    return [{"id": str(n), **row} for n, row in enumerate(rows, start=1)]


def write(path: Path, per_topic: int = 300, seed: int = 2026) -> int:
    rows = generate(per_topic, seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["id", "text", "topic", "subtopic", "style"])
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":  # python -m otklik.nlp.evalset tests/data/topics_eval.csv
    import sys

    print(write(Path(sys.argv[1])))
