"""Export-format modules (one per format) and content-based detection."""
