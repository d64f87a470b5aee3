"""Simplified-Chinese subtitle check (notice 四（二）「字幕应为中文简体字」), check id `subtitles`.

Sources: soft subtitle streams and sidecar files (files.py), burned-in text read by OCR on the
subtitle band (burned.py); speech from Whisper (tasks/engines/asr.py) for coverage and agreement
(speech.py); the pure verdict (check.py); WebVTT/JSON exports (export.py); the I/O glue (run.py).
"""
