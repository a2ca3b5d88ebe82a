"""Storage: vector stores (FAISS, NumPy, Milvus), the lexical index, SQLite metadata and figures, build layout."""
