"""Command line: `python -m index build|articles|materialize`."""

from __future__ import annotations

import argparse
import json
import sys

from config import Settings
from config.logs import setup_logging
from index.build import BuildError, build_index
from index.sources import scan
from model.embedder import make_embedder, resolve_model


def model_id_for(name: str) -> str:
    """The id an embedder will report, without loading the model."""
    from model.embedder import _model_id

    if name.startswith("fake"):
        return make_embedder(name).model_id
    return _model_id(resolve_model(name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build or update the index from the data directory")
    build.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    arts = sub.add_parser("articles", help="list the articles parsed from the data directory")
    arts.add_argument("--json", action="store_true", help="one JSON object per line")
    mat = sub.add_parser("materialize", help="write the default embedding model folder")
    mat.add_argument("out", nargs="?", help="target folder (default: the embedding_model setting)")
    args = parser.parse_args(argv)

    settings = Settings()
    setup_logging(settings.log_level)
    if args.command == "materialize":
        from pathlib import Path

        from model.materialize import materialize_e5

        out = materialize_e5(Path(args.out or settings.embedding_model))
        print(f"model ready: {out}")
        return 0
    if args.command == "articles":
        from config.profile import load_profile

        corpus = scan(settings.data_dir, settings.default_year, load_profile(settings.profile))
        for article in corpus.articles:
            if args.json:
                view = article.to_json()
                print(json.dumps({k: view[k] for k in ("id", "title", "date", "published", "paper", "page", "byline",
                                                         "source", "text")}
                                 | {"lines": [article.line_start, article.line_end]}, ensure_ascii=False))
            else:
                print(f"{article.date or '----------'}  {article.source}:{article.line_start}  {article.title}")
        for problem in corpus.problems:
            print(f"warning: {problem}", file=sys.stderr)
        return 0
    try:
        report = build_index(
            settings, lambda: make_embedder(settings.embedding_model, settings.embed_device),
            model_id_for(settings.embedding_model),
            force=args.force, progress=not args.quiet,
        )
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for problem in [*report.problems, *report.undated]:
        print(f"warning: {problem}", file=sys.stderr)
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
