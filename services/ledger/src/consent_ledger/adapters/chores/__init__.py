"""The chores a `serve` process runs on a schedule: checkpoints, consent expiry and retention."""
