"""The intake's placement step with text intelligence: the source's category when it has one, otherwise
the classifier; the territory from the gazetteer. Low confidence and unresolved territory are flagged
for a person (the review queue), never guessed silently."""

from __future__ import annotations

from typing import Any

from otklik.intake.enrich import Placement, SourceEnricher, topics_by_code
from otklik.nlp.services import classify, confidence_threshold
from otklik.nlp.territory import StreetIndex
from otklik.territory.models import Municipality


class NlpEnricher(SourceEnricher):
    def place(self, items: list[Any], municipality: Municipality) -> list[Placement]:
        placements = super().place(items, municipality)
        unplaced = [i for i, p in enumerate(placements) if p.topic_id is None]
        if unplaced:
            texts = [
                f"{items[i].title}. {items[i].text}" if items[i].title else items[i].text for i in unplaced
            ]
            predictions = classify(texts, municipality)
            topics = topics_by_code()
            threshold = confidence_threshold()
            for i, prediction in zip(unplaced, predictions, strict=True):
                place = placements[i]
                topic = topics.get(prediction.topic)
                subtopic = topics.get(prediction.subtopic) if prediction.subtopic else None
                place.topic_id = topic.pk if topic is not None else None
                place.subtopic_id = subtopic.pk if subtopic is not None else None
                place.topic_confidence = prediction.confidence
                place.topic_source = prediction.source
                if prediction.confidence < threshold:
                    place.review_reasons.append("topic")
        streets = None
        for item, place in zip(items, placements, strict=True):
            if place.locality_id is None and (item.address or item.text):
                streets = streets or StreetIndex.of(municipality)
                locality = streets.locality_for(item.address, item.text, settlement_id=place.settlement_id)
                if locality is not None:
                    place.locality_id, place.settlement_id = locality.pk, locality.settlement_id
            has_place = bool(item.address or item.settlement or item.location)
            if place.settlement_id is None and has_place:
                place.review_reasons.append("territory")
        return placements
