"""Real-training demo and test set-up for yaml-hooks (not part of the product package)."""
