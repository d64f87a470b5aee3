"""AI-generated content labels (《人工智能生成合成内容标识办法》, GB 45438-2025): check `aigc_label`.

metadata (implicit labels, C2PA) · visual (OCR of the opening, middle and end) · spoken (Whisper) ·
declared (form, script) · verdict (→ Finding). `stage.screen_aigc` runs them all for one file.
"""
