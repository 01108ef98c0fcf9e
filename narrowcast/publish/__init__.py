"""The build's stages and its output: manifests, the atomic swap, urgent notices."""
