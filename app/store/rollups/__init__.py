"""The metrics' rollups' SQL, a module per table family: facts (`metric_tickets`), feeds
(`metric_feeds`), tallies (facts counted over windows) and daily (`metric_rollups`)."""
