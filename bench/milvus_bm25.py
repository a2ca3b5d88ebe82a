"""Milvus' own BM25 (analyzer "chinese") vs jieba + bm25s on CMRC2018/DRCD dev: `python -m bench.milvus_bm25`."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED", ROOT.parent / "shared"))
K = 10


class MilvusBM25:
    """A Milvus Lite collection with a BM25 function over a VARCHAR field analysed by the built-in "chinese"."""

    def __init__(self, texts: list[str]) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        self._dir = Path(tempfile.mkdtemp(prefix="milvus-bm25-"))
        self.client = MilvusClient(str(self._dir / "bm25.db"))
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                         analyzer_params={"type": "chinese"})
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                     output_field_names=["sparse"]))
        params = self.client.prepare_index_params()
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        self.client.create_collection("passages", schema=schema, index_params=params, consistency_level="Strong")
        for start in range(0, len(texts), 1000):
            self.client.insert("passages", [{"id": start + i, "text": t[:20000]}
                                            for i, t in enumerate(texts[start : start + 1000])])
        self.client.flush("passages")

    def search(self, query: str, k: int) -> list[int]:
        hits = self.client.search("passages", data=[query], anns_field="sparse", limit=k,
                                  search_params={"metric_type": "BM25"})
        return [int(h["id"]) for h in hits[0]]

    def close(self) -> None:
        self.client.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def metrics(rankings: list[list[int]], relevant: list[set[int]]) -> dict[str, float]:
    r1 = sum(bool(r) and r[0] in rel for r, rel in zip(rankings, relevant, strict=True)) / len(relevant)
    mrr = sum(next((1 / (i + 1) for i, row in enumerate(r[:K]) if row in rel), 0.0)
              for r, rel in zip(rankings, relevant, strict=True)) / len(relevant)
    return {"R@1": round(100 * r1, 1), "MRR@10": round(100 * mrr, 1)}


def run(prefix: Path) -> dict:
    from retrieval.external_eval import load_set, query_inputs
    from stores.lexical import LexicalIndex, to_simplified

    data = load_set(str(prefix))
    _, lexical = query_inputs(data.questions)
    out = {"set": prefix.name, "passages": len(data.texts), "queries": len(data.questions)}
    started = time.perf_counter()
    bm25s = LexicalIndex.build(data.texts)
    built = time.perf_counter() - started
    started = time.perf_counter()
    ranks = [bm25s.search(q, K)[1].tolist() for q in lexical]
    out["bm25s"] = {**metrics(ranks, data.relevant), "build_s": round(built, 1),
                    "query_ms": round((time.perf_counter() - started) / len(lexical) * 1000, 2)}
    started = time.perf_counter()
    milvus = MilvusBM25([to_simplified(t) for t in data.texts])  # same t2s + NFKC as the bm25s side
    built = time.perf_counter() - started
    try:
        started = time.perf_counter()
        ranks = [milvus.search(to_simplified(q), K) for q in lexical]
        out["milvus_bm25"] = {**metrics(ranks, data.relevant), "build_s": round(built, 1),
                              "query_ms": round((time.perf_counter() - started) / len(lexical) * 1000, 2)}
    finally:
        milvus.close()
    return out


def main() -> int:
    results = [run(SHARED / "eval/external" / name) for name in ("cmrc2018_dev", "drcd_dev")
               if (SHARED / "eval/external" / f"{name}.corpus.jsonl").is_file()]
    if not results:
        print(f"skipping: {SHARED}/eval/external not found", file=sys.stderr)
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
