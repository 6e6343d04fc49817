"""Text search: which PostgreSQL text search configuration stems a ticket's language."""

# Language tag (its primary subtag) → configuration; any other language is searched word by
# word without stemming ('simple'), and by trigram for text without spaces (Thai, Japanese, …).
CONFIGS: dict[str, str] = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "et": "estonian",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
PLAIN = "simple"


def config_for(language: str | None) -> str:
    """The configuration for a language tag such as `nl-BE`."""
    return CONFIGS.get((language or "").split("-", 1)[0].lower(), PLAIN)


def configs_in_use() -> tuple[str, ...]:
    """Every configuration a ticket may have been indexed with, each once."""
    return (*sorted(set(CONFIGS.values())), PLAIN)
