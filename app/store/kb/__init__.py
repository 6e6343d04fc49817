"""The knowledge base's SQL: articles with their revisions and translations (articles), full-text
and trigram search with snippets (search), the searches recorded, links to tickets and the KPIs
over them (usage)."""
