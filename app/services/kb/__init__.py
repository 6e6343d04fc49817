"""The knowledge base's use cases: articles and their revisions (articles), search and the
searches recorded (search), a ticket's suggestions and links (tickets), the KPIs (kpis)."""
