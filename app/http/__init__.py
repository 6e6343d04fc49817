"""What the routers share: typed dependencies, responses, query models, problems, middleware."""
