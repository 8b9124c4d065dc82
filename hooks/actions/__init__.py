"""Action kinds: what a config can do on an event. One module per kind (build, compile and explain
together); ``registry.KINDS`` lists them."""
