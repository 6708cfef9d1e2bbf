"""Evidence that holds up: the hash chain over the stored log, signed checkpoints, reports that
carry their evidence, the token history's chain, and personal data sealed under a key per person
so that erasing it leaves the log intact."""
