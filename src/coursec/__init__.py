"""coursec: compile plain-text courses into HTML, SCORM and PDF."""

__version__ = "0.1.0"
