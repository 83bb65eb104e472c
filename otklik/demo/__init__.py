"""The demo district: reference data and a seeded case history for trying Otklik out."""
