"""The survey domain: question types, definitions, templates and scoring. No Flask here."""
