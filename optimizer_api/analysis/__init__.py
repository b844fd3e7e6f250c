"""Read-only statistics over trials: pure numpy, no Flask, no store."""
