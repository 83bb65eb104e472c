"""Russian text intelligence: topic classification, territory resolution, personal data, similar messages."""
