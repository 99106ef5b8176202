"""Provider self-service: own listings, change requests, freshness."""
