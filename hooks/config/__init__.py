"""The config pipeline, one module per stage: read (YAML with positions) → resolve (`extends`,
presets) → interpolate (`${VAR}`) → validate (JSON Schema) → build (frozen objects, checked
with the help of builder); load runs them in order. Beside them: events, templates, attribute
paths, path confinement, did-you-mean, and show (the resolved config with provenance)."""
