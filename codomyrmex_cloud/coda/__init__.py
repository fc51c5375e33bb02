"""The hand-written Coda layer: client, façade objects, paging, rate limits and errors."""
