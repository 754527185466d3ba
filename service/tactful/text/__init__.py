"""Text normalization with an offset map back to the original, and UTF-16 offsets."""

from tactful.text.normalize import NormalizedText, NormalizeOptions, Normalizer, normalizer_for
from tactful.text.offsets import astral_positions, span_to_original, to_utf16, utf16_index, utf16_span

__all__ = [
    "NormalizeOptions",
    "NormalizedText",
    "Normalizer",
    "astral_positions",
    "normalizer_for",
    "span_to_original",
    "to_utf16",
    "utf16_index",
    "utf16_span",
]
