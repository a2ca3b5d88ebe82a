"""One pydantic-settings object: environment variables and .env, nothing read at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class FaissSettings(BaseModel):
    """FAISS knobs (environment: FAISS_KIND, FAISS_AUTO_ANN_ROWS, FAISS_HNSW_M, FAISS_IVF_NLIST, ...)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["auto", "flat", "hnsw", "ivf", "hnsw_sq8", "ivf_sq8", "ivf_fp16", "ivf_pq"] = Field(
        "auto", description="Index type; auto: exact (flat) up to auto_ann_rows chunks, then ivf_fp16 "
        "(docs/benchmarks.md: which index at which corpus size).")
    auto_ann_rows: int = Field(200_000, ge=1, description="Chunks from which auto switches flat → ivf_fp16.")
    hnsw_m: int = Field(32, ge=4)
    ivf_nlist: int = Field(1024, ge=1)
    ivf_nprobe: int = Field(32, ge=1)


class MilvusSettings(BaseModel):
    """Milvus knobs (environment: MILVUS_URI, MILVUS_COLLECTION, MILVUS_INDEX); docs/milvus.md."""

    model_config = ConfigDict(frozen=True)

    uri: str | None = Field(None, description="A server URL (http://host:19530) or a local .db file; unset: "
                            "an embedded Milvus Lite file inside each build directory.")
    collection: str = Field("zhuzhou_chunks", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                            description="Alias of the live build on a server; prefix of each build's collection.")
    index: Literal["FLAT", "HNSW", "IVF_FLAT"] = Field("FLAT", description="Milvus index type (FLAT: exact).")


class Settings(BaseSettings):
    """Every knob of the project. Build it once (``Settings()``) and pass it down."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True,
        env_nested_delimiter="_", env_nested_max_split=1,  # FAISS_IVF_NLIST → faiss.ivf_nlist
    )

    # --- corpus and index -------------------------------------------------------------
    data_dir: Path = Field(PROJECT_ROOT / "data" / "articles", description="Article files to index.")
    index_dir: Path = Field(PROJECT_ROOT / "var" / "index", description="Where builds and `current` live.")
    cache_dir: Path = Field(PROJECT_ROOT / "var" / "cache", description="Embedding cache (by content hash).")
    profile: Path = Field(PROJECT_ROOT / "config" / "profile.toml",
                          description="Newsroom profile: home city, papers, measured things, question words.")
    default_year: int = Field(2020, description="Year for datelines like '2月20日' when a file names none.")
    max_file_mb: float = Field(50.0, gt=0, description="Larger input files are reported and skipped.")

    # --- embedding --------------------------------------------------------------------
    embedding_model: str = Field(
        str(PROJECT_ROOT / "models" / "multilingual-e5-small"),
        description="A sentence-transformers folder or hub name, or 'fake' (tests only).",
    )
    embedding_batch_size: int = Field(32, ge=1)
    embed_device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="Where passages are encoded at build time: auto (a GPU when torch sees one), cpu or "
        "cuda (half precision, large batches). Questions are always encoded on the CPU, by the ONNX export.")
    query_prompt: str = Field("query: ", description="Prefix for questions (e5 convention).")
    passage_prompt: str = Field("passage: ", description="Prefix for passages (e5 convention).")

    # --- chunking ---------------------------------------------------------------------
    chunk_size: int = Field(220, ge=40, description="Target chunk length in characters.")
    chunk_overlap: int = Field(60, ge=0, description="Characters of trailing sentences repeated.")

    # --- vector store and lexical index (stores/vector_store.py, stores/lexical.py) -------
    vector_backend: Literal["faiss", "numpy", "milvus"] = Field(
        "faiss", description="Vector store: faiss (default), numpy (exact, small corpora) or milvus.")
    lexical_backend: Literal["bm25s"] = Field("bm25s", description="Lexical index (jieba tokens + BM25).")
    faiss: FaissSettings = FaissSettings()
    milvus: MilvusSettings = MilvusSettings()

    # --- retrieval and answers --------------------------------------------------------
    retrieval_depth: int = Field(50, ge=1, description="Candidates taken from each retriever.")
    dense_weight: float = Field(0.4, ge=0.0, le=1.0, description="Weight of dense vs lexical score.")
    top_k: int = Field(3, ge=1, le=10, description="Quotes shown with an answer.")
    min_relevance: float = Field(0.45, description="Below this the question is declined (docs/eval.md).")

    # --- Telegram ---------------------------------------------------------------------
    bot_token: SecretStr | None = Field(None, description="From @BotFather; never logged.")
    bot_api_url: str = Field("https://api.telegram.org/bot", description="Bot API base URL.")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        frozenset(), description="Telegram user ids allowed to run admin commands."
    )
    webhook_url: str | None = Field(None, description="Public HTTPS URL Telegram posts to; set: webhook, unset: polling.")
    webhook_listen: str = Field("0.0.0.0", description="Address the webhook server binds (127.0.0.1 behind a local proxy).")  # noqa: S104
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None

    user_rate_per_minute: int = Field(20, ge=1, description="Questions one user may ask per minute.")
    rate_queue: int = Field(20, ge=0, description="Questions past that limit that wait their turn (answered in order) "
                            "rather than being refused.")
    followup_minutes: float = Field(30.0, gt=0, description="Minutes a chat's last question is kept for follow-ups "
                                    "(\"那出院呢\"); /start clears it.")
    reload_interval: float = Field(2.0, gt=0, description="Seconds between checks for a new index.")
    typing_after: float = Field(0.3, ge=0, description="Show \"typing…\" when an answer takes longer than this "
                                "(seconds; 0: always). Most answers take ~40 ms: a typing action would cost an "
                                "API call and nothing visible.")

    # --- crash safety (bot/journal.py, bot/persistence.py; docs/reliability.md) ---------
    journal_path: Path = Field(PROJECT_ROOT / "var" / "bot" / "journal.sqlite3",
                               description="Questions received and not yet answered (SQLite, WAL): answered after "
                               "a restart when the bot process died first.")
    journal_max_age: float = Field(900.0, gt=0, description="Seconds: a question left unanswered by a crash is "
                                   "answered late up to this age; older ones get one apology per chat.")
    bot_state_path: Path = Field(PROJECT_ROOT / "var" / "bot" / "state.sqlite3",
                                 description="Per-chat and per-user data (the rate limit) kept across restarts.")

    feedback_db: Path = Field(PROJECT_ROOT / "var" / "feedback.sqlite",
                              description="Readers' 👍/👎/报错 (question, answer, sources, build, chat type; no names).")

    subscriptions_db: Path | None = Field(None, description="SQLite file of the bot's subscriptions (/subscribe) "
                                          "and of what it already told; unset: bot/subscriptions.sqlite beside "
                                          "INDEX_DIR (var/bot/ by default).")

    log_level: str = Field("INFO")

    @property
    def subscriptions_path(self) -> Path:
        return self.subscriptions_db or self.index_dir.parent / "bot" / "subscriptions.sqlite"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value
