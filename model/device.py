"""Where passages are encoded at build time: the EMBED_DEVICE setting (auto | cpu | cuda) resolved against torch."""

from __future__ import annotations

CUDA_BATCH = 512  # passages per forward pass on a GPU (half precision; sentence-transformers sorts them by length)


def choose_device(setting: str, torch_module=None) -> str:
    """``cpu`` or ``cuda`` for the ``embed_device`` setting; ``auto`` picks the GPU when torch sees one.

    ``torch_module`` is for tests (a stand-in with ``cuda.is_available``); by default torch itself.
    """
    if setting not in ("auto", "cpu", "cuda"):
        raise ValueError(f"EMBED_DEVICE must be auto, cpu or cuda, not {setting!r}")
    if setting == "cpu":
        return "cpu"
    if torch_module is None:
        import torch as torch_module
    available = bool(torch_module.cuda.is_available())
    if setting == "cuda" and not available:
        raise RuntimeError("EMBED_DEVICE=cuda but torch sees no CUDA device (set EMBED_DEVICE=auto or cpu)")
    return "cuda" if available else "cpu"
