"""Optical character recognition for scanned pages, with the Chinese PP-OCR models that
ship inside the rapidocr wheel: nothing is downloaded, ever.

The engine loads once per process (about a second) and is shared; a page takes about two
seconds on one core (bench figures in the module that measures them: bench/documents.py).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.engine.documents.formats.layout import Span

# the model files inside the rapidocr wheel; naming them stops rapidocr looking elsewhere
_MODELS = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
MIN_SCORE = 0.5  # recognition confidence below which a box is noise (rapidocr's own default)

_engine: Any = None
_lock = threading.Lock()


def engine() -> Any:
    """The shared RapidOCR engine, loaded from the wheel's bundled models on first use."""
    global _engine
    with _lock:
        if _engine is None:
            import rapidocr

            models = Path(rapidocr.__file__).parent / "models"
            params: dict[str, object] = {k: str(models / v) for k, v in _MODELS.items()}
            missing = [p for p in params.values() if not Path(str(p)).is_file()]
            if missing:
                raise RuntimeError(
                    f"rapidocr's bundled models are missing ({', '.join(map(str, missing))}); "
                    "reinstall the pinned rapidocr version: `make .venv/.installed`"
                )
            params.update({"Global.log_level": "warning", "Global.use_cls": False})
            _engine = rapidocr.RapidOCR(params=params)
        return _engine


def read_image(image: npt.NDArray[np.uint8], scale: float = 1.0) -> list[Span]:
    """The text boxes OCR finds in a BGR ``image``, in units of 1/``scale`` pixel."""
    result = engine()(np.ascontiguousarray(image[:, :, :3]))
    if result.boxes is None or result.txts is None:
        return []
    spans = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        if score < MIN_SCORE or not text.strip():
            continue
        xs, ys = box[:, 0], box[:, 1]
        spans.append(
            Span(
                text.strip(),
                float(xs.min()) / scale,
                float(ys.min()) / scale,
                float(xs.max()) / scale,
                float(ys.max()) / scale,
            )
        )
    return spans
