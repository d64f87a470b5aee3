"""Engine seams (OCR, ASR): small interfaces so tests can run the real engine or a stand-in."""
