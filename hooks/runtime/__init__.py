"""The runtime: a loaded config compiled into callbacks (compile), the per-training state behind
them (session), what an action sees (context), and attaching them to a model (attach)."""
