"""The store's adapters: how events are encoded and inserted, the two SQL dialects, the pool's
session checks, the circuit breaker, and the fast writer's turns and aggregate cache. They
stand below the ledger and the service and import neither."""
