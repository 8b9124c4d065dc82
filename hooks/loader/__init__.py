"""The build step: the config pipeline (``hooks.config``) run with what the registries know, and
its result built into a frozen ``Config``. The one place that knows the registries of action
kinds, trackers and named sources; the runtime compiles what it returns."""
