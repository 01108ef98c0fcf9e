"""Content: YAML with positions -> the typed, validated, cross-checked model (Site)."""
