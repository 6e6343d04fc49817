"""HTTP routers: parse, authorize, call one service, shape the response."""
